"""The site's navigation: the sections kb adds to the KB's own nav, and the short sidebar of source pages.

Source pages stay out of the nav: with thousands of them, every page's nav would be huge. They get a
short sidebar instead (``light_links``): Home, Sources, and the pages citing the source.
Titles are HTML: MkDocs prints nav titles as they are, so text from page titles or condition names is
escaped here.
"""

from __future__ import annotations

import html

from ..core import urls
from .data import SiteData
from .htmltext import inert


def site_nav(nav: list | None, site: SiteData) -> list:
    """The nav to build with: the KB's own (``default_nav`` when mkdocs.yml has none) and kb's sections."""
    nav = list(nav) if nav is not None else default_nav(site)
    return nav + nav_additions(nav, site.config.conditions)


def nav_additions(nav: list, conditions=()) -> list:
    """The sections the plugin adds, skipping any page the KB's own nav already lists."""
    listed = set(nav_paths(nav))
    section = ["conditions/index.md"] + [{html.escape(c.name): urls.condition_path(c.id)} for c in conditions]
    wanted = [
        ("Conditions", section if "conditions/index.md" not in listed else "conditions/index.md"),
        ("Sources", "sources/index.md"),
        ("Evidence overview", "evidence.md"),
        ("Editorial report", "report.md"),
        ("Search", "search.md"),
    ]
    return [{title: item} for title, item in wanted if not (isinstance(item, str) and item in listed)]


def nav_paths(nav) -> list[str]:
    """Every page path a nav (as written in mkdocs.yml) lists, in order."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [p for v in nav.values() for p in nav_paths(v)]
    if isinstance(nav, list):
        return [p for item in nav for p in nav_paths(item)]
    return []


def page_order(nav) -> dict[str, int]:
    """Each page's place in the nav: generated pages list the pages citing a source in this order."""
    return {p: n for n, p in enumerate(dict.fromkeys(nav_paths(nav or [])))}


def default_nav(site: SiteData) -> list:
    """A nav of the KB's own pages when mkdocs.yml has none, so generated source pages stay out of it."""
    top: list = []
    sections: dict[str, list] = {}
    pages = sorted(site.published, key=lambda p: (p.path.count("/") > 0, p.path != "index.md", p.path))
    for p in pages:
        if "/" in p.path:
            sections.setdefault(p.path.split("/", 1)[0], []).append({html.escape(p.title): p.path})
        else:
            top.append({html.escape(p.title): p.path})
    return top + [{d.replace("-", " ").capitalize(): items} for d, items in sections.items()]


def light_links(
    site: SiteData, key: str, path: str, files, use_dir: bool, order: dict[str, int] | None = None
) -> list[tuple[str, str]]:
    """A source page's short sidebar: (label as HTML, page-relative link) for Home, Sources and each citing page.

    ``files`` are the build's MkDocs files. A citing page is labelled with its MkDocs title, as the nav
    shows it (already HTML-escaped: ``escape_meta`` and the nav escape titles; Material prints them as
    they are).
    """
    links = [("Home", "index.md")] if files.get_file_from_path("index.md") is not None else []
    links.append(("Sources", "sources/index.md"))
    pages = list(dict.fromkeys(claim.page for claim in site.claims_by_source.get(key, ())))
    for p in sorted(pages, key=lambda p: (order or {}).get(p, len(order or ()))):  # the nav's order
        file = files.get_file_from_path(p)
        title = file.page.title if file is not None and file.page is not None else None
        if file is not None:
            links.append((title or html.escape(site.pages[p].title if p in site.pages else p), p))
    return [(label, urls.relative(path, to, use_dir)) for label, to in links]


def escape_meta(meta: dict) -> None:
    """Front matter ``title`` and ``description`` as text: MkDocs writes them into the HTML (title, nav,
    meta tags) as they are, so a ``<script>`` in them, or in a condition name, would run on every page."""
    for key in ("title", "description"):
        value = meta.get(key)
        if isinstance(value, str):
            meta[key] = html.escape(inert(value) if key == "title" else value, quote=True)
