"""The ``kb`` MkDocs plugin: translates MkDocs' events into calls of ``kb_tools.pipeline`` and nothing else.

``kb_tools.pipeline`` lists the stages and the modules that do them; one build's state is a
``sitebuild.SiteBuild``. ``on_config`` opens the site (``pipeline.open_site``: the KB loaded and checked
unless ``kb build`` did, every citation formatted with one pandoc run, the search index begun beside
the rendering, except under ``mkdocs serve``) and logs the findings: errors as MkDocs warnings
(``path:line: ...``), warnings and draft pages' findings as info. On errors ``mkdocs build`` stops
there with a ``PluginError`` listing them, whatever its flags (``-q`` drops warnings); ``mkdocs serve``
goes on. ``on_files`` adds the generated pages, ``on_nav`` plans the reuse of unchanged pages,
``on_page_markdown`` gives each page its Markdown, ``on_page_content`` and ``on_page_context`` keep
its HTML on disk in between, ``on_env`` adds kb's templates, ``on_post_page`` notes the written page
and ``on_post_build`` ends the pipeline (exports, reused pages, the index awaited).

Under ``kb build`` the check has already run and passed: ``kb build`` hands its report, the index's
staging folder and the live site to reuse from to the plugin (``hand_over``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from ...check.report import draft_line, refusal
from ...config import kbconfig
from ...config.options import NAMES as OPTIONS
from ...config.options import plugin_config_class
from ...core.errors import KbError
from ...load import docsfiles
from ...site import incremental, navigation
from ..stages import Handoff, Stages
from .sitebuild import SiteBuild, add_assets, last_on_markdown, template_loader

log = get_plugin_logger(__name__)
KbPluginConfig = plugin_config_class()  # one entry per option of kb_tools.config.options, the registry


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


class KbPlugin(BasePlugin[KbPluginConfig]):
    """Check the KB once per build and publish it as an evidence site.

    ``mkdocs build`` (any flags) fails when the check has errors, as ``kb build`` does (``--strict`` keeps
    MkDocs' own meaning; kb's warnings are logged as info and stop neither). ``mkdocs serve`` never stops on
    errors: it logs them as warnings, and the preview marks each uncited claim "citation needed" and lists
    every finding on the Editorial report page.
    """

    supports_multiple_instances = False
    stages: Stages  # the pipeline's, given by the entry point ``kb_tools.plugin``

    def __init__(self) -> None:
        self.command = "build"
        self.handoff: Handoff | None = None  # from ``kb build``
        self.build: SiteBuild | None = None  # this build's state
        self.error: str | None = None  # why the build failed, for ``kb build``'s message (MkDocs says "Aborted")

    def hand_over(self, handoff: Handoff) -> None:
        """Called by ``kb build``: its check report, the index's staging folder, the live site to reuse."""
        self.handoff = handoff

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.error = None  # MkDocs may keep the plugin from one build to the next: a new build, no error yet
        if self.build is not None:
            self.build.cancel()  # ``mkdocs serve`` keeps the plugin from one build to the next
            self.build = None
        if not self.config.enabled:
            return config
        try:
            kb = kb_config(config, dict(self.config))
            report = self.handoff.report if self.handoff is not None else self.stages.check_kb(kb)
            if self.handoff is None and self.command == "build" and report.failed():
                self.error = refusal(report)
                raise PluginError(self.error)  # whatever the flags: -q drops MkDocs' warnings, not this error
            index_dir = self.handoff.index_dir if self.handoff is not None else None
            site, index = self.stages.open_site(kb, report, index_dir, serving=self.command == "serve")
        except KbError as exc:
            raise PluginError(str(exc)) from exc
        for f in site.report.findings:
            (log.warning if f.severity == "error" else log.info)(str(f))
        for f in site.report.draft_findings:
            log.info(draft_line(f))
        reuse_from = self.handoff.reuse_from if self.handoff is not None and self.command == "build" else None
        reuse = incremental.open_reuse(*reuse_from, config) if reuse_from is not None else None
        self.build = SiteBuild(self.stages, site, index, reuse)
        config.nav = navigation.site_nav(config.nav, site)
        add_assets(config)
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        root, docs = Path(config.config_file_path or ".").parent, Path(config.docs_dir)
        for file in [f for f in files if docsfiles.linked_out(f.abs_src_path, root, docs)]:
            files.remove(file)  # a link out of the KB: never published (``kb check`` reports it)
        if self.build is not None:
            self.build.add_files(files, config, log, own_html=last_on_markdown(config.plugins, self))
        return files

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation | None:
        if self.build is not None:
            self.build.plan(nav, files)
        return nav

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        if self.build is None:
            navigation.escape_meta(page.meta)
            return markdown
        return self.build.page_markdown(markdown, page, config.use_directory_urls)

    def _restore(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        return self.build.restore(html, page) if self.build is not None else html

    @event_priority(-100)  # last, after every other plugin has seen the HTML
    def _park(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        return self.build.park(html, page) if self.build is not None else html

    on_page_content = CombinedEvent(_restore, _park)

    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files):
        env.loader = template_loader(env.loader)
        if self.build is not None:
            self.build.confirm_nav(files, log)
        return env

    @event_priority(100)  # first, so the search plugins and the template see the HTML
    def _unpark(self, context, /, *, page: Page, config: MkDocsConfig, nav: Navigation):
        if self.build is not None:
            self.build.unpark(page)
        return context

    def _light_sidebar(self, context, /, *, page: Page, config: MkDocsConfig, nav: Navigation):
        links = self.build.light_links(page, config.use_directory_urls) if self.build is not None else None
        if links is not None:
            context["kb_light_links"] = links
        return context

    on_page_context = CombinedEvent(_unpark, _light_sidebar)

    @event_priority(-100)  # last: the page is written, so its HTML need not stay in memory
    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        if self.build is not None:
            self.build.written(page)
        return output

    def on_serve(self, server, /, *, config: MkDocsConfig, builder: Callable) -> Any:
        """Live preview: rebuild when a bibliography (or another input outside docs/) changes."""
        if self.build is not None:
            for path in kbconfig.watched_paths(self.build.site.config):
                server.watch(str(path))
        return server

    @event_priority(-100)  # after the search plugin has written its index, which may gain reused pages
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.build is None:
            return
        try:
            self.build.finish(Path(config.site_dir), config.use_directory_urls)
        except KbError as exc:
            self.error = str(exc)
            raise PluginError(self.error) from exc

    def on_build_error(self, *, error: Exception) -> None:
        cause = error if isinstance(error, KbError) else error.__cause__ or error.__context__
        if isinstance(cause, KbError) and self.error is None:
            self.error = str(cause)  # e.g. a page changed during the build: kb build says which
        if self.build is not None:
            self.build.cancel()

    def on_shutdown(self) -> None:
        self.handoff = None  # MkDocs reuses this instance for the process's next build (maybe of another KB)
        if self.build is not None:
            self.build.cancel()
