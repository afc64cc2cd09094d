"""Escaping: the xss fixture KB puts script payloads in BibTeX fields, claims, titles, headings and condition names.

Built with real MkDocs, then visited in headless Chromium under ``kb serve`` (with its CSP) and on a plain
static server (no CSP, so only escaping protects): ``window.__xss`` must stay undefined and no dialog may open.
The built HTML is also parsed: no ``<script>`` with a payload, no ``on*=`` attribute, no ``javascript:`` link.

By design the topic page is the editor's own Markdown, in which raw HTML is allowed; the payloads written into
its body are the editor's, so on that page only the parts kb and MkDocs generate (head, nav, table of contents,
citations and references) are checked for markup, and in the browser it is checked under ``kb serve``'s CSP.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import KBS
from tests.serve.test_security import Served
from tests.site_helpers import mkdocs_build

pytestmark = [
    pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc"),
]

PAYLOADS = ["<script>window.__xss=1</script>", '"><img src=x onerror="window.__xss=2">', "javascript:window.__xss=3"]
GENERATED = [
    "",  # home
    "sources/",
    "sources/evil2022/",
    "sources/agency2023/",
    "conditions/",
    "conditions/evil/",
    "conditions/depression/",
    "evidence/",
    "report/",
    "search/",
    "404.html",
]
TOPIC = "topic/"
QUERIES = [*PAYLOADS, "evil", "evil <script>window.__xss=1</script>", 'condition:evil "><img src=x onerror=alert(1)>']


@pytest.fixture(scope="module")
def xss_kb(tmp_path_factory) -> Path:
    kb = tmp_path_factory.mktemp("xss") / "xss"
    shutil.copytree(KBS / "xss", kb)
    result = mkdocs_build(kb)  # real MkDocs; the kb plugin writes the search index too
    assert result.returncode == 0, result.stderr
    assert (kb / ".kb/index").is_dir()
    return kb


class _Markup(HTMLParser):
    """What a browser would treat as markup: script bodies, event-handler attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and re.match(
                r"\s*(javascript|vbscript|data:text/html)", value, re.I
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "__xss" in data:
            self.problems.append(f"<script>{data[:60]}")


def markup_problems(html: str) -> list[str]:
    p = _Markup()
    p.feed(html)
    return p.problems


def page_file(site: Path, url: str) -> Path:
    return site / (url if url.endswith(".html") else url + "index.html")


@pytest.mark.parametrize("url", GENERATED)
def test_generated_pages_hold_no_payload_markup(xss_kb, url):
    html = page_file(xss_kb / "site", url).read_text()
    assert "__xss" in html or url in ("404.html", "evidence/", "report/", "search/", "")  # the payloads got here
    assert "<script>window.__xss" not in html
    assert markup_problems(html) == []


def test_topic_page_generated_parts_hold_no_payload_markup(xss_kb):
    html = page_file(xss_kb / "site", TOPIC).read_text()
    start, end = html.index("<article"), html.index("</article>")
    outside = html[:start] + html[end:]
    assert "<script>window.__xss" not in outside and markup_problems(outside) == []
    article = html[start:end]
    refs = article[article.index('id="references"') :]
    assert "__xss" in refs and markup_problems(refs) == []  # BibTeX fields, via pandoc
    cites = re.findall(r'<span class="kb-citation">.*?</span>\)?', article, re.S)
    assert cites and all(markup_problems(c) == [] for c in cites)


def test_exports_are_json_with_the_payloads_as_text(xss_kb):
    import json

    claims = json.loads((xss_kb / "site/claims.json").read_text())
    assert any("<script>window.__xss=1</script>" in c["text"] for c in claims)  # text, for the page to escape


# --- in the browser ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(xss_kb):
    s = Served(xss_kb)
    yield f"127.0.0.1:{s.port}"
    s.stop()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def static_host(xss_kb):
    """The site on a plain static server: no CSP, no /api/search (the search page falls back to claims.json)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(xss_kb / "site")))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class Visit:
    def __init__(self, browser):
        self.page = browser.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def goto(self, url: str) -> None:
        self.page.goto(url, wait_until="load")
        self.page.wait_for_timeout(150)  # onerror handlers of broken images fire after load

    def assert_clean(self, where: str) -> None:
        assert self.page.evaluate("typeof window.__xss") == "undefined", where
        assert self.dialogs == [], where

    def close(self) -> None:
        self.page.close()


@pytest.mark.browser
@pytest.mark.parametrize("host", ["served", "static_host"])
def test_no_page_runs_a_payload(browser, request, host):
    base = request.getfixturevalue(host)
    v = Visit(browser)
    try:
        pages = GENERATED + ([TOPIC] if host == "served" else [])  # the editor's raw HTML needs the CSP
        for url in pages:
            v.goto(f"http://{base}/{url}")
            v.assert_clean(url)
        v.goto(f"http://{base}/claims.json")
        v.assert_clean("claims.json")
        if host == "served":  # the editor's javascript: link, clicked: the CSP blocks it
            v.goto(f"http://{base}/{TOPIC}")
            v.page.click('a[href^="javascript:"]')
            v.page.wait_for_timeout(150)
            v.assert_clean("javascript: link")
    finally:
        v.close()


@pytest.mark.browser
@pytest.mark.parametrize("host", ["served", "static_host"])
def test_search_page_with_malicious_queries(browser, request, host):
    base = request.getfixturevalue(host)
    v = Visit(browser)
    try:
        for q in QUERIES:
            v.goto(f"http://{base}/search/?query={quote(q)}")
            v.page.locator(".kb-search__status").filter(has_text=re.compile(r"\S")).wait_for(timeout=10_000)
            v.assert_clean(f"?query={q}")
            v.page.fill("#kb-search-q", "")
            v.page.type("#kb-search-q", q)
            v.page.wait_for_timeout(400)
            v.assert_clean(f"typed {q}")
            assert v.page.locator(".kb-search__results script, .kb-search__results img").count() == 0
            v.page.fill("#kb-hsearch-q", "")
            v.page.type("#kb-hsearch-q", q)  # the header's claim list
            v.page.wait_for_timeout(400)
            v.assert_clean(f"typed {q} in the header")
            assert v.page.locator(".kb-hsearch script, .kb-hsearch img").count() == 0
        # results that carry the payloads: claims, page title, condition name, citations
        v.goto(f"http://{base}/search/?query=evil")
        v.page.locator(".kb-search__result").first.wait_for(timeout=10_000)
        text = v.page.locator(".kb-search__results").inner_text()
        assert "<script>window.__xss=1</script>" in text  # shown as text
        boxes = v.page.locator(".kb-facet input[name=condition]")
        if boxes.count():  # the facets (condition names as labels), where the search has them
            boxes.first.check()
            v.page.wait_for_url(re.compile(r"condition="))
        else:
            v.goto(f"http://{base}/search/?q=evil&condition=evil")
        v.page.wait_for_timeout(400)
        v.assert_clean("condition filter")
        html = v.page.content()
        results = html[html.index('class="kb-search__results"') :]
        assert markup_problems(results) == []
    finally:
        v.close()
