"""What an engine is handed: the pipeline's stages it runs, and what ``kb build`` already knows.

Engines never import ``kb_tools.pipeline`` (an import-linter contract): ``kb_tools.pipeline`` hands them
``Stages``, its own functions, so the pipeline alone decides the order of stages. The MkDocs plugin gets
them from its entry point, ``kb_tools.plugin``, and ``kb build``'s check report and staging folders
through ``Handoff``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..check.policy import Report


@dataclass(frozen=True)
class Handoff:
    """What ``kb build`` gives the docs engine: its check report, where to write the index (a staging
    folder) and, for an incremental build, the live site and the folder of its manifest."""

    report: Report
    index_dir: Path | None
    reuse_from: tuple[Path, Path] | None = None


@dataclass(frozen=True)
class Stages:
    """The pipeline's stages an engine runs, in the order ``kb_tools.pipeline`` documents (see its functions)."""

    check_kb: Callable  # 1 and 2: (config) -> Report
    open_site: Callable  # 3 and 4: (config, report, index_dir, serving) -> (SiteData, Job | None)
    page_markdown: Callable  # 5, a topic page: (site, memo, path, text, markdown, use_dir) -> (markdown, stash)
    generated_pages: Callable  # 5, the generated pages: (site, use_dir, memo, order) -> {path: maker}
    finish_site: Callable  # 6 inside the engine: (site, site_dir, use_dir, exports, reuse, index) -> None
