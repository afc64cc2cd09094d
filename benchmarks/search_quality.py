"""Search quality: recall@5 and MRR of ``kb search`` and of Material's built-in search, on the same judged queries.

    .venv/bin/python -m benchmarks.search_quality [KB] [--judgments tests/search_judgments.yml] [--json]

Needs a built site and index (``kb build KB``) and, for Material, /usr/bin/chromium.

How each engine's answer becomes a ranked list of claims:

* kb: the claims ``kb search`` returns, in order (top 10).
* Material: its own search runs in headless Chromium on the built site, served
  over HTTP: the query is typed into the search box and the result links are
  read in the order the page lists them. Material finds pages and sections,
  not claims, so a link to a section (``page/#heading``) stands for every claim
  under that heading, in page order, and a link to a page (no anchor) for the
  claims before its first sub-heading. Claims already listed are not repeated.
  Two readings are reported: "claims" ranks those claims one by one in page
  order (what a reader scanning the section meets); "sections" gives every
  claim the rank of its section, as if the reader spotted the right claim in a
  section at once (generous to Material).

recall@5 is the share of a query's judged claims among the first five ranks;
MRR is the mean of 1/rank of the first judged claim within the first ten ranks
(0 when none). Both are averaged over queries.
"""

from __future__ import annotations

import argparse
import functools
import html.parser
import http.server
import json
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from benchmarks.chromium import CHROMIUM, CHROMIUM_ARGS

REPO = Path(__file__).resolve().parent.parent
K = 5
DEPTH = 10


@dataclass(frozen=True)
class Judged:
    query: str
    kind: str
    relevant: frozenset[str]  # claim ids


def load_judgments(path: Path, claims: list[dict]) -> list[Judged]:
    """Resolve (page, phrase) pairs to claim ids; a phrase that names no claim, or several, is an error.

    ``claims.json`` gives a list item with its lead-in and a table row with its headings, where the judgments
    name a claim by its own words; a phrase those make ambiguous ("dizziness;" in a row labelled
    "Adverse event: Dizziness;" and in a list item) names the one claim that has it as written, in its case.
    """
    out, problems = [], []
    for item in yaml.safe_load(path.read_text(encoding="utf-8"))["queries"]:
        ids = set()
        for page, phrase in item["relevant"]:
            found = [c for c in claims if c["page"] == page and phrase.lower() in c["text"].lower()]
            exact = [c for c in found if phrase in c["text"]]
            found = [c["id"] for c in (exact if len(found) > 1 and len(exact) == 1 else found)]
            if len(found) != 1:
                problems.append(f"{item['query']!r}: {page} / {phrase!r} matches {len(found)} claims")
            ids.update(found)
        out.append(Judged(item["query"], item.get("kind", ""), frozenset(ids)))
    if problems:
        raise SystemExit("stale judgments:\n  " + "\n  ".join(problems))
    return out


def recall_at(ranked: list[list[str]], relevant: frozenset[str], k: int = K) -> float:
    """``ranked`` is a list of ranks, each holding the claims that share it."""
    return len(relevant.intersection(c for group in ranked[:k] for c in group)) / len(relevant)


def reciprocal_rank(ranked: list[list[str]], relevant: frozenset[str], depth: int = DEPTH) -> float:
    for n, group in enumerate(ranked[:depth], 1):
        if relevant.intersection(group):
            return 1.0 / n
    return 0.0


# --- kb search ------------------------------------------------------------------


def kb_ranker(index_path: Path):
    from kb_tools.search.engine import Engine, QueryError

    engine = Engine(index_path)

    def rank(query: str) -> list[list[str]]:
        try:
            return [[h.claim] for h in engine.search(query, limit=DEPTH).hits]
        except QueryError:
            return []

    return rank


# --- Material's search ----------------------------------------------------------


class _ClaimSections(html.parser.HTMLParser):
    """Claim anchors of one built page, grouped under the heading above them ("" before the first sub-heading)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.heading = ""
        self.sections: dict[str, list[str]] = {"": []}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        ident = a.get("id") or ""
        if tag in ("h2", "h3", "h4", "h5", "h6") and ident:
            self.heading = ident
            self.sections.setdefault(ident, [])
        elif ident.startswith("c-") and "kb-claim" in (a.get("class") or ""):
            self.sections.setdefault(self.heading, []).append(ident)


def section_map(site: Path, claims: list[dict]) -> dict[str, list[str]]:
    """Site-relative location (``topics/safety/#known-risks``) -> the claim ids under it."""
    out: dict[str, list[str]] = {}
    for page_url in sorted({c["url"].split("#", 1)[0] for c in claims}):
        parser = _ClaimSections()
        parser.feed((site / page_url / "index.html").read_text(encoding="utf-8"))
        for heading, ids in parser.sections.items():
            out[page_url + (f"#{heading}" if heading else "")] = ids
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def material_ranker(site: Path, claims: list[dict]):
    """Rank claims by typing each query into Material's search box in headless Chromium."""
    from playwright.sync_api import sync_playwright

    sections = section_map(site, claims)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(base)

    def rank(query: str) -> list[list[str]]:
        """Claims in the order Material's hits list them, grouped by the hit (section) they come from."""
        box = page.locator("input[data-md-component=search-query]")
        box.fill("")
        box.press_sequentially(query)  # Material reacts to key events, not to a bare value change
        _settle(page)
        groups: list[list[str]] = []
        seen: set[str] = set()
        for href in page.eval_on_selector_all(".md-search-result__link", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            location = parts.path[len(urlsplit(base).path) :] + (f"#{parts.fragment}" if parts.fragment else "")
            group = [c for c in sections.get(location, []) if c not in seen]
            seen.update(group)
            if group:
                groups.append(group)
        return groups

    def close():
        browser.close()
        pw.stop()
        httpd.shutdown()

    return rank, close


def _settle(page, timeout: float = 5.0) -> None:
    """Wait until Material has answered and its result list stops changing."""
    deadline, last, stable = time.monotonic() + timeout, None, 0
    while time.monotonic() < deadline:
        meta = page.locator(".md-search-result__meta").inner_text()
        count = page.locator(".md-search-result__link").count()
        now = (meta, count)
        ready = "matching" in meta.lower() or "no matching" in meta.lower()
        stable = stable + 1 if ready and now == last else 0
        if stable >= 3:
            return
        last = now
        time.sleep(0.1)


# --- report -------------------------------------------------------------------------


def evaluate(judged: list[Judged], rankings: dict[str, list[list[str]]]) -> dict:
    rows = []
    for j in judged:
        ranked = rankings[j.query]
        rows.append(
            {
                "query": j.query,
                "kind": j.kind,
                "recall@5": recall_at(ranked, j.relevant),
                "rr": reciprocal_rank(ranked, j.relevant),
            }
        )
    n = len(rows)
    return {
        "recall@5": sum(r["recall@5"] for r in rows) / n,
        "mrr": sum(r["rr"] for r in rows) / n,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kb", nargs="?", default=str(REPO))
    ap.add_argument("--judgments", default=str(REPO / "tests" / "search_judgments.yml"))
    ap.add_argument("--json", action="store_true", help="print every query's figures as JSON")
    ap.add_argument("--no-material", action="store_true", help="skip Material's search (no browser needed)")
    args = ap.parse_args(argv)

    from kb_tools.config.kbconfig import load_config

    config = load_config(args.kb)
    claims = json.loads((config.site_path / "claims.json").read_text(encoding="utf-8"))
    judged = load_judgments(Path(args.judgments), claims)
    kb_rank = kb_ranker(config.index_path)
    results = {"kb search": evaluate(judged, {j.query: kb_rank(j.query) for j in judged})}
    if not args.no_material:
        rank, close = material_ranker(config.site_path, claims)
        try:
            groups = {j.query: rank(j.query) for j in judged}
        finally:
            close()
        one_by_one = {q: [[c] for g in gs for c in g] for q, gs in groups.items()}
        results["Material (claims)"] = evaluate(judged, one_by_one)
        results["Material (sections)"] = evaluate(judged, groups)
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    print(f"{len(judged)} judged queries, {sum(len(j.relevant) for j in judged)} judged claims")
    print(f"{'engine':<22}{'recall@5':>10}{'MRR':>8}")
    for name, r in results.items():
        print(f"{name:<22}{r['recall@5']:>10.3f}{r['mrr']:>8.3f}")
    kinds = sorted({j.kind for j in judged})
    print("\nby kind (recall@5 / MRR):")
    for kind in kinds:
        cells = []
        for name, r in results.items():
            rows = [x for x in r["rows"] if x["kind"] == kind]
            recall, mrr = (sum(x[m] for x in rows) / len(rows) for m in ("recall@5", "rr"))
            cells.append(f"{name}: {recall:.2f} / {mrr:.2f}")
        print(f"  {kind:<10} ({len([j for j in judged if j.kind == kind])})  " + "   ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
