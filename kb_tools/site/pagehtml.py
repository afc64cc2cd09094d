"""The generated pages' HTML, made by kb instead of Python-Markdown.

A generated page's Markdown (``generated``), once its raw HTML blocks are placeholders
(``placeholders.stash_html``), is only ATX headings and placeholder paragraphs. Python-Markdown's whole
work on it is giving each heading an id, a permalink and a place in the page's table of contents, and it
costs most of a source page's conversion (about 2 ms a page, thousands of pages). ``page_html`` does the
same here, byte for byte: the heading's text as the inline parser leaves it, the id made by the site's own
``toc`` slugify function (``markdown.extensions.toc.unique`` keeps ids unique on the page), the permalink
as the ``toc`` extension writes it, the tokens MkDocs builds ``page.toc`` from.

It is exact only for what it accepts, so it accepts little: a site whose Markdown extensions are all
known to leave such headings alone (``heading_style``; anything else, e.g. ``smarty`` or an emoji
extension, would change the text), and a page whose every block and heading text it can read
(``page_html``). Anything else returns None, and the page goes through Python-Markdown as before.
``tests/site/test_pagehtml.py`` compares both on hostile titles.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import markdown
from markdown.extensions.toc import nest_toc_tokens, unique

# extensions that add nothing a heading of escaped text or a placeholder paragraph could trigger
SAFE_EXTENSIONS = frozenset(
    {
        "abbr",
        "admonition",
        "attr_list",
        "def_list",
        "fenced_code",
        "footnotes",
        "md_in_html",
        "sane_lists",
        "tables",
        "toc",
        "codehilite",
        "pymdownx.details",
        "pymdownx.highlight",
        "pymdownx.inlinehilite",
        "pymdownx.superfences",
        "pymdownx.tabbed",
        "pymdownx.tasklist",
    }
)
_HEADING = re.compile(r"(#{1,6}) (\S(?:.*\S)?)")
_PLACEHOLDER = re.compile(r"KBRAW\d{6}KB")
# a backslash escape, an HTML entity (Python-Markdown's ENTITY_RE), or any other character
_TOKEN = re.compile(r"\\(.)|(&(?:#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)|(.)", re.S)
# characters some inline pattern of Python-Markdown (or a safe extension) may act on when not escaped
_ACTIVE = frozenset("`*_[]!<>&\\{}#|")


@dataclass(frozen=True)
class HeadingStyle:
    """How the site's ``toc`` extension writes a heading (only the settings ``page_html`` reproduces)."""

    escaped: frozenset[str]  # what a backslash escapes (Python-Markdown's ESCAPED_CHARS, with the extensions')
    slugify: Callable[[str, str], str]
    separator: str
    permalink: str  # the permalink's inner HTML, "" for none
    permalink_class: str
    permalink_title: str
    permalink_leading: bool
    toc_top: int
    toc_bottom: int


@dataclass(frozen=True)
class PageHtml:
    """A generated page's HTML (placeholders still in), its toc tokens (nested) and the ids it holds."""

    html: str
    toc_tokens: list
    ids: frozenset[str]


def heading_style(extensions, configs) -> HeadingStyle | None:
    """The site's heading style from MkDocs' ``markdown_extensions`` and ``mdx_configs``; None when an
    extension or a ``toc`` setting may write a heading differently than ``page_html`` does."""
    names = []
    for ext in extensions:
        if not isinstance(ext, str):
            return None
        names.append(ext.removeprefix("markdown.extensions."))
    if not set(names) <= SAFE_EXTENSIONS or "toc" not in names:
        return None
    try:
        md = markdown.Markdown(extensions=list(extensions), extension_configs=dict(configs or {}))
    except Exception:  # noqa: BLE001 - a config MkDocs itself will report; Python-Markdown then does the pages
        return None
    toc = md.treeprocessors["toc"] if "toc" in md.treeprocessors else None  # noqa: SIM401 - a Registry, no .get
    if toc is None or toc.use_anchors or toc.base_level:
        return None
    link = toc.use_permalinks
    if link in (False, None):
        link = ""
    elif link is not True and _unsafe(link):
        return None
    if _unsafe(toc.permalink_class) or _unsafe(toc.permalink_title or ""):
        return None
    return HeadingStyle(
        escaped=frozenset(md.ESCAPED_CHARS),
        slugify=toc.slugify,
        separator=toc.sep,
        permalink="&para;" if link is True else link,
        permalink_class=toc.permalink_class,
        permalink_title=toc.permalink_title or "",
        permalink_leading=bool(toc.permalink_leading),
        toc_top=toc.toc_top,
        toc_bottom=toc.toc_bottom,
    )


def _unsafe(value) -> bool:
    """Settings written into HTML are taken only when no character needs escaping (the common case)."""
    return not isinstance(value, str) or any(c in value for c in '&<>"')


def page_html(markdown_text: str, style: HeadingStyle) -> PageHtml | None:
    """The HTML Python-Markdown would make of ``markdown_text`` under ``style``, or None if it may differ."""
    blocks, tokens, used = [], [], set()
    for block in markdown_text.split("\n\n"):
        block = block.strip("\n")
        if not block.strip():
            continue
        if _PLACEHOLDER.fullmatch(block):
            blocks.append(f"<p>{block}</p>")
            continue
        m = _HEADING.fullmatch(block)
        inner = _inline(m.group(2), style.escaped) if m else None
        if inner is None:
            return None
        level = len(m.group(1))
        anchor = unique(style.slugify(html.unescape(inner), style.separator), used)
        if style.toc_top <= level <= style.toc_bottom:
            tokens.append({"level": level, "id": anchor, "name": inner, "html": inner, "data-toc-label": ""})
        blocks.append(f'<h{level} id="{_attr(anchor)}">{_with_permalink(inner, anchor, style)}</h{level}>')
    return PageHtml("\n".join(blocks), nest_toc_tokens(tokens), frozenset(used))


def _inline(text: str, escaped: frozenset[str]) -> str | None:
    """A heading's text as Python-Markdown's inline parser writes it, or None if it holds anything that
    parser might read as Markdown (``md_escape`` escapes all of it, and HTML-escapes the rest)."""
    if " ".join(text.split()) != text:
        return None
    out = []
    for m in _TOKEN.finditer(text):
        char, entity, plain = m.groups()
        if entity:
            out.append(entity)  # stashed and written back as it is
        elif char is not None:
            if char in escaped:
                out.append("&gt;" if char == ">" else char)  # the serializer escapes what the escape gave
            elif char in _ACTIVE or not char.strip():
                return None
            else:
                out.append("\\" + char)  # not an escape: both characters stay
        elif plain in _ACTIVE:
            return None
        else:
            out.append(plain)
    return "".join(out)


def _with_permalink(inner: str, anchor: str, style: HeadingStyle) -> str:
    if not style.permalink:
        return inner
    title = f' title="{style.permalink_title}"' if style.permalink_title else ""
    link = f'<a class="{style.permalink_class}" href="#{_attr(anchor)}"{title}>{style.permalink}</a>'
    return link + inner if style.permalink_leading else inner + link


def _attr(value: str) -> str:
    """An attribute value as Python-Markdown's serializer escapes it (an entity's "&" is kept)."""
    value = re.sub(r"&(?!(?:#[0-9]+|#x[0-9a-f]+|[0-9a-z]+);)", "&amp;", value, flags=re.I)
    return value.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
