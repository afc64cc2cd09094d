"""Incremental ``kb build``: reuse the previous site's page when nothing that determined it has changed.

``kb build`` renders into an empty staging folder. For each page, the plugin hashes everything
that determines its HTML except the navigation: the Markdown MkDocs is about to convert (after
``on_page_markdown``, so citations, claims, references and generated lists are in it), the HTML
kept out of Python-Markdown, the front matter, the page's URLs, plus one site key (kb_tools'
code, MkDocs/Material versions, ``mkdocs.yml``, the theme's ``custom_dir`` and the list of files).

Every page shows the navigation (every nav page's title and URL, in order), so pages are reused only
when it is unchanged. That is decided before any page is converted (``Reuse.plan``), from the nav's
structure, the file list and each nav page's title as the KB's pages give it (front matter or first
heading); once the pages are converted, MkDocs' own titles confirm it (``Reuse.confirm_nav``). Should
they not (a title the plan could not foresee), ``NavChanged`` is raised and ``kb build`` builds again
without reuse: slower, never stale.

A page whose hash matches the manifest of the live site, and whose live file is the very one that
manifest describes (size and mtime), is neither converted (``kb_tools.engines.mkdocs.reusablepage``) nor
templated: its file is *linked* (or copied) from the live site into the staging folder (the live site never
changes), and its search entries are put back into the written ``search/search_index.json`` from the manifest,
in page order.

The manifest is written next to the cache as ``site-manifest.json.pending`` and only becomes
``site-manifest.json`` once ``kb build`` has swapped the new site in (``commit``); the old manifest
is removed before the swap, so a build killed in between leads to a full build, never a stale page.
Only builds whose plugins are known (Material's ``search``, ``kb``) and whose Markdown extensions read
no other file (no snippets/includes) are incremental; anything else renders every page.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..store.files import cache_key, digest, write_atomic

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
    search = config.plugins.get("search") or config.plugins.get("material/search")
    if search is not None and not type(search).__module__.startswith("material."):
        return False  # only Material's search index is known to be merged correctly
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


def nav_key(nav, files, title: Callable[[Any], str] = lambda page: str(page.title)) -> str:
    """Every nav item's kind, title and URL (so each page's nav, prev/next and title), and the list of files.

    ``title`` gives a nav page's title: MkDocs' own once pages are converted; before, a stand-in that
    changes whenever the title may (``Reuse.plan``).
    """

    def walk(items) -> list:
        out = []
        for i in items:
            children = walk(getattr(i, "children", None) or [])
            kind = next((k for k in ("page", "section", "link") if getattr(i, f"is_{k}", False)), type(i).__name__)
            out.append((kind, title(i) if kind == "page" else str(i.title), getattr(i, "url", None), children))
        return out

    pages = [(p.file.src_uri, title(p), p.url) for p in nav.pages]
    listing = sorted((f.src_uri, f.dest_uri, f.url) for f in files)
    return digest(json.dumps([walk(nav.items), pages, listing], ensure_ascii=False, default=str))


class NavChanged(Exception):
    """The nav differs from the live site's, though the plan said it would not: build again without reuse."""


@dataclass
class Reuse:
    """One incremental build: what the previous site offers, and what this build records."""

    live_site: Path
    manifest_dir: Path
    key: str = ""
    previous: dict[str, Any] = field(default_factory=dict)  # src_uri -> entry of the live site's manifest
    previous_nav: str = ""
    previous_plan: str = ""
    plan_key: str = ""
    nav: str = ""
    reused: dict[str, dict] = field(default_factory=dict)  # pages whose live file is copied, by src_uri
    hashes: dict[str, str] = field(default_factory=dict)  # this build's page hashes
    record: dict[str, dict] = field(default_factory=dict)  # this build's manifest entries
    written: list[tuple[str, str]] = field(default_factory=list)  # (src_uri, url) of each page, in build order

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
        self.previous_plan = str(data.get("plan", ""))

    def plan(self, nav, files, title: Callable[[Any], str]) -> bool:
        """Before pages are read: whether the nav looks unchanged (``title`` foresees each page's title),
        so that pages may be reused."""
        self.plan_key = nav_key(nav, files, title)
        return self.reusing

    @property
    def reusing(self) -> bool:
        return bool(self.previous) and self.plan_key == self.previous_plan

    def offer(self, src_uri: str, fingerprint: str, dest_uri: str) -> dict | None:
        """The previous entry when this page is reused: the nav is unchanged, the page's hash is the same,
        and the live file is the one the manifest describes. Every page is offered, to be recorded."""
        self.hashes[src_uri] = fingerprint
        entry = self.previous.get(src_uri)
        if not self.reusing or not entry or entry.get("hash") != fingerprint or entry.get("dest") != dest_uri:
            return None
        try:
            st = (self.live_site / dest_uri).stat()
        except OSError:
            return None
        if st.st_size != entry.get("size") or st.st_mtime_ns != entry.get("mtime"):
            return None
        self.reused[src_uri] = entry
        return entry

    def confirm_nav(self, nav_key_now: str) -> None:
        """Once pages are converted: the nav with MkDocs' titles. Raises ``NavChanged`` if pages were reused
        and it differs from the live site's (their copies would show the old nav)."""
        self.nav = nav_key_now
        if self.reused and nav_key_now != self.previous_nav:
            raise NavChanged("a page's title changed in a way the plan did not foresee")

    def page_written(self, src_uri: str, url: str, dest_uri: str, title: str | None) -> None:
        """A page is done (rendered, or left to be copied if reused): record it for the next build."""
        self.written.append((src_uri, url))
        if src_uri in self.reused:
            entry = self.reused[src_uri]
            self.record[src_uri] = {k: entry[k] for k in ("hash", "dest", "title", "search") if k in entry}
        elif src_uri in self.hashes:
            self.record[src_uri] = {"hash": self.hashes[src_uri], "dest": dest_uri, "title": title}

    def finish(self, site_dir: Path) -> None:
        """After the build: copy the reused pages, complete the search index, write the pending manifest."""
        for entry in self.reused.values():
            src, dest = self.live_site / entry["dest"], site_dir / entry["dest"]
            dest.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(src, dest)
        self._merge_search(site_dir / "search" / "search_index.json")
        self._write_pending(site_dir)

    def _merge_search(self, path: Path) -> None:
        """Put the reused pages' entries into the search index where a full build has them (page order),
        and note each page's entries for the next build."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # no search index in this site
        by_url: dict[str, list] = {}
        for doc in data.get("docs", []):
            by_url.setdefault(str(doc.get("location", "")).split("#", 1)[0], []).append(doc)
        docs: list = []
        for src, url in self.written:
            entries = self.reused[src].get("search", []) if src in self.reused else by_url.pop(url, [])
            if src in self.record:
                self.record[src]["search"] = entries
            docs += entries
        docs += [doc for rest in by_url.values() for doc in rest]  # entries of no page written (none, normally)
        if self.reused:  # written as Material's search plugin writes it
            text = json.dumps({**data, "docs": docs}, separators=(",", ":"), default=str)
            path.write_bytes(text.encode("utf-8"))

    def _write_pending(self, site_dir: Path) -> None:
        pages = {}
        for src, entry in self.record.items():
            try:
                st = (site_dir / entry["dest"]).stat()
            except OSError:
                continue  # MkDocs wrote nothing for it (empty output): never reused
            pages[src] = {**entry, "size": st.st_size, "mtime": st.st_mtime_ns}
        self.manifest_dir.mkdir(parents=True, exist_ok=True)
        manifest = {"key": self.key, "nav": self.nav, "plan": self.plan_key, "pages": pages}
        write_atomic(self.pending, json.dumps(manifest, ensure_ascii=False))


def _link_or_copy(src: Path, dest: Path) -> None:
    """A hard link where the file system allows, else a copy (both keep the size and mtime the manifest
    records). A link leaves the live site as it is: nothing writes to a reused page once it is placed (the
    engine rendered nothing for it), and the old site's names for it go when the old site is removed."""
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def open_reuse(live_site: Path, manifest_dir: Path, config) -> Reuse | None:
    """The reuse of ``live_site``'s pages for a build with MkDocs ``config``, or None if the build is not
    one that can be incremental (``supported``)."""
    if not supported(config):
        return None
    reuse = Reuse(live_site, manifest_dir)
    reuse.load(site_key(config))
    return reuse


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
