"""Documentation keeps up with the code: every command, option and finding code is documented."""

from __future__ import annotations

import re

import pytest

from kb_tools.cli import cli
from kb_tools.config import EVIDENCE_LEVELS, FINDING_CODES, SOURCE_TYPES
from kb_tools.grading import AUTHORITIES, DESIGNS

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
KNOWN_OPTIONS = (
    *("bibliography", "accept", "severity", "conditions", "review_max_age_days", "index_dir", "cache_dir"),
    *("designs", "retractions"),
)


@pytest.mark.parametrize("code", sorted(FINDING_CODES))
def test_finding_code_in_readme(code):
    assert f"`{code}`" in README


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_in_readme(name):
    assert f"kb {name}" in README


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_options_in_readme(name):
    for param in cli.commands[name].params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--") and opt != "--help":
                assert opt in README, f"kb {name} {opt} is not documented in README.md"


KNOWN_OPTIONS += ("records", "csl")  # findings records, citation style


@pytest.mark.parametrize("option", KNOWN_OPTIONS)
def test_config_option_in_readme(option):
    assert re.search(rf"^\s+{option}:", README, re.M), option


def test_source_types_and_levels_in_readme():
    for word in SOURCE_TYPES + EVIDENCE_LEVELS + DESIGNS + AUTHORITIES:
        assert f"`{word}`" in README
