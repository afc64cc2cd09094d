"""``kb build``: check, then build the site and search index into staging folders and swap them in.

The previous ``site/`` and index stay untouched until a build has completed:
MkDocs writes into a temporary folder next to ``site/`` (same file system, so
the swap is a rename), and the search index into one next to ``index_dir``.
Any failure removes the staging folders and raises ``BuildError``.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .check import Report, check
from .config import KbConfig
from .errors import BuildError, ConfigError


@dataclass(frozen=True)
class BuildResult:
    """What ``build_site`` did: the report, and whether the site was published."""

    report: Report
    published: bool
    site: Path | None = None


def staging_dir(target: Path) -> Path:
    """An empty folder next to ``target``, so swapping it in is a rename on the same file system."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))


def swap_in(new: Path, target: Path) -> None:
    """Replace ``target`` by ``new``; the old folder is moved aside first and restored if the rename fails."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{new.name.rsplit('-', 1)[-1]}")
        target.rename(old)
    try:
        new.rename(target)
    except OSError:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def run_mkdocs(config: KbConfig, report: Report, site_dir: Path, index_dir: Path | None) -> None:
    """Build with MkDocs into ``site_dir``, handing the kb plugin the report it would otherwise recompute."""
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
    plugin.use_report(report, index_dir)
    handler = _console_handler()
    cfg.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(cfg)
    except (MkDocsException, SystemExit) as exc:
        raise BuildError(f"mkdocs could not build the site: {exc}") from exc
    finally:
        cfg.plugins.on_shutdown()
        if handler is not None:
            logging.getLogger("mkdocs").removeHandler(handler)


def _console_handler() -> logging.Handler | None:
    """Show MkDocs' warnings when it runs inside ``kb build`` (its CLI would normally install this)."""
    logger = logging.getLogger("mkdocs")
    if logger.handlers:
        return None
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logger.addHandler(handler)
    return handler


def build_site(config: KbConfig, strict: bool = False, report: Report | None = None) -> BuildResult:
    """Check the KB; when it passes, build site and index into staging folders and swap both in."""
    report = report or check(config)
    if report.failed(strict):
        return BuildResult(report, published=False)
    site = config.site_path
    staged_site = staging_dir(site)
    staged_index = staging_dir(config.index_path)
    try:
        run_mkdocs(config, report, staged_site, staged_index)
        if not (staged_site / "index.html").is_file() and not any(staged_site.iterdir()):
            raise BuildError("mkdocs wrote nothing; the previous site is unchanged")
        swap_in(staged_site, site)
        if any(staged_index.iterdir()):
            swap_in(staged_index, config.index_path)
    except BaseException as exc:
        for d in (staged_site, staged_index):
            shutil.rmtree(d, ignore_errors=True)
        if isinstance(exc, BuildError | ConfigError | KeyboardInterrupt):
            raise
        raise BuildError(f"the build failed ({exc.__class__.__name__}: {exc}); the previous site is unchanged") from exc
    finally:
        shutil.rmtree(staged_index, ignore_errors=True)
    return BuildResult(report, published=True, site=site)
