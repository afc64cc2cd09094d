"""The pipeline: every stage of a build, in order, and the package that does each.

====  ===================  ==========================================================================
 1    load                 ``load``: sources (.bib), findings records and pages into a ``Catalogue``
 2    check                ``check``: findings against the editorial policy, in a ``Report``
 3    format references    ``references``: each page's citations found (``scan``) and styled with pandoc
                           in the ``csl:`` style into the ``SiteData`` (``site.data``) every later stage reads
 4    index                ``index``: the search index, written by a process of its own beside stage 5
 5    render               ``site``: each topic page's Markdown (``topicpages``) and the generated pages'
                           (``generated``); the docs engine (``engines``) turns them into HTML
 6    publish              ``site.exports`` writes claims.json and references.json, the index is awaited,
                           and ``publish`` swaps the new site and index in for the live ones
====  ===================  ==========================================================================

This module alone decides the order of stages. ``kb build`` runs ``build_site``: stages 1 and 2, then
the engine, handed ``STAGES``: MkDocs' kb plugin (``kb_tools.plugin``) runs stages 3 to 5 through
``open_site``, ``page_markdown`` and ``generated_pages`` and the end of stage 6 through ``finish_site``;
the swap comes last. ``mkdocs build`` and ``mkdocs serve`` enter at the plugin, which runs ``check_kb``
first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import engines
from .check.outcome import Outcome
from .check.outcome import outcome as check_outcome_of
from .check.policy import Report, check
from .config.kbconfig import KbConfig
from .core.errors import KbError
from .core.model import Catalogue
from .engines.stages import Stages
from .index import process as index_process
from .load.catalogue import load_catalogue
from .publish import swap, uptodate
from .site import incremental
from .site.data import SiteData, prepare
from .site.evidence import tables_key
from .site.exports import write_exports
from .site.generated import generated_page_makers
from .site.topicpages import render_page
from .store import progress
from .store.background import Job
from .store.memo import Memo, digest


@dataclass(frozen=True)
class BuildResult:
    """What ``build_site`` did: what the check said, and whether the site was published (or was already)."""

    outcome: Outcome  # what its check found (the report's, or the last build's when nothing changed)
    published: bool
    site: Path | None = None
    report: Report | None = None  # None when nothing changed since the last build, which was not checked again


# --- kb build: every stage, in order ----------------------------------------------------------------


def build_site(config: KbConfig, strict: bool = False, engine: str = engines.DEFAULT) -> BuildResult:
    """Check the KB; when it passes, build site and index (with ``engine``, see ``kb_tools.engines``) into
    staging folders and swap both in. When nothing changed since the last build (``publish.uptodate``), its
    site and index stand and its check's outcome is given again."""
    progress.stage("checking the KB")
    key = uptodate.inputs_key(config, engine)
    kept = uptodate.unchanged(config, key)
    if kept is not None:
        progress.stage("nothing changed since the last build: its site and index are up to date")
        return BuildResult(kept, published=not kept.failed(strict), site=config.site_path)
    uptodate.forget(config)
    report = check_kb(config)  # 1 and 2
    outcome = check_outcome_of(report)
    if report.failed(strict):
        return BuildResult(outcome, published=False, report=report)
    # 3 to 5 by the engine in staging folders (MkDocs: its kb plugin runs them), then 6
    swap.publish(config, engine, lambda site, index: engines.run(engine, STAGES, config, report, site, index))
    uptodate.remember(config, key, engine, outcome)
    return BuildResult(outcome, published=True, site=config.site_path, report=report)


# --- the stages ---------------------------------------------------------------------------------------


def load(config: KbConfig) -> Catalogue:
    """Stage 1."""
    return load_catalogue(config)


def check_kb(config: KbConfig, today: dt.date | None = None) -> Report:
    """Stages 1 and 2: the KB loaded and judged (on ``today``, by default the date now)."""
    return check(config, load(config), today)


def format_references(config: KbConfig, report: Report) -> SiteData:
    """Stage 3: every page's citations found and formatted, once for the whole build."""
    return prepare(config, report)


def start_index(site: SiteData, target: Path) -> Job:
    """Stage 4: write the search index into ``target`` beside the rendering (updating a copy of the live one)."""
    return index_process.start(site.config, site.report, site.styled, target, site.config.index_path)


def open_site(
    kb: KbConfig, report: Report, index_dir: Path | None, serving: bool = False
) -> tuple[SiteData, Job | None]:
    """Stages 3 and 4 for a docs engine: the site data, and the index job writing into ``index_dir`` (``kb build``'s
    staging folder) or else the KB's ``index_dir`` (none under ``mkdocs serve``, to keep its rebuilds fast)."""
    site = format_references(kb, report)
    if index_dir is not None:
        return site, start_index(site, index_dir)
    return site, (None if serving else start_index(site, kb.index_path))


def page_markdown(
    site: SiteData, memo: Memo | None, path: str, text: str, markdown: str, use_dir: bool
) -> tuple[str, list[str]]:
    """Stage 5 for a topic page: the Markdown to convert and the HTML its placeholders stand for.

    ``text`` is the page file's full text, ``markdown`` what the engine passes (front matter removed).
    The rendering depends on the page's own text, its evidence tables' records, what its claims' sources
    report (``Report.support``) and ``memo``'s context.
    """

    def render(source: str = markdown) -> tuple[str, list[str]]:
        stash: list[str] = []
        return render_page(site, path, text, source, use_dir, stash), stash

    if memo is None:
        return render()
    page = site.pages.get(path)  # what its claims' sources report is shown under them: a record edit re-renders
    shown = digest(*(repr(site.report.support.get(c.id)) for c in page.claims)) if page else ""
    return memo.get((path, digest(text), digest(markdown), tables_key(site, text), shown), render)


def generated_pages(
    site: SiteData, use_dir: bool, memo: Memo | None, order: dict[str, int]
) -> dict[str, Callable[[], str]]:
    """Stage 5 for the generated pages: a function per page path that makes its Markdown, when called."""
    return generated_page_makers(site, use_dir, memo, order)


def finish_site(
    site: SiteData,
    site_dir: Path,
    use_dir: bool,
    exports: list[str],
    reuse: incremental.Reuse | None,
    index: Job | None,
) -> None:
    """Stage 6 inside the engine: the export files, the reused pages copied, then the index (begun in
    stage 4) awaited."""
    progress.stage("writing claims.json, references.json and unchanged pages")
    if exports:
        write_exports(site, site_dir, use_dir, exports)
    if reuse is not None:
        reuse.finish(site_dir)
    if index is not None:
        try:
            index.wait(progress.counted("indexing claims (begun beside the rendering)"))
        except KbError as exc:
            raise KbError(f"search index: {exc}") from exc


STAGES = Stages(check_kb, open_site, page_markdown, generated_pages, finish_site)  # what engines are handed
