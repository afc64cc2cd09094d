"""The Content-Security-Policy for static hosts (``static_headers: true`` writes it to ``site/_headers``): it
allows every inline script the theme writes on any page, and the KAP site works under it in headless Chromium
(pages render, the theme's scripts run, the static claim search finds claims) with no CSP violation."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kb_tools.site.csp import HEADERS_FILE, inline_script_hashes
from tests.conftest import make_kb
from tests.site_helpers import copy_kap

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")


def build_with_headers(kb: Path) -> Path:
    cfg = kb / "mkdocs.yml"
    text = cfg.read_text()
    cfg.write_text(re.sub(r"^  - kb:\n", "  - kb:\n      static_headers: true\n", text, count=1, flags=re.M))
    cmd = [sys.executable, "-m", "kb_tools.cli", "build", "--quiet", str(kb)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return kb / "site"


def read_headers(site: Path) -> dict[str, str]:
    """The ``/*`` block of ``_headers``, as Netlify and Cloudflare Pages read it."""
    headers, on = {}, False
    for line in (site / HEADERS_FILE).read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if not line[0].isspace():
            on = line.strip() == "/*"
        elif on:
            name, value = line.strip().split(":", 1)
            headers[name.strip()] = value.strip()
    return headers


def test_the_policy_allows_every_inline_script_the_theme_writes(tmp_path):
    site = build_with_headers(make_kb(tmp_path))
    policy = read_headers(site)["Content-Security-Policy"]
    allowed = set(re.findall(r"'sha256-([^']+)'", policy))
    pages = list(site.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        assert set(inline_script_hashes(page.read_text())) <= allowed, page
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_a_kbs_own_headers_file_wins(tmp_path):
    kb = make_kb(tmp_path)
    (kb / "docs/_headers").write_text("/*\n  X-Editor: mine\n")
    site = build_with_headers(kb)
    assert (site / HEADERS_FILE).read_text() == "/*\n  X-Editor: mine\n"


class _WithHeaders(http.server.SimpleHTTPRequestHandler):
    extra: dict[str, str] = {}

    def end_headers(self):
        for name, value in self.extra.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args):
        pass


@contextmanager
def static_host(site: Path) -> Iterator[str]:
    """A plain static server that sends the ``_headers`` file's headers, as a static host would."""
    handler = type("Handler", (_WithHeaders,), {"extra": read_headers(site)})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


WATCH = """document.addEventListener("securitypolicyviolation", function (e) {
  (window.__cspViolations = window.__cspViolations || []).push(e.violatedDirective + " " + e.blockedURI);
});"""


@pytest.mark.browser
def test_the_kap_site_works_under_the_static_policy(browser, tmp_path):
    site = build_with_headers(copy_kap(tmp_path))
    with static_host(site) as base:
        context = browser.new_context()
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
        context.add_init_script(WATCH)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text))
        try:
            for path in ("/", "/topics/ketamine/", "/sources/", "/evidence/", "/conditions/"):
                response = page.goto(base + path, wait_until="load")
                assert response.status == 200 and "default-src" in response.headers["content-security-policy"]
                assert page.locator("h1").first.inner_text().strip(), path  # the page rendered
                assert page.evaluate("typeof __md_get") == "function", path  # the theme's inline scripts ran
                assert page.evaluate("window.__cspViolations || []") == [], path
            page.goto(base + "/topics/ketamine/")
            page.locator("a.kb-cite").first.hover()  # Material's bundle: the reference's tooltip
            page.locator("[role=tooltip].md-tooltip2--active").wait_for(timeout=10_000)
            page.goto(base + "/search/?query=depression")  # the static claim search (claims.json)
            page.locator(".kb-search__result").first.wait_for(timeout=20_000)
            assert page.locator(".kb-search__result").count() > 0
            page.fill("#kb-hsearch-q", "ketamine")  # the header box
            page.locator(".kb-hsearch__claim").first.wait_for(timeout=10_000)
            assert page.evaluate("window.__cspViolations || []") == []
            assert not [m for m in console if "Content Security Policy" in m], console
        finally:
            context.close()
