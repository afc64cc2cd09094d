"""Every answer of ``Engine.search`` to the benchmark's query mix, as JSON: to compare two versions of the code.

    .venv/bin/python -m benchmarks.search_dump KB INDEX OUT.json [--queries 1000]

``KB`` is a folder ``benchmarks.generate`` wrote, ``INDEX`` an index of it (``benchmarks.search_timing`` writes
one). Each query of the mix is asked with its condition filter; a set of operator queries (exclusions,
``condition:``, ``year:``, ``author:``, quoted phrases, misspellings) and the KB's most common words and
condition names are asked with each sort, a larger limit and two conditions. Run it with the old and the new
code on the same index and ``cmp`` the two files: the same claims in the same order, with the same scores,
highlights, totals, suggestions and facet counts, give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks.run import load_report, make_queries, plain

OPERATOR_QUERIES = (
    "Ketamine for treatment-resistant depression", "bladder hallucinations", "blood pressure", "condition:",
    "condition:flu", "condition:ptsd", "how does ketamine raise the pressure of blood in the brain", "jetlag",
    "ketamin bladder", "ketamine -bladder", "kidneyquux", "post-traumatic stress", "quuxy", "script alert",
    "what is it", "x y", "x", "<script>alert(1)</script>", '"blood pressure" -ketamine', "year:2020",
    "evidence:rct", "author:smith", "title:dosing", "section:effects", "depression condition:anxiety",
    "-depression", "anxiety depression sleep",
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kb")
    ap.add_argument("index")
    ap.add_argument("out")
    ap.add_argument("--queries", type=int, default=1000)
    args = ap.parse_args(argv)

    from kb_tools.search.engine import Engine, QueryError

    kb = Path(args.kb)
    manifest = json.loads((kb / "bench-manifest.json").read_text(encoding="utf-8"))
    _, report = load_report(kb)
    engine = Engine(args.index)
    answers = []

    def ask(query: str, **kw) -> None:
        try:
            got = engine.search(query, **kw).to_json()
        except QueryError as exc:
            got = {"error": str(exc)}
        answers.append([query, repr(sorted(kw.items())), got])

    for query, cond, _kind in make_queries(manifest, [plain(c.text) for c in report.catalogue.claims], args.queries):
        ask(query, conditions=cond)
    two = tuple(manifest["conditions"][:2])
    for query in (*OPERATOR_QUERIES, *manifest["vocabulary"][:60], *manifest["condition_phrases"][:30]):
        ask(query)
        ask(query, sort="design")
        ask(query, limit=50)
        ask(query, conditions=two)
    engine.close()
    Path(args.out).write_text(json.dumps(answers, indent=0, sort_keys=True), encoding="utf-8")
    print(f"{len(answers)} answers written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
