"""Tooltips: Material's ``content.tooltips`` renders an element's ``title`` as HTML (``innerHTML``), so every
``title`` kb writes must be inert even when parsed as HTML a second time.

The base fixture KB with markup in a BibTeX author, built by each engine, served by a plain static server (no
CSP: only escaping protects) and visited in headless Chromium: focusing and hovering the citation shows the
full reference as text, runs no script and injects no element.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kb_tools.engines import ENGINES
from kb_tools.engines.zensical import mdext
from kb_tools.site import navigation
from kb_tools.site.htmltext import WORD_JOINER
from kb_tools.site.topicpages import tooltip_attr
from tests.conftest import make_kb
from tests.site_helpers import serve_static

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")
PAYLOAD = "<img src=x onerror=window.__xss=1>"


def hostile_kb(tmp_path: Path) -> Path:
    """The base fixture with markup in a source's author, and Material's tooltips on."""
    kb = make_kb(tmp_path)
    bib = kb / "references/sources.bib"
    bib.write_text(bib.read_text().replace("{{U.S. Fixture Agency}}", "{{Agency " + PAYLOAD + "}}"))
    cfg = kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("  name: material\n", "  name: material\n  features: [content.tooltips]\n"))
    return kb


def build(kb: Path, engine: str) -> None:
    cmd = [sys.executable, "-m", "kb_tools.cli", "build", "--quiet", "--engine", engine, str(kb)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


class _Titles(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.titles: list[str] = []
        self.tags = 0

    def handle_starttag(self, tag, attrs):
        self.tags += 1
        self.titles += [v for k, v in attrs if k == "title" and v]


def tags_in(html: str) -> int:
    p = _Titles()
    p.feed(html)
    return p.tags


@pytest.mark.parametrize(
    "text", ["<img src=x onerror=alert(1)>", "a &lt;b&gt; & c", "</div><script>x()</script>", "<!--", "&amp;<&"]
)
def test_a_tooltip_attribute_is_text_when_parsed_twice(text):
    """The value a browser reads from the attribute, parsed again as HTML, is the original text and no element."""
    p = _Titles()
    p.feed(f'<a title="{tooltip_attr(text)}">x</a>')
    (once,) = p.titles
    assert tags_in(once) == 0
    assert once.replace(WORD_JOINER, "") == " ".join(text.split())  # reads as it did


@pytest.mark.browser
@pytest.mark.parametrize("engine", ENGINES)
def test_a_citations_tooltip_runs_no_script(browser, tmp_path, engine):
    kb = hostile_kb(tmp_path)
    build(kb, engine)
    with serve_static(kb / "site") as base:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            page.goto(f"{base}/topic/", wait_until="load")
            cite = page.locator('a.kb-cite[href*="agency2023"]').first
            cite.focus()
            cite.hover()
            tip = page.locator("[role=tooltip]").filter(has_text="Agency")
            tip.first.wait_for(timeout=10_000)
            page.wait_for_timeout(200)  # an injected image's onerror fires after it fails to load
            assert "<img src=x" in tip.first.inner_text().replace(WORD_JOINER, "")  # the reference, as text
            assert page.evaluate("typeof window.__xss") == "undefined"
            assert page.locator("img[src=x]").count() == 0
            assert dialogs == []
        finally:
            page.close()


@pytest.mark.parametrize("escape_meta", [navigation.escape_meta, mdext.escape_meta])
def test_a_page_title_is_text_when_its_text_is_parsed_again(escape_meta):
    """Material shows a title cut short by an ellipsis (header, nav) in a tooltip made from the element's text."""
    import html

    meta = {"title": "(Agency <img src=x onerror=alert(1)>, 2023)"}
    escape_meta(meta)
    shown = html.unescape(meta["title"])  # the element's text, which the tooltip parses as HTML
    assert tags_in(shown) == 0 and shown.replace(WORD_JOINER, "") == "(Agency <img src=x onerror=alert(1)>, 2023)"
