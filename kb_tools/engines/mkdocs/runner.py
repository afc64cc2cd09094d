"""MkDocs with the kb plugin (``kb_tools.pipeline.render_site``)."""

from __future__ import annotations

from pathlib import Path

from ...check.policy import Report
from ...config.kbconfig import KbConfig


def run(config: KbConfig, report: Report, site_dir: Path, index_dir: Path) -> None:
    from ...pipeline import render_site  # the pipeline runs this engine: imported when it runs

    render_site(config, report, site_dir, index_dir)
