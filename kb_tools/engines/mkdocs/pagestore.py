"""The page store: what a page's HTML is kept apart from while MkDocs works on it.

Two things, by page path, for one build:

* the *stash*: HTML fragments (citations, generated pages' lists and tables) that travel through
  Python-Markdown as placeholders, so it never parses them; ``restore`` puts them back into the page's
  HTML once it is converted;
* the *spool*: MkDocs 1.6 converts every page's Markdown before it renders any page's template, so the
  whole site's HTML would sit in memory at once. ``park`` moves a converted page's HTML and Markdown
  into a file on disk (``kb_tools.store.spool``) and ``unpark`` takes them back just before the page's
  template is rendered; meanwhile the page holds ``SPOOLED``.
"""

from __future__ import annotations

import os
from pathlib import Path

from ...site.placeholders import restore_html, stash_html
from ...store.spool import Spool

SPOOLED = "<!-- kb: this page's HTML and Markdown are on disk until its template is rendered -->"
_MARKDOWN = "\0markdown"  # a page's Markdown in the spool: its path and this


class PageStore:
    """Stashed HTML and parked pages of one build; ``close`` frees both."""

    def __init__(self, folder: Path) -> None:
        """``folder``: where the spool's file lives (the KB's cache folder rather than ``/tmp``, which may be
        memory); the system's temporary folder if it cannot be written."""
        self._stash: dict[str, list[str]] = {}
        self._spool = Spool(_writable(folder))

    def stash_blocks(self, path: str, markdown: str) -> str:
        """A generated page's Markdown with its raw HTML blocks stashed (``sitepages.stash_html``)."""
        return stash_html(markdown, self._stash.setdefault(path, []))

    def keep(self, path: str, stash: list[str]) -> None:
        """The HTML a topic page's Markdown holds placeholders for (``render.render_page``)."""
        self._stash[path] = list(stash)

    def stash(self, path: str) -> list[str] | None:
        return self._stash.get(path)

    def restore(self, path: str, html: str) -> str:
        """The page's HTML with its stashed fragments back; they are forgotten (the HTML holds them now)."""
        stash = self._stash.pop(path, None)
        return restore_html(html, stash) if stash else html

    def park(self, path: str, html: str, markdown: str | None) -> bool:
        """Move a converted page's HTML and Markdown to disk; False (nothing parked) for empty HTML."""
        if not html:
            return False
        self._spool.put(path, html)
        if markdown:  # the Markdown it was converted from (itself as large), back with the HTML
            self._spool.put(path + _MARKDOWN, markdown)
        return True

    def unpark(self, path: str) -> tuple[str, str | None] | None:
        """The HTML and Markdown ``park`` moved to disk (once), or None if it parked nothing for ``path``."""
        if path not in self._spool:
            return None
        html = self._spool.take(path)
        return html, self._spool.take(path + _MARKDOWN)

    def close(self) -> None:
        self._spool.close()
        self._stash.clear()


def _writable(folder: Path) -> Path | None:
    """``folder``, created if need be, or None (the system's temporary folder) when it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None
