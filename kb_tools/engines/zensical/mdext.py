"""The kb's inline work as a Python-Markdown extension, for engines that run extensions but not MkDocs plugins.

This extension renders a KB page's citations, claim anchors, "citation needed" marks, review date and
reference list with the same code as the MkDocs plugin (``render.render_page``). A preprocessor needs to
know which page it converts: it asks the engine's page context (Zensical registers a
``ContextPreprocessor`` whose ``page`` has the docs-relative ``path`` and the front matter, ``meta``, that
Zensical puts into the page's template after the conversion). The build's data comes from
``session``: ``kb build --engine zensical`` opens one around the engine's run, in the same process.

Outside a session, or for a page the KB does not know (a generated page, a draft), the Markdown passes
through unchanged.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from ...load.pages import read_text
from ...site.data import SiteData
from ...site.htmltext import inert
from ...site.topicpages import render_page

# ahead of Python-Markdown's own preprocessors (normalize_whitespace is 30), so the lines are the page's
# Markdown exactly as the engine read it: a suffix of the file's text, which render_page places edits in
PRIORITY = 35


@dataclass(frozen=True)
class Session:
    """What the extension renders from during one build."""

    site: SiteData
    use_directory_urls: bool | None  # ``urls.SOURCE_LINKS`` for an engine that resolves links itself


_session: Session | None = None


@contextlib.contextmanager
def session(site: SiteData, use_directory_urls: bool | None) -> Iterator[Session]:
    """Render KB pages from ``site`` while the block runs (one build at a time per process)."""
    global _session
    previous, _session = _session, Session(site, use_directory_urls)
    try:
        yield _session
    finally:
        _session = previous


def engine_page(md: Markdown) -> Any | None:
    """The engine's record of the page ``md`` is converting (with ``path``, docs-relative, and ``meta``)."""
    for processor in md.preprocessors:
        page = getattr(processor, "page", None)  # Zensical's ContextPreprocessor holds the page being rendered
        if isinstance(getattr(page, "path", None), str):
            return page
    return None


def escape_meta(meta: Any) -> None:
    """Front matter ``title`` and ``description`` as text: themes print them into the HTML as they are
    (the title, the nav, meta tags), so a ``<script>`` in one, or in a BibTeX field, would run on the page."""
    if not isinstance(meta, dict):
        return
    for key in ("title", "description"):
        if isinstance(meta.get(key), str):
            meta[key] = html.escape(inert(meta[key]) if key == "title" else meta[key], quote=True)


def render_lines(current: Session, path: str, lines: list[str]) -> list[str]:
    """A KB page's Markdown lines with the kb's inline work done (unchanged for any other page)."""
    site = current.site
    if path not in site.pages:
        return lines
    markdown = "\n".join(lines)
    try:
        text = read_text(site.config.docs_path / path)
    except OSError:
        text = markdown  # a page without front matter is its own text
    if not text.endswith(markdown):  # the page changed since the engine read it: render what the engine has
        text = markdown
    return render_page(site, path, text, markdown, current.use_directory_urls).split("\n")


class KbPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        current = _session
        page = engine_page(self.md) if current is not None else None
        if current is None or page is None:
            return lines
        escape_meta(getattr(page, "meta", None))  # every page's, generated ones' too (the engine returns it)
        return render_lines(current, page.path.replace("\\", "/"), lines)


class KbExtension(Extension):
    """Citations, claim anchors and reference lists on the KB's pages."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        md.preprocessors.register(KbPreprocessor(md), "kb", PRIORITY)


def makeExtension(**kwargs: Any) -> KbExtension:  # noqa: N802 - Python-Markdown's name
    return KbExtension(**kwargs)
