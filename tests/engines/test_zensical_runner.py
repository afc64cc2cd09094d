"""The Zensical runner reads ``mkdocs.yml`` as ``kb check`` does: one loader (``safeyaml.load_mkdocs``), one set
of bounds."""

from __future__ import annotations

import pytest

from kb_tools.config.kbconfig import load_config
from kb_tools.core import safeyaml
from kb_tools.core.errors import ConfigError
from kb_tools.engines.zensical.runner import read_settings
from tests.core.test_safeyaml import ALIAS_BOMB, MKDOCS_TAGS


def test_the_runner_reads_mkdocs_tags_as_kb_does(base_kb):
    yml = base_kb / "mkdocs.yml"
    yml.write_text(yml.read_text(encoding="utf-8") + MKDOCS_TAGS, encoding="utf-8")
    config = load_config(base_kb)
    assert read_settings(config) == safeyaml.load_mkdocs(yml.read_text(encoding="utf-8"))
    yml.write_text(yml.read_text(encoding="utf-8") + "bomb:\n  " + ALIAS_BOMB.replace("\n", "\n  "), encoding="utf-8")
    with pytest.raises(ConfigError, match="mkdocs.yml: cannot be read"):
        read_settings(config)
