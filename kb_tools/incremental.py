"""Incremental ``kb build``: reuse the previous site's page when nothing that determined it has changed.

``kb build`` renders into an empty staging folder. For each page, the plugin hashes everything
that determines its HTML except the navigation: the Markdown MkDocs is about to convert (after
``on_page_markdown``, so citations, claims, references and generated lists are in it), the HTML
kept out of Python-Markdown, the front matter, the page's URLs, plus one site key (kb_tools'
code, MkDocs/Material versions, ``mkdocs.yml``, the theme's ``custom_dir`` and the list of files).
The navigation (every page's title and URL, in order) is checked once every page is read; if it
changed, every page is rendered. A page whose hash matches the manifest of the live site, and
whose live file is the very one that manifest describes (size and mtime), is not converted nor
templated: its file is *copied* from the live site into the staging folder (the live site never
changes), and its search entries are replayed from the manifest.

The manifest is written next to the cache as ``site-manifest.json.pending`` and only becomes
``site-manifest.json`` once ``kb build`` has swapped the new site in (``commit``); the old manifest
is removed before the swap, so a build killed in between leads to a full build, never a stale page.
Only builds whose plugins are known (``search``, ``kb``) and whose Markdown extensions read no other
file (no snippets/includes) are incremental; anything else renders every page.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .storage import cache_key, digest, write_atomic

MANIFEST = "site-manifest.json"
SKIP_TEMPLATE = "kb-reused-page.html"  # renders nothing: the page's file is copied from the live site
SAFE_PLUGINS = {"search", "material/search", "kb"}
UNSAFE_EXTENSIONS = ("snippets", "include")  # Markdown extensions that read other files into a page


def _tree_key(folder: str | None) -> str:
    if not folder or not os.path.isdir(folder):
        return ""
    out = []
    for root, _dirs, names in os.walk(folder):
        for n in sorted(names):
            st = os.stat(os.path.join(root, n))
            out.append((os.path.relpath(os.path.join(root, n), folder), st.st_size, st.st_mtime_ns))
    return digest(sorted(out))


def supported(config) -> bool:
    """Whether every part of this build is known to depend only on what the page hash covers."""
    plugins = set(config.plugins.keys())
    if not plugins <= SAFE_PLUGINS or config.hooks:
        return False
    return not any(u in str(ext).lower() for ext in config.markdown_extensions for u in UNSAFE_EXTENSIONS)


def site_key(config) -> str:
    config_file = Path(config.config_file_path)
    extensions = json.dumps(
        [config.markdown_extensions, config.mdx_configs], sort_keys=True, default=str, ensure_ascii=False
    )
    return cache_key(  # with kb_tools' code and the versions of MkDocs, ProperDocs, Material, Markdown, Jinja2 ...
        type(config).__module__.split(".", 1)[0],  # the engine: mkdocs, or properdocs under kb build --engine
        config_file.read_bytes() if config_file.is_file() else b"",
        extensions,
        config.use_directory_urls,
        _tree_key(config.theme.custom_dir),
    )


def page_hash(key: str, page, markdown: str, stash: list[str] | None) -> str:
    meta = json.dumps(page.meta, sort_keys=True, default=str, ensure_ascii=False)
    return digest(key, page.file.src_uri, page.file.dest_uri, page.file.url, meta, markdown, json.dumps(stash or []))


def nav_key(nav, files) -> str:
    """Every nav item's kind, title and URL (so each page's nav, prev/next and title), and the list of files."""

    def walk(items) -> list:
        out = []
        for i in items:
            children = walk(getattr(i, "children", None) or [])
            out.append((type(i).__name__, str(i.title), getattr(i, "url", None), children))
        return out

    pages = [(p.file.src_uri, str(p.title), p.url) for p in nav.pages]
    listing = sorted((f.src_uri, f.dest_uri, f.url) for f in files)
    return digest(json.dumps([walk(nav.items), pages, listing], ensure_ascii=False, default=str))


@dataclass
class Reuse:
    """One incremental build: what the previous site offers, and what this build records."""

    live_site: Path
    manifest_dir: Path
    key: str = ""
    previous: dict[str, Any] = field(default_factory=dict)  # src_uri -> entry of the live site's manifest
    previous_nav: str = ""
    candidates: dict[str, dict] = field(default_factory=dict)  # pages that may be reused, by src_uri
    reused: dict[str, dict] = field(default_factory=dict)  # pages decided reused (nav unchanged)
    record: dict[str, dict] = field(default_factory=dict)  # this build's manifest entries
    nav: str = ""

    @property
    def path(self) -> Path:
        return self.manifest_dir / MANIFEST

    @property
    def pending(self) -> Path:
        return self.manifest_dir / (MANIFEST + ".pending")

    def load(self, key: str) -> None:
        self.key = key
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("pages"), dict):
            return
        self.previous, self.previous_nav = data["pages"], str(data.get("nav", ""))

    def offer(self, src_uri: str, fingerprint: str, dest_uri: str) -> dict | None:
        """The previous entry when this page may be reused: same hash, and the live file is the one it describes."""
        entry = self.previous.get(src_uri)
        if not entry or entry.get("hash") != fingerprint or entry.get("dest") != dest_uri:
            return None
        try:
            st = (self.live_site / dest_uri).stat()
        except OSError:
            return None
        if st.st_size != entry.get("size") or st.st_mtime_ns != entry.get("mtime"):
            return None
        self.candidates[src_uri] = entry
        return entry

    def copy_reused(self, site_dir: Path) -> None:
        for entry in self.reused.values():
            src, dest = self.live_site / entry["dest"], site_dir / entry["dest"]
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)  # a copy, never a link: the live site must not change

    def write_pending(self, site_dir: Path) -> None:
        pages = {}
        for src, entry in self.record.items():
            try:
                st = (site_dir / entry["dest"]).stat()
            except OSError:
                continue  # MkDocs wrote nothing for it (empty output): never reused
            pages[src] = {**entry, "size": st.st_size, "mtime": st.st_mtime_ns}
        self.manifest_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self.pending, json.dumps({"key": self.key, "nav": self.nav, "pages": pages}, ensure_ascii=False))


def before_swap(manifest_dir: Path) -> None:
    """The live site is about to change, so its manifest no longer describes it."""
    with _quiet():
        (manifest_dir / MANIFEST).unlink()


def commit(manifest_dir: Path) -> None:
    """After the swap: the new site's manifest describes the live site now."""
    with _quiet():
        (manifest_dir / (MANIFEST + ".pending")).replace(manifest_dir / MANIFEST)


class _quiet:
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return exc[0] is not None and issubclass(exc[0], OSError)
