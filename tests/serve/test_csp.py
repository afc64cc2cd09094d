"""``kb serve``'s Content-Security-Policy allows the theme's own inline scripts (by hash) and no other: not a
script in a nav title of ``mkdocs.yml`` (which MkDocs writes into every page's nav as it is), not one in a raw
``.html`` file of ``docs/``. Checked in headless Chromium against the real ``kb serve``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb_tools.site.csp import inline_script_hashes, theme_script_patterns
from tests.conftest import make_kb
from tests.serve.test_security import Served

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")
NAV_SCRIPT = "<script>window.__xss=1</script>"
RAW_PAGE = "<!doctype html><title>Raw</title><p>raw page</p><script>window.__xss=2</script>\n"


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> Path:
    kb = make_kb(tmp_path_factory.mktemp("csp"))
    cfg = kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("  - Topic: topic.md", f"  - 'Topic {NAV_SCRIPT}': topic.md"))
    (kb / "docs/raw.html").write_text(RAW_PAGE)
    cmd = [sys.executable, "-m", "kb_tools.cli", "build", "--quiet", str(kb)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert NAV_SCRIPT in (kb / "site/index.html").read_text()  # MkDocs wrote the nav title as it is
    return kb


def test_only_the_themes_inline_scripts_are_hashed(kb):
    page = (kb / "site/topic/index.html").read_text()
    hashes = inline_script_hashes(page)
    assert hashes  # Material's own scripts still run
    assert inline_script_hashes(NAV_SCRIPT) == ()
    assert inline_script_hashes(RAW_PAGE) == ()
    assert inline_script_hashes(page.replace(NAV_SCRIPT, "")) == hashes


@pytest.mark.parametrize(
    "body",
    [
        '__md_scope=new URL("..",location),alert(1)',
        '__md_scope=new URL("",alert(1),"",location)',
        'var el=document.querySelector("[data-md-component=outdated]"),base=new URL(""+alert(1)+""),x',
    ],
)
def test_a_script_shaped_like_the_themes_is_not_allowed(body):
    assert inline_script_hashes(f"<script>{body}</script>") == ()
    assert theme_script_patterns()  # the theme's templates were found


@pytest.mark.browser
def test_no_other_inline_script_runs_under_kb_serve(browser, kb):
    served = Served(kb)
    page = browser.new_page()
    try:
        for path in ("/", "/topic/", "/raw.html", "/search/"):
            page.goto(f"http://127.0.0.1:{served.port}{path}", wait_until="load")
            page.wait_for_timeout(100)
            assert page.evaluate("typeof window.__xss") == "undefined", path
            if path != "/raw.html":  # the theme's inline scripts did run
                assert page.evaluate("typeof __md_get") == "function", path
    finally:
        page.close()
        served.stop()
