"""Zensical: the KB's site built by Zensical, which reads ``mkdocs.yml`` but runs no MkDocs plugin.

What the kb plugin does under MkDocs is done around Zensical instead:

* the check report is styled once and the search index written by its own process beside the build,
  as under MkDocs (``Stages.open_site``);
* a work folder next to ``site/`` holds a staging copy of ``docs/`` with the generated pages written
  as Markdown (``kb_tools.engines.zensical.staging``) and a ``mkdocs.yml`` that inherits the KB's own (``INHERIT``) and
  adds kb's nav sections, stylesheet, scripts and the ``kb_tools.engines.zensical.mdext`` Markdown extension, which
  renders citations, claim anchors and reference lists page by page;
* Zensical builds that, in a child process (forked, so the extension has the build's data), into the
  work folder's ``site/``, which becomes the staging site, and
  ``claims.json`` and ``references.json`` are written into it (``exports.write_exports``).

The work folder (with Zensical's own cache) is removed after every build: Zensical's cache knows the
Markdown files but not the bibliography, so a kept cache could serve pages with stale citations.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import yaml

from ...check.policy import Report
from ...config.kbconfig import KbConfig
from ...core import safeyaml, urls
from ...core.errors import BuildError, ConfigError
from ...site.data import SiteData
from ...site.exports import EXPORTS, write_exports
from ...store import progress
from ...store.background import Job
from ..stages import Stages
from . import mdext
from .staging import StagedDocs, stage_docs

CONFIG_NAME = "mkdocs.yml"  # Zensical reads MkDocs' format; its own zensical.toml has no INHERIT
TOOLTIPS = "content.tooltips"  # full references on hover and focus, as the plugin turns on


def read_settings(config: KbConfig) -> dict:
    """The KB's ``mkdocs.yml`` as data (its own ``INHERIT`` is not followed: kb only reads nav and theme)."""
    try:
        data = safeyaml.load_mkdocs(config.config_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, RecursionError) as exc:
        raise ConfigError(f"{config.config_file.name}: cannot be read ({exc.__class__.__name__}); fix it") from exc
    return data if isinstance(data, dict) else {}


def engine_config(config: KbConfig, settings: dict, staged: StagedDocs) -> dict:
    """The work folder's ``mkdocs.yml``: the KB's own, inherited, with the staged docs and kb's additions.

    Zensical merges an inheriting file into its parent: mappings key by key, lists by appending.
    """
    extension = "kb_tools.engines.zensical.mdext"
    extensions = settings.get("markdown_extensions")
    if isinstance(extensions, dict):
        added_extensions: list | dict = {extension: {}}
    elif extensions is None:  # Zensical's defaults would give way to a list of one: keep them
        from zensical.config import DEFAULT_MARKDOWN_EXTENSIONS

        added_extensions = [*DEFAULT_MARKDOWN_EXTENSIONS, extension]
    else:
        added_extensions = [extension]
    named = settings.get("theme")  # a mapping, or just the theme's name
    theme = named if isinstance(named, dict) else {"name": named} if isinstance(named, str) else {}
    out: dict = {
        "INHERIT": str(config.config_file),
        "docs_dir": "docs",
        "site_dir": "site",
        "nav": staged.nav[len(settings["nav"]) :] if isinstance(settings.get("nav"), list) else staged.nav,
        "extra_css": [p for p in staged.stylesheets if p not in (settings.get("extra_css") or [])],
        "extra_javascript": list(staged.scripts),
        "markdown_extensions": added_extensions,
    }
    theme_out: dict = {"name": named} if isinstance(named, str) else {}  # a mapping here replaces a name there
    if theme.get("name") == "material" and "variant" not in theme:
        theme_out["variant"] = "classic"  # Material's look, as the site has under MkDocs (Zensical's default is new)
    if TOOLTIPS not in (theme.get("features") or []):
        theme_out["features"] = [TOOLTIPS]
    if isinstance(theme.get("custom_dir"), str):  # relative to the KB, not to the work folder
        theme_out["custom_dir"] = str(config.root / theme["custom_dir"])
    if theme_out:
        out["theme"] = theme_out
    return out


_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
_ROUTINE = ("Build started", "No issues found", "Build finished in")  # Zensical's progress, not news


@contextlib.contextmanager
def _output_shown_on_stderr() -> Iterator[None]:
    """Zensical prints on standard output, which ``kb build`` keeps for its report, and on standard error:
    both are held until the build is done, then shown on standard error without the routine lines."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 1)
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in zip((1, 2), saved, strict=True):
                os.dup2(copy, fd)
                os.close(copy)
            captured.seek(0)
            text = captured.read().decode("utf-8", errors="replace")
            if not progress.isatty(sys.stderr):  # Zensical colours even a log file, a character at a time
                text = _COLOUR.sub("", text)
            sys.stderr.writelines(line for line in text.splitlines(keepends=True) if not line.startswith(_ROUTINE))
            sys.stderr.flush()


def _zensical_build(config_file: Path, site: SiteData) -> None:
    """Zensical's build of ``config_file``, with kb's Markdown extension rendering from ``site``."""
    import zensical

    try:
        with _output_shown_on_stderr(), mdext.session(site, urls.SOURCE_LINKS):  # Zensical resolves the links
            zensical.build(str(config_file), {"clean": True, "strict": False})
    except Exception as exc:  # Zensical raises RuntimeError or its own ConfigurationError, with a message
        why = str(exc)
        if "strict" in why:  # mkdocs.yml's own ``strict: true``, which Zensical honours as MkDocs does
            why += " (mkdocs.yml sets strict: true; fix the warnings above)"
        raise BuildError(f"zensical could not build the site: {why}; the previous site is unchanged") from exc


def run(stages: Stages, config: KbConfig, report: Report, site_dir: Path, index_dir: Path) -> None:
    """Build the site with Zensical into ``site_dir`` and the search index into ``index_dir``."""
    site, job = stages.open_site(config, report, index_dir)  # stages 3 and 4 as under MkDocs
    work = site_dir.with_name(site_dir.name + "-zensical")  # a killed build's is cleared with the staging folders
    try:
        settings = read_settings(config)
        use_dir = settings.get("use_directory_urls", True) is not False
        staged = stage_docs(site, work / "docs", settings.get("nav"), use_dir)
        config_file = work / CONFIG_NAME
        config_file.write_text(yaml.safe_dump(engine_config(config, settings, staged), sort_keys=False), "utf-8")
        progress.stage("building the site with Zensical")
        # in a child process: Zensical takes over SIGINT and SIGTERM (and ends its process when one comes),
        # so a ``kb build`` that is interrupted stops it and still cleans up here
        build = Job("Zensical build", _zensical_build, config_file, site)
        try:
            build.wait()
        finally:
            build.cancel()  # when interrupted: before the work folder is removed under it
        os.replace(work / "site", site_dir)  # onto the empty staging folder, on the same file system
        progress.stage("writing claims.json and references.json")
        exports = [p for p in EXPORTS if not (staged.docs / p).exists()]  # a docs/ file of the name wins
        write_exports(site, site_dir, use_dir, exports)
        job.wait(progress.counted("indexing claims (begun beside the rendering)"))
    except BaseException:
        job.cancel()
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
