"""One MkDocs build of the site (stage 5 of ``kb_tools.pipeline``): the pages kb adds, each page's way
through MkDocs, and the pages reused from the live site.

``kb_tools.engines.mkdocs.plugin`` turns each MkDocs event into one call here. A ``SiteBuild`` lives from ``on_config``
to ``on_post_build`` and touches MkDocs' objects only through their public parts: files, the nav,
a page's ``meta``, ``markdown`` and ``content``, and pages of its own (``reusablepage``).

* Generated pages (sources, conditions, evidence, report, search) are added as empty files and made
  when MkDocs reaches them, so a KB's thousands of source pages are never all in memory.
* A page's Markdown is made by the pipeline (``Stages.page_markdown`` for topic pages, the generated
  pages' makers for the rest); large HTML fragments travel as placeholders (``pagestore``).
* A generated page's HTML is made by kb (``site.pagehtml``: its headings as the site's ``toc`` extension
  writes them) when kb can make it exactly: MkDocs then converts an empty page, and ``on_page_content``
  gets the HTML, ``page.toc`` and the page's anchor ids instead. Otherwise (also when another plugin or a
  hook sees pages' Markdown after kb) Python-Markdown converts it.
* A converted page's HTML and Markdown wait on disk from the end of ``on_page_content`` until
  ``on_page_context`` (``pagestore``), and are dropped once the page is written.
* Under ``kb build``, a page whose inputs and nav are unchanged is not converted (``reusablepage``), its
  template renders nothing, and its file is copied from the live site (``incremental``).
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.structure.files import File, InclusionLevel
from mkdocs.structure.toc import get_toc
from mkdocs.utils.meta import get_data

from ...core import urls
from ...load.pages import changed_during_build
from ...site import incremental, navigation, pagehtml
from ...site.data import SiteData
from ...site.exports import EXPORTS
from ...site.searchpage import search_files
from ...site.theme import ASSETS, THEME, theme_overrides
from ...store import progress
from ...store.background import Job
from ...store.memo import Memo
from ..stages import Stages
from .pagestore import SPOOLED, PageStore
from .reusablepage import ReusablePage, give_pages

LIGHT_TEMPLATE = "kb-light.html"


def add_assets(config) -> None:
    """kb's stylesheets and scripts (served under ``assets/kb/``), and Material's tooltips for references."""
    for asset in sorted(ASSETS.glob("*")):
        if asset.suffix == ".css" and f"assets/kb/{asset.name}" not in config.extra_css:
            config.extra_css.append(f"assets/kb/{asset.name}")
        elif asset.suffix == ".js":
            config.extra_javascript.append(ExtraScriptValue(f"assets/kb/{asset.name}"))
    features = config.theme.get("features")
    if isinstance(features, list) and "content.tooltips" not in features:
        features.append("content.tooltips")  # full references on hover and focus


def template_loader(theme_loader: jinja2.BaseLoader) -> jinja2.BaseLoader:
    """The theme's templates, ``kb-light.html`` (the generated source pages' template), the empty template of
    reused pages, and kb's overrides of the theme's (``kb_tools.site.theme``: the header's search box)."""
    skip = jinja2.DictLoader({incremental.SKIP_TEMPLATE: ""})
    return theme_overrides(jinja2.ChoiceLoader([skip, theme_loader, jinja2.FileSystemLoader(str(THEME))]))


def last_on_markdown(plugins, plugin) -> bool:
    """Whether no plugin or hook sees a page's Markdown after ``plugin``: only then may kb write the generated
    pages' HTML itself (a later one would see, and could change, an empty page)."""
    events = plugins.events.get("page_markdown", [])
    mine = [n for n, event in enumerate(events) if getattr(event, "__self__", None) is plugin]
    return bool(mine) and mine[-1] == len(events) - 1


class SiteBuild:
    """The state of one MkDocs build of the site: its pages' makers, memos and store, and the reuse."""

    def __init__(
        self, stages: Stages, site: SiteData, index: Job | None, reuse: incremental.Reuse | None = None
    ) -> None:
        self.stages, self.site, self.index, self.reuse = stages, site, index, reuse
        self.source_keys = {urls.source_path(k): k for k in site.sources}  # generated source page -> key
        self.store: PageStore | None = None
        self.memos: dict[str, Memo] = {}  # "generated-pages", "topic-pages": what the last build made
        self.makers: dict = {}  # generated pages not made yet, by path
        self.order: dict[str, int] = {}  # docs path -> place in the nav
        self.exports: list[str] = []  # export files to write into the site
        self.nav = self.files = None  # MkDocs' nav and files, once made
        self.headings: pagehtml.HeadingStyle | None = None  # None: Python-Markdown converts generated pages
        self.made: dict[str, tuple[pagehtml.PageHtml, str]] = {}  # generated pages' HTML made by kb, Markdown

    def add_files(self, files, config, log, own_html: bool = True) -> None:
        """Add the generated pages (empty: made in ``page_markdown``), the search page and kb's assets;
        a docs/ file of the same name wins. ``own_html``: kb may write the generated pages' HTML."""
        use_dir = config.use_directory_urls
        self.close()
        self.memos = {name: self.site.memo(name, use_dir) for name in ("generated-pages", "topic-pages")}
        self.store = PageStore(self.site.config.cache_path)
        self.order = navigation.page_order(config.nav)
        self.headings = pagehtml.heading_style(config.markdown_extensions, config.mdx_configs) if own_html else None
        makers = self.stages.generated_pages(self.site, use_dir, self.memos["generated-pages"], self.order)
        self.makers = {p: make for p, make in makers.items() if _add(files, self._generated(config, p), log)}
        for path, content in search_files(self.site, use_dir).items():  # the search page and its data
            _add(files, File.generated(config, path, content=content), log)
        self.exports = [p for p in EXPORTS if files.get_file_from_path(p) is None]
        for path in sorted(set(EXPORTS) - set(self.exports)):
            log.info(f"docs/{path} exists, so kb does not generate it")
        for asset in sorted(ASSETS.glob("*")):
            if asset.is_file():
                _add(files, File.generated(config, f"assets/kb/{asset.name}", abs_src_path=str(asset)), log)
        if self.reuse is not None and self.reuse.previous:  # pages may be reused: MkDocs need not convert them
            give_pages(files, config)
        progress.stage("converting pages", len(files.documentation_pages()))

    def _generated(self, config, path: str) -> File:
        """An empty generated page; source pages are marked as kept out of the nav on purpose (they have a
        short sidebar of their own), so MkDocs does not list every one of them as missing from it."""
        outside = InclusionLevel.NOT_IN_NAV if path in self.source_keys else InclusionLevel.UNDEFINED
        return File.generated(config, path, content="", inclusion=outside)

    def plan(self, nav, files) -> None:
        """Before any page is read: whether pages may be reused, from the nav as it will look."""
        self.nav, self.files = nav, files
        if self.reuse is not None:
            self.reuse.plan(nav, files, self._foreseen_title)

    def _foreseen_title(self, page) -> str:
        """A stand-in for a nav page's title that changes whenever MkDocs' title may: the nav's own title,
        else the KB page's title (front matter or first heading); generated pages' come from kb's templates."""
        if page.title is not None:  # given in the nav (MkDocs has read no page yet)
            return str(page.title)
        known = self.site.pages.get(page.file.src_uri)
        return f"\0page:{known.title}" if known is not None else f"\0file:{page.file.src_uri}"

    def page_markdown(self, markdown: str, page, use_dir: bool) -> str:
        """The Markdown MkDocs converts for ``page`` (near empty for a page reused from the live site)."""
        src = page.file.src_uri
        make = self.makers.pop(src, None)
        if make is not None:  # a generated page: its front matter goes where MkDocs would have put it
            markdown, page.meta = get_data(make())
            markdown = self.store.stash_blocks(src, markdown)
        navigation.escape_meta(page.meta)
        if src in self.site.pages:
            text, memo = page.file.content_string, self.memos.get("topic-pages")
            changed = changed_during_build(self.site.config, self.site.pages[src], text)
            if changed is not None:  # its HTML would pair this text with the check's claims (and be kept)
                raise changed
            markdown, stash = self.stages.page_markdown(self.site, memo, src, text, markdown, use_dir)
            self.store.keep(src, stash)
        markdown = markdown if self.reuse is None else self._offer(page, markdown)
        if make is not None and markdown and self.headings is not None and "title" in page.meta:
            made = pagehtml.page_html(markdown, self.headings)
            if made is not None:  # kb made its HTML: MkDocs converts an empty page, ``restore`` puts it in
                self.made[src] = (made, markdown)
                return ""
        return markdown

    def _offer(self, page, markdown: str) -> str:
        """Hash what determines the page; if the live site has it, MkDocs converts and templates nothing."""
        src = page.file.src_uri
        fingerprint = incremental.page_hash(self.reuse.key, page, markdown, self.store.stash(src))
        entry = self.reuse.offer(src, fingerprint, page.file.dest_uri)
        if entry is None:
            return markdown
        if isinstance(page, ReusablePage):
            page.reused = True  # not converted (``reusablepage``)
        if entry.get("title"):
            page.meta["title"] = entry["title"]  # the title its Markdown gave it: the nav shows it
        page.meta["template"] = incremental.SKIP_TEMPLATE  # its file is copied from the live site
        page.meta["search"] = {"exclude": True}  # its search entries come from the manifest
        return ""

    def restore(self, html: str, page) -> str:
        """A converted page's HTML with the fragments kept out of Python-Markdown back in place; for a
        generated page kb made (``page_markdown``), its HTML, table of contents and ids as MkDocs would have
        set them from its Markdown (which the page gets back, as other plugins expect)."""
        src = page.file.src_uri
        made = self.made.pop(src, None)
        if made is not None:
            made, page.markdown = made
            html, page.toc, page.present_anchor_ids = made.html, get_toc(made.toc_tokens), set(made.ids)
        return self.store.restore(src, html)

    def park(self, html: str, page) -> str:
        """Move the converted page to disk until its template is rendered; the page holds ``SPOOLED``."""
        progress.advance()  # a page converted
        if not self.store.park(page.file.src_uri, html, page.markdown):
            return html
        if page.markdown:
            page.markdown = SPOOLED
        return SPOOLED

    def confirm_nav(self, files, log) -> None:
        """Every page is converted: check the nav's titles against the plan (see ``incremental``)."""
        progress.stage("writing pages", len(files.documentation_pages()))
        if self.reuse is not None and self.nav is not None:
            self.reuse.confirm_nav(incremental.nav_key(self.nav, files))
            log.info(f"{len(self.reuse.reused)} unchanged pages copied from the previous site")

    def unpark(self, page) -> None:
        """The page's HTML and Markdown back, for the theme and the other plugins."""
        parked = self.store.unpark(page.file.src_uri) if self.store is not None else None
        if parked is not None:
            page.content, markdown = parked
            if markdown is not None:
                page.markdown = markdown

    def light_links(self, page, use_dir: bool) -> list[tuple[str, str]] | None:
        """A generated source page's short sidebar (template ``kb-light.html``), or None for other pages."""
        key, path = self.source_keys.get(page.file.src_uri), page.file.src_uri
        if key is None or self.files is None or page.meta.get("template") != LIGHT_TEMPLATE:
            return None
        return navigation.light_links(self.site, key, path, self.files, use_dir, self.order)

    def written(self, page) -> None:
        """The page is written: note it for the next incremental build, and drop its HTML from memory."""
        progress.advance()
        if self.reuse is not None:
            self.reuse.page_written(page.file.src_uri, page.url, page.file.dest_uri, page.title)
        if self.store is not None and page.content:
            page.content = page.markdown = SPOOLED

    def finish(self, site_dir: Path, use_dir: bool) -> None:
        """After MkDocs: keep the memos, then the end of the pipeline (exports, reused pages, index)."""
        self.close(save=True)
        index, self.index = self.index, None
        self.stages.finish_site(self.site, site_dir, use_dir, self.exports, self.reuse, index)

    def close(self, save: bool = False) -> None:
        """Keep (``save``) or drop this build's memos, and free its page store."""
        for memo in self.memos.values():
            memo.save() if save else memo.discard()
        if self.store is not None:
            self.store.close()
        self.memos, self.store, self.makers, self.made = {}, None, {}, {}

    def cancel(self) -> None:
        """A failed or interrupted build: stop the index writer and drop what this build made."""
        index, self.index = self.index, None
        if index is not None:
            index.cancel()
        self.close()


def _add(files, new: File, log) -> bool:
    if files.get_file_from_path(new.src_uri) is not None:
        log.info(f"docs/{new.src_uri} exists, so kb does not generate it")
        return False
    files.append(new)
    return True
