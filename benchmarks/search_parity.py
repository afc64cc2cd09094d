"""Static search against ``/api/search``: top-five agreement and judged claims in the first five.

    .venv/bin/python -m benchmarks.search_parity [KB] [--judgments FILE] [--queries FILE] [--json]

Needs a built site and index (``kb build KB``) and /usr/bin/chromium.

The API's answer is the engine's (``kb_tools.search.engine.Engine.search``, which ``/api/search`` returns
as JSON). The static search's is the browser's: the built site on a plain static file server (no
``/api/search``) in headless Chromium, each query asked of ``window.kbSearch.query`` as the search page
asks it, which there searches ``claims.json`` with ``search-data.json``.

* agreement: the share of queries whose first five claims are the API's first five, in the same order
  (and, beside it, as a set);
* judged in the first five: for judged queries, the share of their judged claims among the first five,
  averaged over queries (``benchmarks.search_quality``'s recall@5), for each side.

Queries come from a judgments file (``tests/search_judgments.yml``' shape; the default is the KAP KB's)
and, optionally, a plain list of further queries (``--queries``: one a line, ``#`` comments).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchmarks.a11y import static_server
from benchmarks.chromium import launched
from benchmarks.search_quality import REPO, Judged, load_judgments, recall_at

TOP = 5
LIMIT = 10  # what the search page and the API are asked for; the first TOP are compared

STATIC_JS = """async ([queries, limit]) => {
  const out = [];
  for (const q of queries) {
    const r = await kbSearch.query({ q: q, limit: limit });
    out.push({ mode: r.mode, top: (r.results || []).map(h => h.claim), error: r.error || null,
               suggestion: r.suggestion || null, total: r.total, relaxed: !!r.relaxed && r.total > 0,
               highlights: (r.results || []).map(h => h.highlight), facets: r.facets || null });
  }
  return out; }"""


@dataclass(frozen=True)
class Answer:
    top: tuple[str, ...]  # claim ids, best first
    suggestion: str | None = None  # only when the answer has claims: the static search offers no other
    total: int = 0
    relaxed: bool = False
    error: bool = False
    highlights: tuple[str, ...] = ()
    facets: str = ""  # their JSON

    def rest(self) -> tuple:
        """Everything but the claims' order: what else the two answers must share."""
        return (self.suggestion, self.total, self.relaxed, self.error, self.highlights, self.facets)


def api_answers(index_path: Path, queries: list[str], limit: int = LIMIT) -> dict[str, Answer]:
    """Each query's claims as ``/api/search`` lists them (an unsearchable query: none)."""
    from kb_tools.search.engine import Engine, QueryError

    engine = Engine(index_path)
    out = {}
    try:
        for q in queries:
            try:
                res = engine.search(q, limit=limit).to_json()
            except QueryError:
                out[q] = Answer((), error=True)
                continue
            out[q] = _answer(res)
    finally:
        engine.close()
    return out


def served_answers(host: str, queries: list[str], limit: int = LIMIT) -> dict[str, Answer]:
    """Each query's claims as a running ``kb serve`` at ``host`` ("127.0.0.1:8000") answers ``GET /api/search``."""
    out = {}
    for q in queries:
        url = f"http://{host}/api/search?" + urllib.parse.urlencode({"q": q, "limit": limit})
        try:
            with urllib.request.urlopen(url, timeout=30) as resp:
                out[q] = _answer(json.load(resp))
        except urllib.error.HTTPError as exc:
            if exc.code != 400:
                raise
            out[q] = Answer((), error=True)  # a query that cannot be searched: the reader is told why
    return out


def static_answers(site: Path, queries: list[str], limit: int = LIMIT, browser=None) -> dict[str, Answer]:
    """Each query's claims as the static search lists them, in Chromium on a plain static server."""
    if browser is None:
        with launched() as own:
            return static_answers(site, queries, limit, own)
    with static_server(site) as base:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(base + "/search/")
            page.wait_for_function("() => !!window.kbSearch && !!window.kbSearchStatic")
            got = page.evaluate(STATIC_JS, [queries, limit])
        finally:
            context.close()
    wrong = [q for q, a in zip(queries, got, strict=True) if a["mode"] != "static"]
    if wrong:
        raise SystemExit(f"not answered by the static search: {wrong[:3]}")
    return {q: _answer(a) for q, a in zip(queries, got, strict=True)}


def _answer(r: dict) -> Answer:
    """An answer of either side (the API's JSON, or the static search's as ``STATIC_JS`` reads it)."""
    if r.get("error"):
        return Answer((), error=True)
    top = tuple(h["claim"] for h in r["results"]) if "results" in r else tuple(r["top"])
    marks = tuple(h["highlight"] for h in r["results"]) if "results" in r else tuple(r["highlights"])
    total = r["total"]
    return Answer(
        top,
        r["suggestion"] if total else None,
        total,
        bool(r["relaxed"]) and total > 0,
        False,
        marks,
        json.dumps(r["facets"], sort_keys=True),
    )


@dataclass(frozen=True)
class Parity:
    queries: int
    same: int  # first five equal, in order
    same_set: int  # first five equal as sets
    same_all: int  # the whole answer equal: its ten claims, total, highlights, facets, suggestion, error
    judged: int  # judged queries
    api_recall: float  # mean share of a judged query's claims in the API's first five
    static_recall: float
    differing: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # (query, API's, static's)

    @property
    def agreement(self) -> float:
        return self.same / self.queries if self.queries else 1.0

    def to_json(self) -> dict:
        return {
            "queries": self.queries,
            "agreement": self.agreement,
            "same_set": self.same_set,
            "same_all": self.same_all,
            "judged": self.judged,
            "api_recall@5": self.api_recall,
            "static_recall@5": self.static_recall,
            "differing": [{"query": q, "api": list(a), "static": list(s)} for q, a, s in self.differing],
        }


def parity(queries: list[str], judged: list[Judged], api: dict[str, Answer], static: dict[str, Answer]) -> Parity:
    pairs = [(q, api[q].top[:TOP], static[q].top[:TOP]) for q in queries]
    differing = tuple((q, a, s) for q, a, s in pairs if a != s)
    same_set = sum(set(api[q].top[:TOP]) == set(static[q].top[:TOP]) for q in queries)
    same_all = sum(api[q] == static[q] for q in queries)

    def recall(answers: dict[str, Answer]) -> float:
        rows = [recall_at([[c] for c in answers[j.query].top], j.relevant, TOP) for j in judged]
        return sum(rows) / len(rows) if rows else 0.0

    same = len(queries) - len(differing)
    return Parity(len(queries), same, same_set, same_all, len(judged), recall(api), recall(static), differing)


def read_queries(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def measure(kb: Path, judgments: Path | None, extra: list[str], browser=None, host: str | None = None) -> Parity:
    """Compare the answers of ``kb``'s built site and index (building nothing): the API's from ``kb serve`` at
    ``host`` when given, else from the engine in this process (the same code ``/api/search`` runs)."""
    from kb_tools.config.kbconfig import load_config

    config = load_config(kb)
    claims = json.loads((config.site_path / "claims.json").read_text(encoding="utf-8"))
    judged = load_judgments(judgments, claims) if judgments else []
    queries = list(dict.fromkeys([j.query for j in judged] + extra))
    api = served_answers(host, queries) if host else api_answers(config.index_path, queries)
    static = static_answers(config.site_path, queries, browser=browser)
    return parity(queries, judged, api, static)


def report(name: str, p: Parity) -> str:
    lines = [
        f"{name}: {p.queries} queries, {p.judged} judged",
        f"  top five as the API's: {p.same}/{p.queries} ({p.agreement:.1%}); as a set: {p.same_set}/{p.queries}",
        f"  whole answer as the API's (ten claims, total, highlights, facets, suggestion): {p.same_all}/{p.queries}",
    ]
    if p.judged:
        lines.append(f"  judged claims in the first five: static {p.static_recall:.1%}, API {p.api_recall:.1%}")
    lines += [f"  differs: {q!r}\n    API    {list(a)}\n    static {list(s)}" for q, a, s in p.differing]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kb", nargs="?", default=str(REPO))
    ap.add_argument("--judgments", help="judged queries (default: the KAP KB's, for the repository's own KB)")
    ap.add_argument("--queries", help="further queries, one a line")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    kb = Path(args.kb)
    judgments = Path(args.judgments) if args.judgments else None
    if judgments is None and kb.resolve() == REPO:
        judgments = REPO / "tests" / "search_judgments.yml"
    extra = read_queries(Path(args.queries)) if args.queries else []
    p = measure(kb, judgments, extra)
    print(json.dumps(p.to_json(), indent=1) if args.json else report(str(kb), p))
    return 0


if __name__ == "__main__":
    sys.exit(main())
