"""The site engines ``kb build --engine`` can run: MkDocs (the default), ProperDocs and Zensical.

Each engine package's ``runner`` has ``run(stages, config, report, site_dir, index_dir)``: it builds the
checked KB's site into the empty staging folder ``site_dir`` and its search index into ``index_dir`` (``publish.swap``
swaps both in once both are complete), and raises ``BuildError`` or ``ConfigError`` when it cannot.

* ``mkdocs``: MkDocs with the kb plugin (``kb_tools.engines.mkdocs``);
* ``properdocs``: the same build and plugin under ProperDocs, a maintained fork of MkDocs 1.6, in a
  child interpreter of its own (``kb_tools.engines.properdocs.runner``);
* ``zensical``: Zensical, which runs no MkDocs plugin: kb stages ``docs/`` with its generated pages
  and renders citations with a Python-Markdown extension (``kb_tools.engines.zensical.runner``).
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from ..check.policy import Report
from ..config.kbconfig import KbConfig
from ..core.errors import ConfigError
from .stages import Stages

ENGINES = ("mkdocs", "properdocs", "zensical")
DEFAULT = "mkdocs"
_MODULES = {"mkdocs": "mkdocs.runner", "properdocs": "properdocs.runner", "zensical": "zensical.runner"}
_PACKAGES = {"mkdocs": "mkdocs", "properdocs": "properdocs", "zensical": "zensical"}


def installed(engine: str) -> bool:
    """Whether the engine's package can be imported here."""
    return importlib.util.find_spec(_PACKAGES[engine]) is not None


def run(engine: str, stages: Stages, config: KbConfig, report: Report, site_dir: Path, index_dir: Path) -> None:
    """Build the site into ``site_dir`` and the index into ``index_dir`` with ``engine``, running the pipeline's
    ``stages``."""
    if engine not in _MODULES:
        raise ConfigError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if not installed(engine):
        raise ConfigError(
            f"kb build --engine {engine}: {_PACKAGES[engine]} is not installed here; "
            "install it with: pip install 'kb_tools[engines]'"
        )
    module = importlib.import_module(f"{__name__}.{_MODULES[engine]}")
    module.run(stages, config, report, site_dir, index_dir)
