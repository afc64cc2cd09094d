"""Where things live in the built site: one place, so pages, exports and the index agree."""

from __future__ import annotations

from posixpath import dirname, relpath
from urllib.parse import quote


def page_url(path: str, use_directory_urls: bool = True) -> str:
    """The site-relative URL of a docs-relative Markdown path, percent-encoded as MkDocs encodes its pages' URLs.

    Encoded, a folder named ``javascript:...`` is a relative path, never a URL scheme, and a page named
    ``hash#frag.md`` or ``q?x=1.md`` is reached by its link (``#`` and ``?`` are part of its path)."""
    stem = path[:-3] if path.endswith(".md") else path
    if not use_directory_urls:
        return quote(stem + ".html")
    if stem == "index" or stem.endswith("/index"):
        return quote(stem[: -len("index")])
    return quote(stem + "/")


def claim_url(page_path: str, claim_id: str, use_directory_urls: bool = True) -> str:
    return f"{page_url(page_path, use_directory_urls)}#{claim_id}"


def source_path(key: str) -> str:
    """Docs-relative path of a source's generated page; keys may hold ``/`` or ``:``, so they are encoded."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else f"~{ord(ch):x}" for ch in key)
    return f"sources/{safe}.md"


def condition_path(condition_id: str) -> str:
    return f"conditions/{condition_id}.md"


# ``use_directory_urls`` for an engine that resolves links itself (Zensical): a link from one Markdown
# file to another (``../sources/key.md``), which the engine turns into the page's URL, as for Markdown links
SOURCE_LINKS = None


def relative(from_page: str, to_page: str, use_directory_urls: bool | None = True) -> str:
    """A link from one page to another that works on any host and under any base path."""
    if use_directory_urls is SOURCE_LINKS:
        return relpath(to_page, dirname(from_page) or ".")
    src = page_url(from_page, use_directory_urls)
    dst = page_url(to_page, use_directory_urls)
    base = src if src.endswith("/") or src == "" else dirname(src)
    rel = relpath(dst or ".", base.rstrip("/") or ".")
    if (dst == "" or dst.endswith("/")) and not rel.endswith("/"):
        rel += "/"
    return "./" if rel in (".", "./") else rel
