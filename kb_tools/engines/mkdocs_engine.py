"""MkDocs with the kb plugin: today's build (``kb_tools.build.run_mkdocs``)."""

from __future__ import annotations

from pathlib import Path

from ..check import Report
from ..config import KbConfig


def run(config: KbConfig, report: Report, site_dir: Path, index_dir: Path) -> None:
    from ..build import run_mkdocs  # the one call into today's build: the lead may point it at the pipeline

    run_mkdocs(config, report, site_dir, index_dir)
