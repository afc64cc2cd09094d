"""``kb_tools.engines.zensical.mdext``: kb's inline work as a Python-Markdown extension, told the page by Zensical."""

from __future__ import annotations

import shutil

import pytest
from markdown import Markdown

from kb_tools.config.kbconfig import load_config
from kb_tools.core import urls
from kb_tools.engines.zensical import mdext
from tests.conftest import make_kb, site_data

zensical_context = pytest.importorskip("zensical.extensions.context")
pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="styling citations needs pandoc")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return site_data(load_config(make_kb(tmp_path_factory.mktemp("mdext"))))


def convert(path: str, markdown: str, meta: dict | None = None) -> str:
    """Convert ``markdown`` as Zensical does: its context extension holds the page, then kb's extension."""
    page = zensical_context.Page(url=urls.page_url(path), path=path, meta=meta if meta is not None else {})
    md = Markdown(
        extensions=[zensical_context.ContextExtension(page=page, config={}), "kb_tools.engines.zensical.mdext"]
    )
    return md.convert(markdown)


def body(site, path: str) -> str:
    text = (site.config.docs_path / path).read_text(encoding="utf-8")
    return text.split("---\n", 2)[2] if text.startswith("---\n") else text  # as the engine passes it


def test_a_kb_page_gets_citations_anchors_and_references(site):
    with mdext.session(site, urls.SOURCE_LINKS):
        html = convert("topic.md", body(site, "topic.md"))
    assert "[@smith2022]" not in html
    assert '<a class="kb-cite" href="sources/smith2022.md" title="Smith, J., &amp; Doe, J. (2022).' in html
    assert '<span class="kb-claim" id="' in html and 'id="ref-smith2022"' in html
    with mdext.session(site, True):  # links as MkDocs' URLs, for an engine that leaves them alone
        assert 'href="../sources/smith2022/"' in convert("topic.md", body(site, "topic.md"))


def test_outside_a_session_or_for_another_page_the_markdown_is_left_alone(site):
    text = body(site, "topic.md")
    assert "[@smith2022]" in convert("topic.md", text)
    with mdext.session(site, True):
        assert "[@smith2022]" in convert("elsewhere/unknown.md", text)
        assert "[@smith2022]" in Markdown(extensions=["kb_tools.engines.zensical.mdext"]).convert(
            text
        )  # no page context


def test_front_matter_title_and_description_become_text(site):
    meta = {"title": 'Risks <script>alert("x")</script> & benefits', "description": "<b>d</b>", "tags": ["<x>"]}
    with mdext.session(site, True):
        convert("index.md", "# Home\n", meta)
    assert meta == {
        # a title also stays text when Material's ellipsis tooltip parses its text again (``htmltext.inert``)
        "title": "Risks &lt;\u2060script&gt;alert(&quot;x&quot;)&lt;\u2060/script&gt; &amp; benefits",
        "description": "&lt;b&gt;d&lt;/b&gt;",
        "tags": ["<x>"],
    }
