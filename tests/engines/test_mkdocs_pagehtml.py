"""Generated pages whose HTML kb writes (``site.pagehtml``) build the same site as through Python-Markdown.

A hook that sees pages' Markdown after kb makes kb leave every page to Python-Markdown (the hook could
change it); the two sites must be the same bytes, and without the hook kb writes every generated page.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb_tools import pipeline
from kb_tools.config.kbconfig import load_config
from kb_tools.engines.mkdocs import sitebuild
from tests.conftest import make_kb

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")

TOC = "\nmarkdown_extensions:\n  - admonition\n  - attr_list\n  - toc:\n      permalink: true\n"
HOOK = "def on_page_markdown(markdown, page, config, files):\n    return markdown\n"


def _build(kb: Path, monkeypatch) -> tuple[dict[Path, bytes], int]:
    """The built site's files and how many pages kb wrote the HTML of."""
    made = []
    real = sitebuild.pagehtml.page_html

    def spy(markdown, style):
        got = real(markdown, style)
        made.append(got is not None)
        return got

    monkeypatch.setattr(sitebuild.pagehtml, "page_html", spy)
    pipeline.build_site(load_config(kb))
    site = kb / "site"
    return {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}, sum(made)


def test_kb_written_pages_are_the_pages_python_markdown_makes(tmp_path, monkeypatch):
    kb = make_kb(tmp_path / "kb")
    (kb / "mkdocs.yml").write_text((kb / "mkdocs.yml").read_text() + TOC)
    hooked = Path(shutil.copytree(kb, tmp_path / "hooked"))
    (hooked / "hook.py").write_text(HOOK)
    (hooked / "mkdocs.yml").write_text((hooked / "mkdocs.yml").read_text() + "\nhooks:\n  - hook.py\n")

    site, made = _build(kb, monkeypatch)
    reference, none = _build(hooked, monkeypatch)

    sources = [p for p in site if p.parts[0] == "sources" and p.name == "index.html"]
    assert none == 0
    assert made >= len(sources) > 1  # every source page, the sources' index and the other generated pages
    assert site.keys() == reference.keys()
    different = [str(p) for p in site if site[p] != reference[p]]
    assert different == []
    assert b'class="headerlink"' in site[sources[0]]
