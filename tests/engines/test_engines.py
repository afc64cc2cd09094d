"""``kb build --engine``: the KAP KB built for real with MkDocs, ProperDocs and Zensical, then checked and served.

One build per engine (a copy of the repo's KB), shared by the module's tests; select them with ``-m engines``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb_tools.config.kbconfig import load_config
from kb_tools.core import urls
from kb_tools.engines import ENGINES
from kb_tools.pipeline import check_kb
from tests.serve.test_serve import request, uvicorn_serving
from tests.site_helpers import broken_links, copy_kap, parse_html

pytestmark = [
    pytest.mark.engines,
    pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc"),
]
_BUILT: dict[str, Path] = {}
_CODE = re.compile(r"<(code|pre)\b.*?</\1>", re.S)
_RAW_CITATION = re.compile(r"\[@(?!key\])")  # the report's advice "add a citation such as [@key]" is not one


def kb_build(kb: Path, *args: str) -> subprocess.CompletedProcess:
    """``kb build`` as an editor runs it, in a process of its own."""
    cmd = [sys.executable, "-m", "kb_tools.cli", "build", "--quiet", *args, str(kb)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def built_kb(engine: str, tmp_path_factory) -> Path:
    """The KAP KB built once per test module with ``engine``."""
    if engine not in _BUILT:
        kb = copy_kap(tmp_path_factory.mktemp(engine))
        result = kb_build(kb, "--engine", engine)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Site built in" in result.stdout
        _BUILT[engine] = kb
    return _BUILT[engine]


@pytest.fixture(scope="module", params=ENGINES)
def built(request, tmp_path_factory) -> tuple[str, Path]:
    return request.param, built_kb(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """The KAP KB's pages and sources, as ``kb check`` reads them."""
    return check_kb(load_config(copy_kap(tmp_path_factory.mktemp("catalogue")))).catalogue


def page_file(site: Path, path: str) -> Path:
    url = urls.page_url(path)
    return site / url / "index.html" if url.endswith("/") or url == "" else site / url


def test_the_engine_asked_for_built_the_site(built):
    engine, kb = built
    generator = re.search(r'<meta name="generator" content="([^"]+)"', (kb / "site/index.html").read_text())
    assert generator is not None
    want = {"mkdocs": "mkdocs-1.6", "properdocs": "ProperDocs", "zensical": "zensical"}[engine]
    assert want in generator.group(1)
    assert not [p.name for p in kb.iterdir() if p.name.startswith((".site.", ".index."))]  # no staging left


def test_no_raw_citation_in_any_page(built):
    _, kb = built
    raw = []
    for page in sorted((kb / "site").rglob("*.html")):
        text = _CODE.sub("", page.read_text(encoding="utf-8"))  # the editors' guide shows the syntax in code
        found = _RAW_CITATION.finditer(text)
        raw += [f"{page.relative_to(kb)}: {text[m.start() - 40 : m.end() + 20]!r}" for m in found]
    assert raw == []


def test_every_source_and_condition_page_exists(built, catalogue):
    _, kb = built
    site = kb / "site"
    config = load_config(kb)
    wanted = [urls.source_path(s.key) for s in catalogue.sources]
    wanted += [urls.condition_path(c.id) for c in config.conditions]
    wanted += ["sources/index.md", "conditions/index.md", "evidence.md", "report.md", "search.md"]
    assert len(wanted) > 20
    assert [p for p in wanted if not page_file(site, p).is_file()] == []
    assert (site / "assets/kb/kb.css").is_file() and (site / "assets/kb/kb-search.js").is_file()
    assert 'class="kb-reviewed">Last reviewed' in page_file(site, "topics/ketamine.md").read_text()


def test_citations_link_to_source_pages_and_no_link_is_broken(built, catalogue):
    _, kb = built
    site = kb / "site"
    for page in catalogue.pages:
        if page.draft or not any(c.keys for c in page.claims):
            continue
        html = page_file(site, page.path)
        cites = [(href, a) for href, a in parse_html(html).links if "kb-cite" in (a.get("class") or "")]
        assert cites, page.path
        for href, _ in cites:
            assert re.fullmatch(r"(\.\./)*sources/[^/]+/", href), (page.path, href)
            assert (html.parent / href / "index.html").resolve().is_file(), (page.path, href)
    assert broken_links(site) == []


def kb_marks(html: Path) -> dict:
    """What kb put on a page: its citations (link, text, full reference) and its claims' anchors."""
    text = html.read_text(encoding="utf-8")
    cites = re.findall(r'<a class="kb-cite" href="([^"]*)" title="([^"]*)">(.*?)</a>', text)
    anchors = re.findall(r'<span class="kb-claim" id="([^"]+)"></span>', text)
    needed = text.count('class="kb-citation-needed"')
    support = re.findall(r'<details class="kb-support">(.*?)</details>', text, re.S)  # what the sources report
    refs = text.count('class="kb-reference"')
    return {"cites": cites, "anchors": anchors, "needed": needed, "references": refs, "support": support}


def test_pages_carry_the_same_citations_and_anchors_as_under_mkdocs(built, catalogue, tmp_path_factory):
    engine, kb = built
    baseline = built_kb("mkdocs", tmp_path_factory) / "site"
    pages = [p.path for p in catalogue.pages if not p.draft]
    pages += [urls.source_path(s.key) for s in catalogue.sources] + ["evidence.md", "conditions/depression.md"]
    for path in pages:
        assert kb_marks(page_file(kb / "site", path)) == kb_marks(page_file(baseline, path)), (engine, path)
    assert sum(len(kb_marks(page_file(baseline, p))["anchors"]) for p in pages) > 100
    assert sum(len(kb_marks(page_file(baseline, p))["support"]) for p in pages) > 30


def test_exports_and_claim_search(built, catalogue, tmp_path_factory):
    engine, kb = built
    claims = json.loads((kb / "site/claims.json").read_text())
    assert len(claims) == sum(len(p.claims) for p in catalogue.pages if not p.draft) > 100
    references = json.loads((kb / "site/references.json").read_text())
    assert {r["id"] for r in references} == {s.key for s in catalogue.sources}
    baseline = built_kb("mkdocs", tmp_path_factory) / "site"
    assert claims == json.loads((baseline / "claims.json").read_text())
    # the static search (no kb serve) reads search-data.json beside claims.json, as under MkDocs
    data = json.loads((kb / "site/search-data.json").read_text())
    assert data == json.loads((baseline / "search-data.json").read_text())
    with uvicorn_serving(kb) as server:
        status, _, body = request(server, "GET", "/api/search?q=suicidal+thoughts&limit=3")
        assert status == 200
        results = json.loads(body)["results"]
        assert results and "suicid" in results[0]["text"].lower()
        assert results[0]["sources"][0]["citation"].startswith("(")
        page, anchor = results[0]["url"].split("#")
        status, _, body = request(server, "GET", "/" + page)
        assert status == 200 and f'id="{anchor}"'.encode() in body  # the result's claim anchor is on its page


@pytest.mark.parametrize("engine", ["properdocs", "zensical"])
def test_a_failed_build_keeps_the_last_good_site_and_index(engine, tmp_path_factory):
    kb = built_kb(engine, tmp_path_factory)
    before = {p: p.stat().st_mtime_ns for p in [kb / "site/index.html", *(kb / ".kb/index").iterdir()]}
    about = kb / "docs/about.md"
    good = about.read_text()
    about.write_text(good + "\nSee [a page that is missing](nowhere.md).\n")  # mkdocs.yml is strict: a warning fails
    try:
        result = kb_build(kb, "--engine", engine)
    finally:
        about.write_text(good)
    assert result.returncode == 1
    assert "nowhere.md" in result.stderr and "could not build the site" in result.stderr  # why, and what it means
    assert {p: p.stat().st_mtime_ns for p in before} == before
    assert not [p.name for p in kb.iterdir() if p.name.startswith((".site.", ".index."))]
    assert not [p.name for p in (kb / ".kb").iterdir() if p.name.startswith(".index.")]


def test_an_unknown_engine_is_refused_before_anything_runs(tmp_path):
    kb = copy_kap(tmp_path)
    result = kb_build(kb, "--engine", "hugo")
    assert result.returncode == 2 and "hugo" in result.stderr
    assert not (kb / "site").exists()


@pytest.mark.browser
def test_full_reference_shows_on_hover(built):
    """Material's tooltips (``content.tooltips``, which kb turns on) show a citation's full reference."""
    from benchmarks.a11y import static_server
    from benchmarks.chromium import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("headless Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    _, kb = built
    first = next(a for _, a in parse_html(kb / "site/topics/ketamine/index.html").links if a.get("class") == "kb-cite")
    with static_server(kb / "site") as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            local = base  # only the local site: nothing from the internet may slow or break the test
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(local) else r.abort())
            page = context.new_page()
            page.goto(f"{base}/topics/ketamine/")
            cite = page.locator("a.kb-cite").first
            cite.hover()
            tip = page.locator("[role=tooltip].md-tooltip2--active")
            tip.wait_for(timeout=10_000)
            assert " ".join(tip.inner_text().split()) == " ".join(first["title"].split())  # the full reference
        finally:
            browser.close()
