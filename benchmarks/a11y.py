"""Accessibility and small-screen audit of a built KB site: axe-core in Debian's headless Chromium.

For every page type (home, a topic page, a condition page, the conditions index, a source page, the sources index,
the evidence overview, the editorial report, the search page with results and its filters open, a page with the
header's claim search list open) and both colour schemes, it runs axe-core
(bundled by ``axe-playwright-python``) and counts violations by impact and rule; at a 375 px wide viewport it
measures horizontal page overflow. The site is served by a static file server on 127.0.0.1 only, and the
browser may fetch nothing else (no fonts or scripts from the internet).

    .venv/bin/python -m benchmarks.a11y SITE_DIR [--json]      # a built site/ folder

``tests/browser/test_a11y.py`` runs the same audit on a fresh build of the KAP KB and asserts there are no
serious or critical violations and no overflow.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .chromium import launched

SCHEMES = ("light", "dark")
SERIOUS = ("serious", "critical")


@dataclass(frozen=True)
class PageType:
    name: str
    path: str  # site-relative, with a query for the search page
    ready: str | None = None  # a selector to wait for before auditing
    script: str | None = None  # JavaScript to run once the page has loaded (before waiting for ``ready``)


def page_types(site: Path) -> list[PageType]:
    """One page of each kind in a built site (the first topic, condition and source pages found)."""

    def first(folder: str, skip: str = "index.html") -> str:
        for d in sorted((site / folder).iterdir()):
            if d.is_dir() and (d / "index.html").is_file():
                return f"/{folder}/{d.name}/"
        raise FileNotFoundError(f"no page under {site / folder}")

    topic = first("topics") if (site / "topics").is_dir() else "/"
    word = _search_word(site)
    return [
        PageType("home", "/"),
        PageType("topic", topic),
        PageType("condition", first("conditions")),
        PageType("conditions-index", "/conditions/"),
        PageType("source", first("sources")),
        PageType("sources-index", "/sources/"),
        PageType("evidence", "/evidence/"),
        PageType("report", "/report/"),
        PageType("search", f"/search/?q={word}", ready=".kb-search__result", script=OPEN_FILTERS),
        PageType("search-header", topic, ready=".kb-hsearch__option", script=HEADER_SEARCH % json.dumps(word)),
    ]


# The search page's filters are open (on phones they start closed), and the header's claim list is open.
OPEN_FILTERS = "document.querySelector('.kb-search__filters').open = true"
HEADER_SEARCH = """(() => { const box = document.querySelector('[data-kb-hsearch]');
  box.classList.add('kb-hsearch--open');
  const q = box.querySelector('input'); q.focus(); q.value = %s;
  q.dispatchEvent(new Event('input', {bubbles: true})); })()"""


def _search_word(site: Path) -> str:
    """A word that finds many claims: the commonest word of six letters or more in claims.json."""
    claims = json.loads((site / "claims.json").read_text(encoding="utf-8"))
    words = Counter(w.lower() for c in claims for w in c["text"].split() if w.isalpha() and len(w) > 5)
    return words.most_common(1)[0][0] if words else "the"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def static_server(site: Path) -> Iterator[str]:
    """``site`` on a static file server at 127.0.0.1 (a free port): the reduced search, no /api/search."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class Audit:
    page: str
    scheme: str
    counts: Counter = field(default_factory=Counter)  # by impact
    rules: dict[str, str] = field(default_factory=dict)  # rule id -> impact
    nodes: dict[str, list[str]] = field(default_factory=dict)  # rule id -> a few offending nodes' HTML

    @property
    def serious(self) -> int:
        return sum(self.counts[i] for i in SERIOUS)


def new_context(browser, base: str, scheme: str = "light", width: int = 1280, height: int = 900):
    """A browser context that may reach only ``base``, in a colour scheme and viewport size."""
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    return context


def open_page(context, base: str, pt: PageType):
    page = context.new_page()
    page.goto(base + pt.path)
    page.wait_for_load_state("load")
    if pt.script:
        page.evaluate(pt.script)
    if pt.ready:
        page.locator(pt.ready).first.wait_for()
    return page


def audit(browser, base: str, pt: PageType, scheme: str) -> Audit:
    """axe-core's violations on one page in one colour scheme (the number of offending nodes, by impact)."""
    from axe_playwright_python.sync_playwright import Axe

    context = new_context(browser, base, scheme)
    try:
        page = open_page(context, base, pt)
        results = Axe().run(page).response
    finally:
        context.close()
    out = Audit(pt.name, scheme)
    for v in results["violations"]:
        impact = v.get("impact") or "minor"
        out.counts[impact] += len(v["nodes"])
        out.rules[v["id"]] = impact
        out.nodes[v["id"]] = [n["html"][:160] for n in v["nodes"][:3]]
    return out


def overflow(browser, base: str, pt: PageType, width: int = 375, height: int = 812) -> int:
    """How many CSS pixels the page is wider than a ``width`` px viewport (0: no horizontal page scroll)."""
    context = new_context(browser, base, "light", width, height)
    try:
        page = open_page(context, base, pt)
        return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    finally:
        context.close()


def table(audits: list[Audit]) -> str:
    """A text table: one row per page type, serious+critical and all violations per scheme, and the rules."""
    lines = [f"{'page':<18} {'scheme':<6} {'serious+critical':>16} {'all':>5}  rules"]
    for a in audits:
        rules = ", ".join(f"{r} ({i})" for r, i in sorted(a.rules.items())) or "-"
        lines.append(f"{a.page:<18} {a.scheme:<6} {a.serious:>16} {sum(a.counts.values()):>5}  {rules}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", type=Path, help="a built site folder")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    pts = page_types(args.site)
    with static_server(args.site) as base, launched() as browser:
        audits = [audit(browser, base, pt, s) for pt in pts for s in SCHEMES]
        wide = {pt.name: overflow(browser, base, pt) for pt in pts}
    if args.json:
        print(json.dumps({"axe": [a.__dict__ | {"serious": a.serious} for a in audits], "overflow_375": wide}))
    else:
        print(table(audits))
        for a in audits:
            for rule, nodes in a.nodes.items():
                if a.rules[rule] in SERIOUS:
                    print(f"  {a.page}/{a.scheme} {rule}: {nodes[0]}")
        print("\noverflow at 375 px (px wider than the viewport):")
        print("\n".join(f"{n:<18} {px}" for n, px in wide.items()))
    return 1 if any(a.serious for a in audits) or any(px > 0 for px in wide.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
