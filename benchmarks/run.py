"""Speed at scale: time check, build, index, search and serve on generated KBs.

Usage::

    python -m benchmarks.run [--sizes S,M,L] [--runs N] [--out benchmarks/out] [--queries N] [--requests N]

For each size a KB is generated (``benchmarks.generate``) into a temporary folder, then, per run:

* ``kb check``, cold (``.kb/cache`` deleted) and warm (the run after it);
* plain ``mkdocs build -f mkdocs-plain.yml`` (same pages, no kb plugin), ``kb build`` cold (no
  site, no cache), ``kb build`` warm (nothing changed) and ``kb build`` after one paragraph of one
  page was edited; the peak memory of the cold ``kb build``: ``wait4``'s ``ru_maxrss`` (its largest
  single process) and the peak summed PSS of its process tree, sampled from ``/proc`` every 0.1 s
  (the search index is written by a child process);
* the claim index written in-process by ``kb_tools.index.writer.write_index``: time and bytes on disk.

Once per size: search latency in-process through ``kb_tools.search.engine`` (one engine kept open) over
``--queries`` mixed queries (1–3 words, phrases, typos; ~30% with a condition filter), and the
same queries on an SQLite FTS5 table of the same claims as a floor; and ``kb serve`` throughput
and p95 latency with 1 and 2 workers, driven by a bounded client on 127.0.0.1 (``--requests``
requests, ``--concurrency`` at a time, at most ``--serve-seconds`` per run).

Times are medians over the runs (L defaults to one run: ``--runs-l``). A measurement whose module
is not there yet is reported as "n/a (module missing)"; one that fails says so with the reason.
The table is printed and the figures are written to ``OUT/results-<sizes>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.util
import json
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import generate
from .load import percentile, run_load

MISSING = "n/a (module missing)"
BIN = Path(sys.executable).parent


def _tool(name: str, module: str) -> list[str]:
    exe = BIN / name
    return [str(exe)] if exe.exists() else [sys.executable, "-m", module]


KB = _tool("kb", "kb_tools.cli")
MKDOCS = _tool("mkdocs", "mkdocs")


def bench_env() -> dict:
    """The environment the timed commands run in: this one without ``PYTHONDONTWRITEBYTECODE``, so kb_tools
    (installed editable) keeps its compiled bytecode between runs as an installed package does; with it every
    ``kb`` process compiles kb_tools from source again (about half a second)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


# --- processes -----------------------------------------------------------------------------------------


@dataclass
class Proc:
    wall: float
    rc: int
    maxrss_kb: int  # the largest single process of the tree (``wait4``)
    out: str
    err: str
    tree_pss_kb: int = 0  # peak of the whole process tree's summed PSS, when sampled


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                    parent = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def _pss_kb(pid: int) -> int:
    """Proportional set size: pages shared with a forked parent count once across the tree, not twice."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples a process tree's summed PSS every ``interval`` seconds (Linux ``/proc``); ``peak_kb`` is the highest."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self.done = threading.Event()

    def run(self) -> None:
        if not os.path.exists("/proc/self/smaps_rollup"):
            return
        while not self.done.is_set():
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(p) for p in _process_tree(self.pid)))
            self.done.wait(self.interval)

    def why(self) -> str:
        lines = [ln for ln in (self.err or self.out).strip().splitlines() if ln.strip()]
        return f"failed (exit {self.rc}): {lines[-1][:160] if lines else 'no output'}"


def run_proc(
    argv: list[str], cwd: Path | None = None, timeout: float = 1800.0, env: dict | None = None, tree: bool = False
) -> Proc:
    """Run ``argv``; wall time, exit status and peak RSS (``wait4``), output kept; with ``tree``, also
    the peak summed PSS of the process and its children (``kb build`` writes the index in a child)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        env = bench_env() if env is None else env
        p = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        sampler = TreeSampler(p.pid) if tree else None
        if sampler is not None:
            sampler.start()
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                p.kill()
                pid, status, usage = os.wait4(p.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - t0
        if sampler is not None:
            sampler.done.set()
            sampler.join()
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        return Proc(wall, p.returncode, usage.ru_maxrss, *text, tree_pss_kb=sampler.peak_kb if sampler else 0)


def _missing_build(proc: Proc) -> bool:
    text = proc.err + proc.out
    return "not available yet" in text or "ModuleNotFoundError" in text or "No such command" in text


# --- statistics and formatting -------------------------------------------------------------------------


def median_or(values: list, fallback):
    nums = [v for v in values if isinstance(v, int | float)]
    if nums:
        return statistics.median(nums)
    return values[0] if values else fallback


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# --- check and build ------------------------------------------------------------------------------------


def edit_one_page(kb: Path, manifest: dict, n: int) -> str:
    """Change one word in the first top-level paragraph of one page; return the page edited."""
    pages = manifest["topic_pages"]
    rel = pages[(len(pages) // 2 + 7 * n) % len(pages)]
    path = kb / "docs" / rel
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    body = lines.index("---\n", 1) + 1
    for i in range(body, len(lines)):
        if lines[i][:1].isalpha():
            lines[i] = lines[i].replace(" ", f" edited{n} ", 1)
            break
    path.write_text("".join(lines), encoding="utf-8")
    return rel


def bench_check_build(kb: Path, manifest: dict, runs: int, log) -> dict:
    res: dict[str, list] = {
        k: []
        for k in (
            "check_cold_s",
            "check_warm_s",
            "mkdocs_plain_build_s",
            "kb_build_s",
            "kb_build_warm_s",
            "kb_rebuild_after_edit_s",
            "kb_build_peak_rss_mib",
            "kb_build_peak_tree_pss_mib",
            "mkdocs_plain_peak_rss_mib",
        )
    }
    cache = kb / ".kb" / "cache"
    for n in range(runs):
        shutil.rmtree(cache, ignore_errors=True)
        p = run_proc([*KB, "check", str(kb)])
        res["check_cold_s"].append(p.wall if p.rc in (0, 1) else p.why())
        p = run_proc([*KB, "check", str(kb)])
        res["check_warm_s"].append(p.wall if p.rc in (0, 1) else p.why())
        log(f"  run {n + 1}: check cold {_fmt(res['check_cold_s'][-1])}, warm {_fmt(res['check_warm_s'][-1])}")

        shutil.rmtree(kb / "site-plain", ignore_errors=True)
        p = run_proc([*MKDOCS, "build", "-q", "-f", str(kb / "mkdocs-plain.yml")], cwd=kb)
        res["mkdocs_plain_build_s"].append(p.wall if p.rc == 0 else p.why())
        res["mkdocs_plain_peak_rss_mib"].append(p.maxrss_kb / 1024 if p.rc == 0 else p.why())

        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(kb / "site", ignore_errors=True)
        p = run_proc([*KB, "build", str(kb)], cwd=kb, tree=True)
        if p.rc != 0:
            why = MISSING if _missing_build(p) else p.why()
            for k in ("kb_build_s", "kb_build_warm_s", "kb_rebuild_after_edit_s", "kb_build_peak_rss_mib"):
                res[k].append(why)
            res["kb_build_peak_tree_pss_mib"].append(why)
            log(f"  run {n + 1}: plain mkdocs {_fmt(res['mkdocs_plain_build_s'][-1])}, kb build {why}")
            continue
        res["kb_build_s"].append(p.wall)
        res["kb_build_peak_rss_mib"].append(p.maxrss_kb / 1024)
        res["kb_build_peak_tree_pss_mib"].append(p.tree_pss_kb / 1024 if p.tree_pss_kb else "n/a (no /proc)")
        p = run_proc([*KB, "build", str(kb)], cwd=kb)
        res["kb_build_warm_s"].append(p.wall if p.rc == 0 else p.why())
        edit_one_page(kb, manifest, n)
        p = run_proc([*KB, "build", str(kb)], cwd=kb)
        res["kb_rebuild_after_edit_s"].append(p.wall if p.rc == 0 else p.why())
        log(
            f"  run {n + 1}: plain mkdocs {_fmt(res['mkdocs_plain_build_s'][-1])}, kb build "
            f"{_fmt(res['kb_build_s'][-1])} (warm {_fmt(res['kb_build_warm_s'][-1])}, after an edit "
            f"{_fmt(res['kb_rebuild_after_edit_s'][-1])})"
        )
    out = {k: median_or(v, MISSING) for k, v in res.items()}
    b, plain = out["kb_build_s"], out["mkdocs_plain_build_s"]
    out["build_ratio"] = b / plain if isinstance(b, float) and isinstance(plain, float) else b
    w = out["kb_build_warm_s"]
    out["warm_build_ratio"] = w / plain if isinstance(w, float) and isinstance(plain, float) else w
    e = out["kb_rebuild_after_edit_s"]
    out["rebuild_share"] = e / b if isinstance(e, float) and isinstance(b, float) else e
    idx = kb / ".kb" / "index"
    out["kb_build_index_bytes"] = dir_bytes(idx) if idx.is_dir() else (b if isinstance(b, str) else "no index")
    return out


# --- index and search ----------------------------------------------------------------------------------


def load_report(kb: Path):
    from kb_tools.config.kbconfig import load_config
    from kb_tools.pipeline import check_kb

    config = load_config(kb)
    return config, check_kb(config)


def bench_index(kb: Path, runs: int, work: Path) -> tuple[dict, Path | None]:
    if not has_module("kb_tools.index.writer"):
        return {"index_build_s": MISSING, "index_bytes": MISSING}, None
    try:
        from kb_tools.index.writer import write_index
    except ImportError as exc:
        return {"index_build_s": f"{MISSING}: {exc}", "index_bytes": MISSING}, None
    config, report = load_report(kb)
    times = []
    target = work / "bench-index"
    for _ in range(runs):
        shutil.rmtree(target, ignore_errors=True)
        t0 = time.perf_counter()
        write_index(config, report, None, target)
        times.append(time.perf_counter() - t0)
    return {"index_build_s": statistics.median(times), "index_bytes": dir_bytes(target)}, target


_CITE = re.compile(r"\[[^\[\]]*@[^\[\]]*\]|(?<![\w@])@[\w:.#$%&+?<>~/-]+")


def plain(text: str) -> str:
    return " ".join(_CITE.sub(" ", text).replace("*", " ").split())


def make_queries(manifest: dict, claims: list[str], n: int, seed: int = 7) -> list[tuple[str, tuple[str, ...], str]]:
    """``n`` mixed queries: (query, condition filter, kind), deterministic for a KB and seed."""
    rng = random.Random(seed)
    words = manifest["vocabulary"]
    cum = []
    total = 0.0
    for r in range(len(words)):
        total += 1.0 / (r + 8) ** 1.05
        cum.append(total)
    conds = manifest["conditions"]
    out = []
    for _ in range(n):
        r = rng.random()
        cond: tuple[str, ...] = (rng.choice(conds),) if rng.random() < 0.3 else ()
        if r < 0.6 or not claims:
            q, kind = " ".join(rng.choices(words, cum_weights=cum, k=rng.randint(1, 3))), "words"
        elif r < 0.75:
            toks = [t for t in re.findall(r"[a-z]+", rng.choice(claims).lower()) if len(t) > 2]
            if len(toks) >= 2:
                i = rng.randrange(len(toks) - 1)
                q, kind = '"' + " ".join(toks[i : i + rng.randint(2, 3)]) + '"', "phrase"
            else:
                q, kind = toks[0] if toks else words[0], "words"
        elif r < 0.9:
            w = rng.choices(words, cum_weights=cum, k=rng.randint(1, 2))
            t = list(w[0])
            if len(t) > 3:
                i = rng.randrange(1, len(t) - 1)
                op = rng.randrange(3)
                if op == 0:
                    t[i], t[i + 1] = t[i + 1], t[i]
                elif op == 1:
                    del t[i]
                else:
                    t[i] = rng.choice("aeiourstnl")
            q, kind = " ".join(["".join(t), *w[1:]]), "typo"
        else:
            phrase = rng.choice(manifest["condition_phrases"])
            q, kind = f"{phrase} {rng.choices(words, cum_weights=cum, k=1)[0]}", "condition-words"
        out.append((q, cond, kind))
    return out


def _latency(times_s: list[float]) -> dict:
    ms = [t * 1000 for t in times_s]
    return {"n": len(ms), "p50_ms": percentile(ms, 0.5), "p95_ms": percentile(ms, 0.95), "max_ms": max(ms)}


def bench_search(index: Path | None, queries) -> dict:
    if index is None or not has_module("kb_tools.search.engine"):
        return {"search": MISSING}
    try:
        from kb_tools.search.engine import QueryError, open_engine
    except ImportError as exc:
        return {"search": f"{MISSING}: {exc}"}
    engine = open_engine(index)
    for q, cond, _ in queries[:20]:  # warm the engine: open the index, load its vocabulary
        with contextlib.suppress(QueryError):
            engine.search(q, conditions=cond)
    plain_t, filt_t, errors, hits = [], [], 0, 0
    for q, cond, _ in queries:
        t0 = time.perf_counter()
        try:
            res = engine.search(q, conditions=cond)
            hits += bool(res.hits)
        except QueryError:
            errors += 1
        (filt_t if cond else plain_t).append(time.perf_counter() - t0)
    engine.close()
    return {
        "search": {
            "all": _latency(plain_t + filt_t),
            "no_filter": _latency(plain_t),
            "condition_filter": _latency(filt_t),
            "queries_with_hits": hits,
            "query_errors": errors,
        }
    }


def _fts_query(q: str, cond: tuple[str, ...]) -> str:
    if q.startswith('"'):
        expr = '"' + q.strip('"').replace('"', "") + '"'
    else:
        expr = " ".join('"' + t + '"' for t in re.findall(r"[\w%]+", q)) or '""'
    if cond:
        expr = f"({expr}) AND conditions : ({' OR '.join(chr(34) + c + chr(34) for c in cond)})"
    return expr


def bench_fts5(report, queries) -> dict:
    db = sqlite3.connect(":memory:")
    try:
        db.execute(
            "CREATE VIRTUAL TABLE claims USING fts5(cid UNINDEXED, text, title, section, conditions,"
            " tokenize='porter unicode61')"
        )
    except sqlite3.OperationalError as exc:
        return {"fts5": f"n/a (sqlite3 has no fts5: {exc})"}
    t0 = time.perf_counter()
    rows = [
        (c.id, plain(c.text), p.title, c.section, " ".join(c.conditions))
        for p in report.catalogue.pages
        if not p.draft
        for c in p.claims
    ]
    db.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?)", rows)
    db.commit()
    build = time.perf_counter() - t0
    sql = (
        "SELECT cid, title, snippet(claims, 1, '<b>', '</b>', '…', 24) FROM claims"
        " WHERE claims MATCH ? ORDER BY rank LIMIT 10"
    )
    plain_t, filt_t, hits, errors = [], [], 0, 0
    for q, cond, _ in queries:
        expr = _fts_query(q, cond)
        t0 = time.perf_counter()
        try:
            hits += bool(db.execute(sql, (expr,)).fetchall())
        except sqlite3.OperationalError:
            errors += 1
        (filt_t if cond else plain_t).append(time.perf_counter() - t0)
    db.close()
    return {
        "fts5": {
            "build_s": build,
            "all": _latency(plain_t + filt_t),
            "no_filter": _latency(plain_t),
            "condition_filter": _latency(filt_t),
            "queries_with_hits": hits,
            "query_errors": errors,
        }
    }


# --- serve ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, timeout: float = 5.0) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def load(port: int, paths: list[str], total: int, concurrency: int, max_seconds: float) -> dict:
    """``total`` GETs of ``paths`` (each must answer 200) with the load test's bounded client."""
    r = run_load(port, [(p, 200) for p in paths], total, concurrency, max_seconds)
    ok = r["all"]["n"]
    if not ok:
        return {"requests": 0, "errors": r["errors"], "rps": 0.0, "p50_ms": None, "p95_ms": None}
    return {
        "requests": ok,
        "errors": r["errors"],
        "seconds": r["seconds"],
        "rps": ok / r["seconds"],
        "p50_ms": r["all"]["p50_ms"],
        "p95_ms": r["all"]["p95_ms"],
    }


def serve_paths(kb: Path, manifest: dict, queries, help_text: str) -> list[str]:
    """A request mix: topic pages (as MkDocs URLs) and, when the server has one, its search endpoint."""
    pages = ["/" + rel[: -len(".md")] + "/" for rel in manifest["topic_pages"][:200]]
    searches = []
    route = None
    site = kb / "site"
    for candidate in ("/api/search", "/search"):
        if candidate.strip("/") in help_text or (site / candidate.strip("/")).exists():
            route = candidate
            break
    route = route or "/api/search"
    from urllib.parse import urlencode

    for q, cond, _ in queries[:400]:
        params = {"q": q}
        if cond:
            params["condition"] = cond[0]
        searches.append(f"{route}?{urlencode(params)}")
    mix = []
    for i in range(max(len(pages), len(searches))):
        mix.append(pages[i % len(pages)])
        if searches:
            mix.append(searches[i % len(searches)])
    return ["/", *mix]


def bench_serve(kb: Path, manifest: dict, queries, args, built: bool, log) -> dict:
    if not has_module("kb_tools.serve"):
        return {"serve_1_worker": MISSING, "serve_2_workers": MISSING}
    if not built:
        return {"serve_1_worker": "n/a (no kb build)", "serve_2_workers": "n/a (no kb build)"}
    help_text = run_proc([*KB, "serve", "--help"]).out
    paths = serve_paths(kb, manifest, queries, help_text)
    out = {}
    for workers in (1, 2):
        key = f"serve_{workers}_worker{'s' if workers > 1 else ''}"
        if workers > 1 and "--workers" not in help_text:
            out[key] = "n/a (kb serve has no --workers)"
            continue
        port = free_port()
        argv = [*KB, "serve", str(kb), "--host", "127.0.0.1", "--port", str(port)]
        if "--workers" in help_text:
            argv += ["--workers", str(workers)]
        errf = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below, after the server stops
        proc = subprocess.Popen(argv, cwd=kb, stdout=subprocess.DEVNULL, stderr=errf, start_new_session=True)
        try:
            ready = False
            t_end = time.perf_counter() + 120
            while time.perf_counter() < t_end and proc.poll() is None:
                try:
                    if _get(port, "/", timeout=2) < 500:
                        ready = True
                        break
                except OSError:
                    time.sleep(0.2)
            if not ready:
                errf.seek(0)
                tail = errf.read().decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
                out[key] = f"failed: server did not start ({tail[0][:160]})"
                continue
            # statuses the mix gets, so a 404-only run is not mistaken for throughput
            statuses = {p.split("?")[0]: _get(port, p) for p in paths[:4]}
            load(port, paths, min(100, args.requests), args.concurrency, 30)  # warm-up
            res = load(port, paths, args.requests, args.concurrency, args.serve_seconds)
            res["statuses"] = statuses
            out[key] = res
            log(f"  serve, {workers} worker(s): {res['rps']:.0f} req/s, p95 {_fmt(res['p95_ms'])} ms")
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 15)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()
            errf.close()
    return out


# --- driver --------------------------------------------------------------------------------------------


def _fmt(v, digits: int = 2) -> str:
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def bench_size(size: str, args, work: Path, log) -> dict:
    kb = work / f"kb-{size}"
    shutil.rmtree(kb, ignore_errors=True)
    t0 = time.perf_counter()
    manifest = generate.generate(size, kb, seed=args.seed)
    log(f"{size}: generated {manifest['pages']} pages, {manifest['claims']} claims in {time.perf_counter() - t0:.1f} s")
    runs = args.runs_l if size == "L" and args.runs_l else args.runs
    out: dict = {
        "kb": {k: manifest[k] for k in ("pages", "claims", "uncited", "commercial_only", "sources", "citations")},
        "runs": runs,
    }
    out.update(bench_check_build(kb, manifest, runs, log))
    idx, index_path = bench_index(kb, runs, work)
    out.update(idx)
    log(f"  index: {_fmt(out['index_build_s'])} s, {out['index_bytes']} bytes")
    _, report = load_report(kb)
    claims = [plain(c.text) for c in report.catalogue.claims]
    queries = make_queries(manifest, claims, args.queries)
    out["queries"] = {"n": len(queries), "filtered": sum(bool(c) for _, c, _ in queries)}
    out.update(bench_search(index_path, queries))
    out.update(bench_fts5(report, queries))
    log(f"  search: {_fmt(_get_path(out, 'search.all.p95_ms'))} ms p95; fts5 {_fmt(_get_path(out, 'fts5.all.p95_ms'))}")
    out.update(bench_serve(kb, manifest, queries, args, isinstance(out["kb_build_s"], float), log))
    if not args.keep:
        shutil.rmtree(kb, ignore_errors=True)
        if index_path:
            shutil.rmtree(index_path, ignore_errors=True)
    return out


def _get_path(d: dict, dotted: str):
    for part in dotted.split("."):
        if not isinstance(d, dict):
            return d
        d = d.get(part, MISSING)
    return d


ROWS = [
    ("kb check, cold (s)", "check_cold_s"),
    ("kb check, warm (s)", "check_warm_s"),
    ("plain mkdocs build (s)", "mkdocs_plain_build_s"),
    ("kb build, cold (s)", "kb_build_s"),
    ("kb build / plain mkdocs", "build_ratio"),
    ("kb build, warm, no change (s)", "kb_build_warm_s"),
    ("kb build warm / plain mkdocs", "warm_build_ratio"),
    ("kb build after a one-page edit (s)", "kb_rebuild_after_edit_s"),
    ("  share of a cold build", "rebuild_share"),
    ("kb build peak RSS, largest process (MiB)", "kb_build_peak_rss_mib"),
    ("kb build peak PSS, process tree (MiB)", "kb_build_peak_tree_pss_mib"),
    ("plain mkdocs peak RSS (MiB)", "mkdocs_plain_peak_rss_mib"),
    ("index build, in-process (s)", "index_build_s"),
    ("index size (MiB)", "index_bytes"),
    ("search p50, all (ms)", "search.all.p50_ms"),
    ("search p95, all (ms)", "search.all.p95_ms"),
    ("search p95, no filter (ms)", "search.no_filter.p95_ms"),
    ("search p95, condition filter (ms)", "search.condition_filter.p95_ms"),
    ("FTS5 p50, all (ms)", "fts5.all.p50_ms"),
    ("FTS5 p95, all (ms)", "fts5.all.p95_ms"),
    ("FTS5 p95, condition filter (ms)", "fts5.condition_filter.p95_ms"),
    ("kb serve, 1 worker (req/s)", "serve_1_worker.rps"),
    ("kb serve, 1 worker p95 (ms)", "serve_1_worker.p95_ms"),
    ("kb serve, 2 workers (req/s)", "serve_2_workers.rps"),
    ("kb serve, 2 workers p95 (ms)", "serve_2_workers.p95_ms"),
]


def table(results: dict) -> str:
    sizes = list(results["sizes"])
    width = max(len(r[0]) for r in ROWS) + 2
    cols = []
    for s in sizes:
        r = results["sizes"][s]
        cols.append(f"{s} ({r['kb']['pages']} p, {r['kb']['claims']} c, {r['runs']} run{'s' if r['runs'] > 1 else ''})")
    colw = max([22, *map(len, cols)]) + 2
    lines = ["".ljust(width) + "".join(c.rjust(colw) for c in cols)]
    for label, key in ROWS:
        cells = []
        for s in sizes:
            v = _get_path(results["sizes"][s], key)
            if key == "index_bytes" and isinstance(v, int):
                v = v / 2**20
            digits = 1 if isinstance(v, float) and abs(v) >= 100 else 2
            text = _fmt(v, digits)
            cells.append(text if len(text) <= colw - 2 else text[: colw - 3] + "…")
        lines.append(label.ljust(width) + "".join(c.rjust(colw) for c in cells))
    return "\n".join(lines)


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="S,M", help="comma-separated sizes among S, M, L (default S,M)")
    ap.add_argument("--runs", type=int, default=3, help="runs per size; figures are medians (default 3)")
    ap.add_argument("--runs-l", type=int, default=1, help="runs for size L (default 1)")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    ap.add_argument("--queries", type=int, default=1000, help="search queries per size (default 1000)")
    ap.add_argument("--requests", type=int, default=2000, help="kb serve requests per worker count (default 2000)")
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--serve-seconds", type=float, default=60.0, help="time limit of one serve load run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, help="where KBs are generated (default: a new temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the generated KBs")
    args = ap.parse_args(argv)
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    bad = [s for s in sizes if s not in generate.SIZES]
    if bad:
        ap.error(f"unknown size {bad[0]}; use S, M or L")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="kb-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "sizes": {}}
    try:
        for size in sizes:
            results["sizes"][size] = bench_size(size, args, work, log)
    finally:
        if not args.workdir and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    dest = args.out / f"results-{''.join(sizes)}.json"
    dest.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print(f"machine: {results['machine']['cpus']} cores, Python {results['machine']['python']}")
    print(table(results))
    print(f"\nfigures written to {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
