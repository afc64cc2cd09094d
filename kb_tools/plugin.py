"""The ``kb`` MkDocs plugin: a thin adapter from MkDocs' events to kb_tools' modules.

Under plain ``mkdocs build`` / ``mkdocs serve``:

* ``on_config`` validates the options with ``config.config_from_options`` (the
  same rules as ``kb check``), loads and checks the KB once, styles every
  citation with one pandoc run, and logs findings: errors as MkDocs warnings
  (``path:line: ...``, so ``mkdocs build --strict`` fails on them), warnings
  and findings on draft pages as info (they never fail a build);
* ``on_files`` adds the generated pages (their Markdown is made in ``on_page_markdown``, one page at a
  time, so a KB's thousands of source pages are never all in memory), ``claims.json``,
  ``references.json`` and ``kb_tools/assets/*`` (under ``assets/kb/``);
* each converted page's HTML and Markdown wait on disk (``kb_tools.spool``) from the end of
  ``on_page_content`` until ``on_page_context`` (run first), and are dropped after ``on_post_page``
  (run last): MkDocs converts every page before it templates any;
* ``on_page_markdown`` renders citations, claim anchors, "citation needed"
  marks, the review date and the page's reference list; large HTML fragments
  (citations, generated pages' lists and tables) travel as placeholders that
  ``on_page_content`` replaces, so Python-Markdown never parses them;
* ``on_env`` adds ``kb-light.html``, the template of generated source pages: the theme's
  ``main.html`` without the site nav (rendering it on thousands of source pages was most of
  a large build), and ``on_page_context`` gives it its short sidebar (Home, Sources, the
  pages citing the source);
* the search index is written to ``index_dir`` by a process started at the
  end of ``on_config`` (``kb_tools.index_process``), side by side with MkDocs'
  rendering; ``on_post_build`` waits for it, and a failed or interrupted build
  stops it. ``write_index`` updates the live index when it can and replaces it
  only once the new one is complete. ``mkdocs serve`` skips the index, to keep rebuilds fast.

Under ``kb build`` (``kb_tools.build``), the check has already run and passed:
``kb build`` hands its report to the plugin with ``use_report`` (so the KB is
not loaded twice) together with a staging folder for the index, which
``kb build`` swaps in with the site only when both are complete.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils.meta import get_data

from . import config as kbconfig
from . import incremental, index_process, progress, urls
from .background import Job
from .check import Report
from .errors import KbError
from .evidence import tables_key
from .exports import EXPORTS, write_exports
from .memo import Memo, digest
from .options import NAMES as OPTIONS
from .options import plugin_config_class
from .render import render_page
from .searchpage import search_files
from .sitedata import SiteData, prepare
from .sitepages import generated_page_makers, restore_html, stash_html
from .spool import Spool
from .theme import theme_overrides

log = get_plugin_logger(__name__)
ASSETS = Path(__file__).parent / "assets"
THEME = Path(__file__).parent / "templates" / "theme"  # kb-light.html, the generated source pages' template
LIGHT_TEMPLATE = "kb-light.html"
# a converted page's HTML and Markdown wait in a ``Spool`` from ``on_page_content`` to ``on_page_context``,
# and are dropped once the page is written (``on_post_page``): this is what the page holds meanwhile
SPOOLED = "<!-- kb: this page's HTML and Markdown are on disk until its template is rendered -->"
MARKDOWN = "\0markdown"  # a page's Markdown in the spool: its path and this
KbPluginConfig = plugin_config_class()  # one entry per option of kb_tools.options, the registry


def kb_config(config: MkDocsConfig, options: dict[str, Any]) -> kbconfig.KbConfig:
    """The KB's typed config from MkDocs' config and this plugin's options (as ``kb check`` reads them)."""
    path = Path(config.config_file_path).resolve()
    drafts = config.draft_docs
    data = {
        "docs_dir": config.docs_dir,
        "site_dir": config.site_dir,
        "site_name": config.site_name,
        "draft_docs": "\n".join(p.pattern for p in drafts.patterns if p.pattern) if drafts else "",
    }
    given = {k: options[k] for k in OPTIONS if options.get(k) is not None}
    return kbconfig.config_from_options(path.parent, path, data, given)


def nav_additions(nav: list, conditions=()) -> list:
    """The sections the plugin adds, skipping any page the KB's own nav already lists.

    Source pages stay out of the nav: with thousands of them, every page's nav would be huge.
    """
    listed = set(_nav_paths(nav))
    section = ["conditions/index.md"] + [{html.escape(c.name): urls.condition_path(c.id)} for c in conditions]
    wanted = [
        ("Conditions", section if "conditions/index.md" not in listed else "conditions/index.md"),
        ("Sources", "sources/index.md"),
        ("Evidence overview", "evidence.md"),
        ("Editorial report", "report.md"),
        ("Search", "search.md"),
    ]
    return [{title: item} for title, item in wanted if not (isinstance(item, str) and item in listed)]


def _nav_paths(nav) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [p for v in nav.values() for p in _nav_paths(v)]
    if isinstance(nav, list):
        return [p for item in nav for p in _nav_paths(item)]
    return []


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
    site: SiteData, key: str, path: str, files: Files, use_dir: bool, order: dict[str, int] | None = None
) -> list[tuple[str, str]]:
    """A source page's short sidebar: (label as HTML, page-relative link) for Home, Sources and each citing page.

    A citing page is labelled with its MkDocs title, as the nav shows it (already HTML-escaped: ``escape_meta``
    and the nav the plugin writes escape titles; Material prints them as they are).
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


def escape_meta(page: Page) -> None:
    """Front matter ``title`` and ``description`` as text: MkDocs writes them into the HTML (title, nav,
    meta tags) as they are, so a ``<script>`` in them, or in a condition name, would run on every page."""
    for key in ("title", "description"):
        value = page.meta.get(key)
        if isinstance(value, str):
            page.meta[key] = html.escape(value, quote=True)


class KbPlugin(BasePlugin[KbPluginConfig]):
    """Check the KB once per build and publish it as an evidence site."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.site: SiteData | None = None
        self.command = "build"
        self._report: Report | None = None
        self._index_target: Path | None = None
        self._stash: dict[str, list[str]] = {}  # HTML kept out of Python-Markdown, by page path
        self._reuse_from: tuple[Path, Path] | None = None  # (live site, manifest folder), set by ``kb build``
        self._reuse: incremental.Reuse | None = None
        self._hashes: dict[str, str] = {}
        self._nav: Navigation | None = None
        self._seen = 0  # search entries already recorded
        self._source_keys: dict[str, str] = {}  # generated source page path -> BibTeX key
        self._files: Files | None = None
        self._index_job: Job | None = None
        self._rendered: Memo | None = None  # topic pages' rendered Markdown from the last build
        self._generated: Memo | None = None  # generated source pages and claims' words from the last build
        self._page_order: dict[str, int] = {}  # docs path -> place in the nav
        self._makers: dict[str, Callable[[], str]] = {}  # generated pages not made yet, by path
        self._spool: Spool | None = None  # converted pages' HTML until their templates are rendered
        self._exports: list[str] = []  # export files to write into the site
        self.error: str | None = None  # why the build failed, for ``kb build``'s message (MkDocs says "Aborted")

    def use_report(self, report: Report, index_target: Path | None) -> None:
        """Called by ``kb build``: reuse its check report and write the index to its staging folder."""
        self._report, self._index_target = report, index_target

    def reuse_site(self, live_site: Path, manifest_dir: Path) -> None:
        """Called by ``kb build``: copy unchanged pages from ``live_site`` (see ``kb_tools.incremental``)."""
        self._reuse_from = (live_site, manifest_dir)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        try:
            kb = kb_config(config, dict(self.config))
            self.site = prepare(kb, self._report)
        except KbError as exc:
            raise PluginError(str(exc)) from exc
        self._log_findings(self.site.report)
        self._start_index()
        if config.nav is None:
            config.nav = default_nav(self.site)
        config.nav.extend(nav_additions(config.nav, kb.conditions))
        for asset in sorted(ASSETS.glob("*")):
            if asset.suffix == ".css" and f"assets/kb/{asset.name}" not in config.extra_css:
                config.extra_css.append(f"assets/kb/{asset.name}")
            elif asset.suffix == ".js":
                config.extra_javascript.append(ExtraScriptValue(f"assets/kb/{asset.name}"))
        features = config.theme.get("features")
        if isinstance(features, list) and "content.tooltips" not in features:
            features.append("content.tooltips")  # full references on hover and focus
        self._reuse, self._hashes, self._seen = None, {}, 0
        known_search = "search" not in config.plugins or _search_entries(config) is not None
        if self._reuse_from is not None and self.command == "build" and incremental.supported(config) and known_search:
            self._reuse = incremental.Reuse(*self._reuse_from)
            self._reuse.load(incremental.site_key(config))
        return config

    def _log_findings(self, report: Report) -> None:
        for f in report.findings:
            (log.warning if f.severity == "error" else log.info)(str(f))
        for f in report.draft_findings:
            log.info(f"{f} (draft page: not published)")

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        if self.site is None:
            return files
        use_dir = config.use_directory_urls
        self._close_build()
        self._generated = self.site.memo("generated-pages", use_dir)  # source pages and claims' words
        self._rendered = self.site.memo("topic-pages", use_dir)
        self._spool = Spool(_writable(self.site.config.cache_path))
        self._stash = {}
        self._source_keys = {urls.source_path(k): k for k in self.site.sources}
        self._makers = {}
        # each generated page is made when MkDocs reaches it (``on_page_markdown``), not all at once here
        # generated pages list the pages citing a source in the nav's order
        order = self._page_order = {p: n for n, p in enumerate(dict.fromkeys(_nav_paths(config.nav or [])))}
        for path, make in generated_page_makers(self.site, use_dir, self._generated, order).items():
            if self._add(files, File.generated(config, path, content="")):
                self._makers[path] = make
        # the search page is its own HTML and script: its Markdown is left as it is; search-data.json beside it
        for path, content in search_files(self.site, use_dir).items():
            self._add(files, File.generated(config, path, content=content))
        self._exports = []  # written in ``on_post_build``; a docs/ file of the same name wins, as for pages
        for path in EXPORTS:
            if files.get_file_from_path(path) is not None:
                log.info(f"docs/{path} exists, so kb does not generate it")
            else:
                self._exports.append(path)
        for asset in sorted(ASSETS.glob("*")):
            if asset.is_file():
                self._add(files, File.generated(config, f"assets/kb/{asset.name}", abs_src_path=str(asset)))
        progress.stage("converting pages", len(files.documentation_pages()))
        return files

    @staticmethod
    def _add(files: Files, new: File) -> bool:
        if files.get_file_from_path(new.src_uri) is not None:
            log.info(f"docs/{new.src_uri} exists, so kb does not generate it")
            return False
        files.append(new)
        return True

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        if self.site is None:
            escape_meta(page)
            return markdown
        src = page.file.src_uri
        make = self._makers.pop(src, None)
        if make is not None:  # a generated page: its front matter goes where MkDocs would have put it
            markdown, page.meta = get_data(make())
            markdown = stash_html(markdown, self._stash.setdefault(src, []))
        escape_meta(page)
        if src in self.site.pages:
            text, use_dir = page.file.content_string, config.use_directory_urls

            def render(source: str = markdown) -> tuple[str, list[str]]:
                stash: list[str] = []
                return render_page(self.site, src, text, source, use_dir, stash), stash

            if self._rendered is None:
                markdown, stash = render()
            else:  # a page's rendering depends on its own text, its evidence tables' records and the memo's context
                key = (src, digest(text), digest(markdown), tables_key(self.site, text))
                markdown, stash = self._rendered.get(key, render)
            self._stash[src] = list(stash)
        if self._reuse is not None:
            self._offer(page, markdown)
        return markdown

    def _offer(self, page: Page, markdown: str) -> None:
        """Hash what determines the page; if the live site has it, skip converting it (decided in ``on_env``)."""
        src = page.file.src_uri
        digest = self._hashes[src] = incremental.page_hash(self._reuse.key, page, markdown, self._stash.get(src))
        entry = self._reuse.offer(src, digest, page.file.dest_uri)
        if entry is None:
            return

        def render(config: MkDocsConfig, files: Files) -> None:
            page.content, page.toc = "", get_toc([])
            page._title_from_render = entry.get("title")
            page.present_anchor_ids = None

        page.render = render  # type: ignore[method-assign]

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation | None:
        self._nav = nav
        return nav

    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files):
        self._files = files
        skip = jinja2.DictLoader({incremental.SKIP_TEMPLATE: ""})
        env.loader = jinja2.ChoiceLoader([skip, env.loader, jinja2.FileSystemLoader(str(THEME))])
        env.loader = theme_overrides(env.loader)  # the header's search box finds claims
        reuse = self._reuse
        if reuse is None or self._nav is None:
            progress.stage("writing pages", len(files.documentation_pages()))
            return env
        reuse.nav = incremental.nav_key(self._nav, files)
        for src in reuse.candidates:
            page = files.get_file_from_path(src).page
            if reuse.nav != reuse.previous_nav:  # a title or the nav changed: every page shows it
                del page.render  # the class's own render again
                page.render(config, files)
                page.content = config.plugins.on_page_content(page.content, page=page, config=config, files=files)
            else:
                page.meta["template"] = incremental.SKIP_TEMPLATE
                page.meta["search"] = {"exclude": True}  # its entries are replayed from the manifest
                reuse.reused[src] = reuse.candidates[src]
        changed = " (the nav changed: every page is rendered)" if reuse.nav != reuse.previous_nav else ""
        progress.stage("writing pages", len(files.documentation_pages()))
        log.info(f"{len(reuse.reused)} unchanged pages copied from the previous site{changed}")
        return env

    def _record(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        reuse = self._reuse
        if reuse is None:
            return output
        src = page.file.src_uri
        entries = _search_entries(config)
        if src in reuse.reused:
            entry = reuse.reused[src]
            if entries is not None:
                entries.extend(entry.get("search", []))
            reuse.record[src] = {k: entry[k] for k in ("hash", "dest", "title", "search") if k in entry}
        elif src in self._hashes:
            new = entries[self._seen :] if entries is not None else []
            reuse.record[src] = {"hash": self._hashes[src], "dest": page.file.dest_uri, "title": page.title}
            reuse.record[src]["search"] = new
        self._seen = len(entries) if entries is not None else 0
        return output

    def _restore(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        src = page.file.src_uri
        if self._reuse is not None and src in self._reuse.candidates:
            stash = self._stash.get(src)  # ``on_env`` may still render it, if the nav changed
        else:
            stash = self._stash.pop(src, None)  # in the page's HTML from now on: not kept twice
        return restore_html(html, stash) if stash else html

    @event_priority(-100)  # last, after every other plugin has seen the HTML
    def _spool_out(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        progress.advance()  # a page converted
        if self._spool is None or not html:
            return html
        src = page.file.src_uri
        self._spool.put(src, html)
        if page.markdown:  # the Markdown it was converted from (itself as large), back with the HTML
            self._spool.put(src + MARKDOWN, page.markdown)
            page.markdown = SPOOLED
        return SPOOLED

    on_page_content = CombinedEvent(_restore, _spool_out)

    @event_priority(100)  # first, so the search plugins and the template see the HTML
    def _spool_in(self, context, /, *, page: Page, config: MkDocsConfig, nav: Navigation):
        src = page.file.src_uri
        if self._spool is not None and src in self._spool:
            page.content = self._spool.take(src)
            if src + MARKDOWN in self._spool:
                page.markdown = self._spool.take(src + MARKDOWN)
        return context

    def _light_sidebar(self, context, /, *, page: Page, config: MkDocsConfig, nav: Navigation):
        """Generated source pages (template ``kb-light.html``) get their short sidebar's links."""
        key, path = self._source_keys.get(page.file.src_uri), page.file.src_uri
        if key is None or self.site is None or self._files is None or page.meta.get("template") != LIGHT_TEMPLATE:
            return context
        context["kb_light_links"] = light_links(
            self.site, key, path, self._files, config.use_directory_urls, self._page_order
        )
        return context

    on_page_context = CombinedEvent(_spool_in, _light_sidebar)

    @event_priority(-100)  # last: the page is written, so its HTML need not stay in memory
    def _drop_content(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        progress.advance()  # a page written
        if self._spool is not None and page.content:
            page.content = page.markdown = SPOOLED
        return output

    on_post_page = CombinedEvent(_record, _drop_content)

    def _start_index(self) -> None:
        """Write the search index in a child process while MkDocs renders the pages (``mkdocs serve`` skips it)."""
        self._cancel_index()
        if self.site is None or (self.command == "serve" and self._index_target is None):
            return
        site = self.site
        live = site.config.index_path
        # under ``kb build`` the target is an empty staging folder, where a copy of the live index is updated
        target = self._index_target or live
        self._index_job = index_process.start(site.config, site.report, site.styled, target, live)

    def _cancel_index(self) -> None:
        job, self._index_job = self._index_job, None
        if job is not None:
            job.cancel()

    def _close_build(self, save: bool = False) -> None:
        """Keep (``save``) or drop this build's memos, and free its page spool."""
        for memo in (self._generated, self._rendered):
            if memo is not None:
                memo.save() if save else memo.discard()
        if self._spool is not None:
            self._spool.close()
        self._generated = self._rendered = self._spool = None
        self._makers = {}

    def on_serve(self, server, /, *, config: MkDocsConfig, builder: Callable) -> Any:
        """Live preview: rebuild when a bibliography (or another input outside docs/) changes."""
        if self.site is not None:
            for path in kbconfig.watched_paths(self.site.config):
                server.watch(str(path))
        return server

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        self._close_build(save=True)
        progress.stage("writing claims.json, references.json and unchanged pages")
        if self.site is not None and self._exports:
            write_exports(self.site, Path(config.site_dir), config.use_directory_urls, self._exports)
        if self._reuse is not None:
            self._reuse.copy_reused(Path(config.site_dir))
            self._reuse.write_pending(Path(config.site_dir))
        job, self._index_job = self._index_job, None
        if job is None:
            return
        try:
            job.wait(progress.counted("indexing claims (begun beside the rendering)"))
        except KbError as exc:
            self.error = f"search index: {exc}"
            raise PluginError(self.error) from exc

    def on_build_error(self, *, error: Exception) -> None:
        self._cancel_index()
        self._close_build()

    def on_shutdown(self) -> None:
        self._cancel_index()
        self._close_build()


def _writable(folder: Path) -> Path | None:
    """``folder``, created if need be, or None (the system's temporary folder) when it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def _search_entries(config: MkDocsConfig) -> list | None:
    """Material's search index entries (a list it appends each page's sections to), if that is the search plugin."""
    plugin = config.plugins.get("search") or config.plugins.get("material/search")
    entries = getattr(getattr(plugin, "search_index", None), "entries", None)
    return entries if isinstance(entries, list) else None
