"""MkDocs with the kb plugin: ``kb build``'s report and staging folders handed to the plugin, then MkDocs' build.

The plugin (``kb_tools.plugin``) runs the pipeline's stages 3 to 6 from MkDocs' events; this module only
starts MkDocs, so it needs no stages of its own.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from ...check.policy import Report
from ...config.kbconfig import KbConfig
from ...core.errors import BuildError, ConfigError
from ...site import incremental
from ...store import progress
from ..stages import Handoff, Stages


def run(stages: Stages, config: KbConfig, report: Report, site_dir: Path, index_dir: Path) -> None:
    """The engine's entry (``kb_tools.engines.run``); the plugin has the stages already."""
    render(config, report, site_dir, index_dir)


def render(config: KbConfig, report: Report, site_dir: Path, index_dir: Path) -> None:
    """Stages 3 to 5 by MkDocs into ``site_dir`` (its kb plugin runs them), copying the live site's unchanged pages."""
    handoff = Handoff(report, index_dir, reuse_from=(config.site_path, config.cache_path))
    try:
        run_mkdocs(config, handoff, site_dir)
    except incremental.NavChanged:  # the copied pages would show the old nav: build every page
        run_mkdocs(config, replace(handoff, reuse_from=None), site_dir)


def run_mkdocs(config: KbConfig, handoff: Handoff, site_dir: Path) -> None:
    """Build with MkDocs into ``site_dir``, handing the kb plugin what ``kb build`` knows (``Handoff``)."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config as mkdocs_config
    from mkdocs.exceptions import MkDocsException

    try:
        cfg = mkdocs_config(config_file=str(config.config_file), site_dir=str(site_dir))
    except MkDocsException as exc:
        raise ConfigError(f"{config.config_file.name}: {exc}") from exc
    plugin = cfg.plugins.get("kb")
    if plugin is None:
        raise ConfigError(f"{config.config_file.name}: add the kb plugin under 'plugins:' so kb can build the site")
    plugin.hand_over(handoff)
    handler = progress.console_warnings(logging.getLogger("mkdocs"), only_if_none=True)
    progress.stage("loading the site")
    cfg.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(cfg)
    except (MkDocsException, SystemExit) as exc:
        raise BuildError(f"mkdocs could not build the site: {plugin.error or exc}") from exc
    finally:
        cfg.plugins.on_shutdown()
        if handler is not None:
            logging.getLogger("mkdocs").removeHandler(handler)
