"""The search page in headless Chromium: under kb serve, and on static hosting without the API."""

from __future__ import annotations

import functools
import http.server
import re
import threading

import pytest

from benchmarks.chromium import CHROMIUM
from benchmarks.chromium import CHROMIUM_ARGS as ARGS

from .test_serve import built_kb, server  # noqa: F401 - shared session fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    p = browser.new_page()
    p.csp_errors = []
    p.on("console", lambda m: "Content Security Policy" in m.text and p.csp_errors.append(m.text))
    yield p
    p.close()


@pytest.fixture(scope="module")
def static_host(built_kb):  # noqa: F811
    """The built site on a plain static file server: no /api/search."""
    handler = functools.partial(_QuietHandler, directory=str(built_kb / "site"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_type_filter_and_follow_a_result(page, server):  # noqa: F811
    page.goto(f"http://{server}/search/")
    page.fill("#kb-search-q", "suicidal thoughts")
    first = page.locator(".kb-search__result").first
    first.wait_for()
    assert first.locator(".kb-search__text").inner_text().startswith("Suicidal ideation fell")
    assert first.locator("mark").count() >= 1
    assert first.locator(".kb-search__sources a").first.inner_text() == "(Alnefeesi et al., 2022)"
    assert first.locator(".kb-search__sources a").first.get_attribute("href").endswith("/sources/alnefeesi2022/")
    assert page.locator(".kb-search__notice").is_hidden()

    page.fill("#kb-search-q", "studies")
    page.locator(".kb-search__status", has_text="claims found").wait_for()
    page.select_option("#kb-search-condition", "ptsd")
    page.locator(".kb-search__status", has_text="1 claim found").wait_for()
    result = page.locator(".kb-search__result")
    assert result.count() == 1
    assert result.inner_text().startswith("Post-traumatic stress disorder responded")
    assert "condition=ptsd" in page.url

    result.locator("a.kb-search__claim").click()
    page.wait_for_url(re.compile(r"/topics/conditions/#c-[0-9a-f]+"))
    anchor = page.url.split("#", 1)[1]
    assert page.locator(f"[id='{anchor}']").count() == 1
    assert page.csp_errors == []


def test_highlight_is_not_markup(page, server):  # noqa: F811
    page.goto(f"http://{server}/search/?query=script+alert")
    text = page.locator(".kb-search__result .kb-search__text").first
    text.wait_for()
    assert "<script>alert(1)</script>" in text.inner_text()
    assert page.locator(".kb-search__results script").count() == 0


def test_did_you_mean(page, server):  # noqa: F811
    page.goto(f"http://{server}/search/?query=dissocation")
    page.locator(".kb-search__suggestion", has_text="dissociation").wait_for()


def test_static_hosting_falls_back_to_claims_json(page, static_host):
    page.goto(f"http://{static_host}/search/")
    page.fill("#kb-search-q", "bladder")
    page.locator(".kb-search__result").first.wait_for()
    notice = page.locator(".kb-search__notice")
    assert notice.is_visible() and notice.inner_text().startswith("Reduced search:")
    assert page.locator(".kb-search__result").count() == 1
    assert page.locator(".kb-search__result mark").first.inner_text().lower() == "bladder"
