"""MkDocs pages that kb can leave unconverted when their file is copied from the live site.

MkDocs converts every page, building a new Python-Markdown instance for each: about 0.2 ms even for an
empty page, half a second of a 2,500-page rebuild that changes nothing. A ``ReusablePage`` is MkDocs'
``Page`` whose ``render`` does nothing once kb marks it ``reused`` (``kb_tools.site.incremental`` copies its
file instead). MkDocs builds the nav from the page objects plugins put in ``File.page`` during
``on_files`` (Material's blog plugin gives its posts their own ``Page`` subclass this way), so
``give_pages`` makes each page a ``ReusablePage`` with the nav title MkDocs would give it: as in
``mkdocs.structure.nav``, the first nav entry naming a file gives its title, and every other page has
none. Only ``kb build`` does this, and only when the live site offers pages to reuse: a fresh build
uses MkDocs' own pages, so the incremental tests compare the two.
"""

from __future__ import annotations

from typing import Any

from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc


class ReusablePage(Page):
    """A page that is converted as usual unless ``reused`` is set (before ``render``)."""

    reused = False

    def render(self, config, files) -> None:
        if not self.reused:
            super().render(config, files)
            return
        self.content, self.toc = "", get_toc([])
        self.present_anchor_ids = None  # MkDocs' mark of a page it did not render: links to it are not checked


def give_pages(files, config) -> None:
    """A ``ReusablePage`` for every page MkDocs would make one for, with the same title."""
    for src, title in nav_titles(config.nav, files, config).items():
        file = files.get_file_from_path(src)
        if file.page is None:
            ReusablePage(title, file, config)  # sets ``file.page``
    for file in files.documentation_pages():
        if file.page is None:
            ReusablePage(None, file, config)


def nav_titles(nav, files, config) -> dict[str, Any]:
    """Each file a nav entry names (by ``src_uri``, in nav order), with the title of the first entry naming it."""
    relative_to_docs = getattr(config.validation.nav.absolute_links, "name", "") == "RELATIVE_TO_DOCS"
    titles: dict[str, Any] = {}

    def walk(data) -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                walk((key, value) if isinstance(value, str) else value)
        elif isinstance(data, list):
            for item in data:
                walk(item)
        else:
            title, path = data if isinstance(data, tuple) else (None, data)
            if not isinstance(path, str):
                return
            lookup = path.lstrip("/") if path.startswith("/") and relative_to_docs else path
            file = files.get_file_from_path(lookup)
            if file is not None and file.src_uri not in titles:
                titles[file.src_uri] = title

    walk(nav or [])
    return titles
