"""The static search answers as ``/api/search`` does, in headless Chromium on real built sites.

On the KAP KB's judged queries (``tests/search_judgments.yml``), the sleep fixture's (``judgments.yml``) and the
search fixture's parity queries (``parity_queries.txt``), the static search's first five claims (the built site on a
plain static file server, no ``/api/search``) must be ``kb serve``'s (``GET /api/search`` under uvicorn) for at
least 95% of the queries, and its share of judged claims in the first five within two points of the API's. The
figures are printed (``pytest -s``; ``benchmarks.search_parity`` measures the same from the command line).
"""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.parse
import urllib.request

import pytest

from benchmarks import search_parity
from benchmarks.a11y import static_server
from benchmarks.chromium import CHROMIUM
from tests.conftest import KBS, REPO
from tests.serve.test_serve import build_site, built_kb, server, uvicorn_serving  # noqa: F401 - shared fixtures
from tests.site_helpers import copy_kap

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]

AGREEMENT = 0.95  # of the queries, whose first five the static search must share with the API
MARGIN = 0.02  # the most the share of judged claims in the first five may differ
SEARCH_QUERIES = KBS / "search" / "parity_queries.txt"


@pytest.fixture(scope="module")
def kap(tmp_path_factory):
    kb = copy_kap(tmp_path_factory.mktemp("parity"))
    build_site(kb)
    return kb


@pytest.fixture(scope="module")
def sleep(tmp_path_factory):
    kb = tmp_path_factory.mktemp("parity") / "sleep"
    shutil.copytree(KBS / "sleep", kb)
    build_site(kb)
    return kb


def check(name: str, p: search_parity.Parity) -> None:
    print("\n" + search_parity.report(name, p))
    assert p.agreement >= AGREEMENT, search_parity.report(name, p)
    assert abs(p.static_recall - p.api_recall) <= MARGIN, search_parity.report(name, p)


def test_static_search_ranks_the_kap_kbs_judged_queries_as_the_api(browser, kap):
    with uvicorn_serving(kap) as host:
        p = search_parity.measure(kap, REPO / "tests" / "search_judgments.yml", [], browser, host)
    assert p.judged >= 40
    check("KAP KB", p)
    # the rules and stems are a small part of what the browser loads: claims.json is the bulk
    data, claims = ((kap / "site" / name).stat().st_size for name in ("search-data.json", "claims.json"))
    assert data < claims / 4


def test_static_search_ranks_the_sleep_kbs_judged_queries_as_the_api(browser, sleep):
    with uvicorn_serving(sleep) as host:
        p = search_parity.measure(sleep, KBS / "sleep" / "judgments.yml", [], browser, host)
    check("sleep fixture KB", p)


def test_static_search_answers_every_kind_of_query_as_the_api(browser, built_kb, server):  # noqa: F811
    p = search_parity.measure(built_kb, None, search_parity.read_queries(SEARCH_QUERIES), browser, server)
    check("search fixture KB", p)
    # and the rest of each answer: its total, highlights, facet counts, "did you mean" and errors
    assert p.same_all == p.queries, search_parity.report("search fixture KB", p)


# Filters beside the results and the sort: the whole answer, as the API's.
CHOICES = [
    {"q": "ketamine", "design": ["meta-analysis-observational", "case-series"]},
    {"q": "ketamine", "sort": "design", "limit": 20},
    {"q": "", "condition": ["ptsd"]},
    {"q": "symptoms", "condition": ["depression", "anxiety"], "role": ["treated"]},
    {"q": "ketamine", "sourcetype": ["journal"], "sort": "design"},
    {"q": "xylophone", "condition": ["ptsd"]},
    {"q": "ketamine", "design": ["no-such-design"]},
    {"q": "ketamine", "condition": ["no such condition"]},
]

STATIC_JS = "async (cases) => { const out = []; for (const p of cases) out.push(await kbSearch.query(p)); return out; }"


def api(host: str, params: dict) -> dict:
    query = urllib.parse.urlencode({"limit": 10, **params}, doseq=True)
    try:
        with urllib.request.urlopen(f"http://{host}/api/search?{query}", timeout=10) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as exc:
        return json.load(exc)


def comparable(r: dict) -> dict:
    """What both answers must share (the static search offers "did you mean" only with results; no ``mode``)."""
    if r.get("error"):
        return {"error": r["error"]}
    keep = ("claim", "text", "highlight", "url", "page", "section", "conditions", "roles", "design", "authorities")
    return {
        "total": r["total"],
        "relaxed": r["relaxed"] and r["total"] > 0,
        "sort": r["sort"],
        "suggestion": r["suggestion"] if r["total"] else None,
        "facets": r["facets"],
        "results": [{k: h[k] for k in keep} | {"sources": [s["key"] for s in h["sources"]]} for h in r["results"]],
    }


def test_static_search_filters_and_sorts_as_the_api(browser, built_kb, server):  # noqa: F811
    with static_server(built_kb / "site") as base:
        context = browser.new_context()
        page = context.new_page()
        page.goto(base + "/search/")
        page.wait_for_function("() => !!window.kbSearchStatic")
        got = page.evaluate(STATIC_JS, [{"limit": 10, **c} for c in CHOICES])
        context.close()
    assert all(r.get("mode") == "static" for r in got)
    for params, static in zip(CHOICES, got, strict=True):
        assert comparable(static) == comparable(api(server, params)), params
