"""Search latency alone: ``Engine.search`` over a generated KB, the same query mix ``benchmarks.run`` uses.

    .venv/bin/python -m benchmarks.search_timing KB [--index DIR] [--queries 1000] [--rounds 3] [--json]

``KB`` is a folder ``benchmarks.generate`` wrote (with its ``bench-manifest.json``). The index is written
in-process into ``--index`` (default ``KB/.kb/timing-index``) unless a complete one is there, then the
queries run ``--rounds`` times on one open engine, after the 20 warm-up queries ``benchmarks.run`` sends. The first
round is what ``benchmarks.run`` measures (each word's postings are read the first time it is asked
for); later rounds answer from the engine's caches, as a server does for its frequent words.
For comparing two versions of the code on one machine without the full ``benchmarks.run``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

from benchmarks.run import load_report, make_queries, percentile, plain


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kb")
    ap.add_argument("--index", default="")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from kb_tools.index.schema import read_meta
    from kb_tools.index.writer import write_index
    from kb_tools.search.engine import Engine, QueryError

    kb = Path(args.kb)
    index = Path(args.index) if args.index else kb / ".kb" / "timing-index"
    manifest = json.loads((kb / "bench-manifest.json").read_text(encoding="utf-8"))
    config, report = load_report(kb)
    if read_meta(index) is None:
        t0 = time.perf_counter()
        write_index(config, report, None, index)
        print(f"index written in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    queries = make_queries(manifest, [plain(c.text) for c in report.catalogue.claims], args.queries)
    engine = Engine(index)
    for q, cond, _kind in queries[:20]:  # as benchmarks.run: open the index, load its vocabulary
        with contextlib.suppress(QueryError):
            engine.search(q, conditions=cond)
    rounds = []
    for _ in range(args.rounds):
        times = []
        cpu = time.process_time()
        for q, cond, _kind in queries:
            t0 = time.perf_counter()
            with contextlib.suppress(QueryError):
                engine.search(q, conditions=cond)
            times.append((time.perf_counter() - t0) * 1000)
        cpu = time.process_time() - cpu  # steadier than wall time on a machine shared with other work
        rounds.append(
            {"p50_ms": percentile(times, 0.5), "p95_ms": percentile(times, 0.95), "max_ms": max(times), "cpu_s": cpu}
        )
    engine.close()
    if args.json:
        print(json.dumps(rounds))
    for n, r in enumerate(rounds, 1):
        print(
            f"round {n}: p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms, max {r['max_ms']:.1f} ms, "
            f"CPU {r['cpu_s']:.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
