"""Regression guard: time S and M back to back and compare with the figures last recorded on this machine.

Usage::

    python -m benchmarks.guard [--sizes S,M] [--runs N] [--record] [--figures benchmarks/guard-figures.json]

For each size a KB is generated and measured with ``benchmarks.run``'s own steps: ``kb check`` cold and warm,
plain ``mkdocs build``, ``kb build`` cold, with nothing changed and after a one-page edit, the cold build's peak
memory (process tree PSS), and search p95 on the index the build wrote (the in-process index write and
``kb serve`` are left out: ``benchmarks.run`` has them). Each figure is printed beside the one recorded for this
kind of machine (cores, processor, memory, Python) with their ratio; a figure more than ``--tolerance``
(10%) above its record is flagged and the exit status is 1. ``--record`` stores this run's figures as the new
record instead (run it on an idle machine, on the code that merged last). Plain MkDocs' own ratio shows how
much faster or slower the machine itself is than when the record was made.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import generate, run

FIGURES = Path(__file__).with_name("guard-figures.json")
TOLERANCE = 0.10

# (label, key in a size's figures): lower is better for each
METRICS = [
    ("kb check, cold (s)", "check_cold_s"),
    ("kb check, warm (s)", "check_warm_s"),
    ("kb build, cold (s)", "kb_build_s"),
    ("kb build, nothing changed (s)", "kb_build_warm_s"),
    ("kb build after a one-page edit (s)", "kb_rebuild_after_edit_s"),
    ("kb build peak memory, tree PSS (MiB)", "kb_build_peak_tree_pss_mib"),
    ("search p95 (ms)", "search_p95_ms"),
]
REFERENCE = ("plain mkdocs build (s)", "mkdocs_plain_build_s")  # the machine's own speed: shown, never flagged


@dataclass(frozen=True)
class Row:
    """One figure of one size against its record."""

    size: str
    label: str
    recorded: float | None
    now: float | None
    flagged: bool

    @property
    def ratio(self) -> float | None:
        if isinstance(self.recorded, int | float) and isinstance(self.now, int | float) and self.recorded > 0:
            return self.now / self.recorded
        return None


def machine_key() -> str:
    """The kind of machine: figures recorded on another kind are not compared."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    mem = ""
    with contextlib.suppress(ValueError, OSError, AttributeError):
        mem = f", {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB"
    return f"{os.cpu_count()} cores, {cpu}{mem}, Python {platform.python_version()}"


def compare(recorded: dict, now: dict, tolerance: float = TOLERANCE) -> list[Row]:
    """Rows for every size and metric in ``now``; a row is flagged when it is more than ``tolerance`` above
    its record. A figure that could not be measured (a string saying why) is flagged when its record was a
    number; a figure with no record is shown, never flagged."""
    rows = []
    for size, figures in now.items():
        before = recorded.get(size, {})
        for label, key in [*METRICS, REFERENCE]:
            old, new = before.get(key), figures.get(key)
            numbers = isinstance(old, int | float) and isinstance(new, int | float)
            flagged = key != REFERENCE[1] and (
                (numbers and new > old * (1 + tolerance)) or (isinstance(old, int | float) and not numbers)
            )
            rows.append(Row(size, label, old, new, bool(flagged)))
    return rows


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 100 else f"{value:.2f}"
    return "–" if value is None else str(value)[:40]


def report(rows: list[Row]) -> str:
    """The table the guard prints: size, figure, record, now, ratio, and a flag."""
    width = max(len(r.label) for r in rows) + 2
    lines = [f"{'':4}{'':{width}}{'recorded':>10}{'now':>10}{'ratio':>8}"]
    for r in rows:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "–"
        flag = "  SLOWER" if r.flagged else ""
        lines.append(f"{r.size:4}{r.label:{width}}{_cell(r.recorded):>10}{_cell(r.now):>10}{ratio:>8}{flag}")
    return "\n".join(lines)


# --- measuring ---------------------------------------------------------------------------------------------


def measure_size(size: str, runs: int, work: Path, log) -> dict:
    """``benchmarks.run``'s check and build figures for one generated KB, and search p95 on its built index."""
    kb = work / f"kb-{size}"
    shutil.rmtree(kb, ignore_errors=True)
    manifest = generate.generate(size, kb)
    log(f"{size}: {manifest['pages']} pages, {manifest['claims']} claims")
    figures = run.bench_check_build(kb, manifest, runs, log)
    index = kb / ".kb" / "index"
    if index.is_dir():
        _, report_ = run.load_report(kb)
        claims = [run.plain(c.text) for c in report_.catalogue.claims]
        searched = run.bench_search(index, run.make_queries(manifest, claims, 500))
        figures["search_p95_ms"] = run._get_path(searched, "search.all.p95_ms")
    shutil.rmtree(kb, ignore_errors=True)
    keys = {key for _, key in [*METRICS, REFERENCE]}
    return {k: v for k, v in figures.items() if k in keys}


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def load_figures(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def record(path: Path, key: str, sizes: dict) -> None:
    data = load_figures(path)
    data[key] = {"recorded": time.strftime("%Y-%m-%d"), "commit": _commit(), "sizes": sizes}
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.guard", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="S,M", help="comma-separated sizes (default S,M)")
    ap.add_argument("--runs", type=int, default=3, help="runs per size; figures are medians (default 3)")
    ap.add_argument("--record", action="store_true", help="store this run's figures as this machine's record")
    ap.add_argument("--figures", type=Path, default=FIGURES, help="the recorded figures (JSON)")
    ap.add_argument("--tolerance", type=float, default=TOLERANCE, help="flag figures this much slower (0.10)")
    args = ap.parse_args(argv)
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    if bad := [s for s in sizes if s not in generate.SIZES]:
        ap.error(f"unknown size {bad[0]}; use S, M or L")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    key = machine_key()
    with tempfile.TemporaryDirectory(prefix="kb-guard-") as work:
        now = {size: measure_size(size, args.runs, Path(work), log) for size in sizes}
    entry = load_figures(args.figures).get(key)
    if args.record:
        record(args.figures, key, now)
        print(f"recorded for {key} in {args.figures}; against the record before:")
    if entry is None:
        print(f"no figures recorded for this machine ({key}): run with --record on an idle machine")
        print(report(compare({}, now)))
        return 0
    rows = compare(entry["sizes"], now, args.tolerance)
    print(f"against figures recorded on {entry['recorded']} (commit {entry['commit']}) for {key}:")
    print(report(rows))
    slower = [r for r in rows if r.flagged]
    busy = [r.size for r in rows if r.label == REFERENCE[0] and (r.ratio or 0) > 1 + args.tolerance]
    if busy:
        print(
            f"\nplain MkDocs itself ran more than {args.tolerance:.0%} slower than recorded ({', '.join(busy)}): "
            "the machine is busier than when the figures were recorded; run again when it is idle"
        )
    if slower:
        print(f"\n{len(slower)} figure(s) more than {args.tolerance:.0%} slower than recorded: see SLOWER above")
        return 0 if args.record else 1
    print(f"\nno figure more than {args.tolerance:.0%} slower than recorded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
