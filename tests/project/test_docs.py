"""Documentation keeps up with the code: every command, option and finding code is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kb_tools.cli import COMMANDS, cli
from kb_tools.config import options
from kb_tools.config.kbconfig import EVIDENCE_LEVELS, SOURCE_TYPES, config_from_options
from kb_tools.core.grading import AUTHORITIES, DESIGNS
from tests import doc_tables
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "tables"),
    [("README.md", ["finding-codes", "options"]), ("docs/editors-guide.md", ["finding-codes-todo"])],
)
def test_tables_are_made_from_the_registries(name, tables):
    text = (REPO / name).read_text(encoding="utf-8")
    assert doc_tables.marked(text) == tables
    differs = f"{name}: a table differs from kb_tools.core.codes or kb_tools.config.options; run make tables"
    assert text == doc_tables.current(text), differs


def test_the_configuration_example_uses_known_options():
    example = README[README.index("### Configuration") :].split("```yaml\n", 1)[1].split("```", 1)[0]
    given = yaml.safe_load(example)["plugins"][1]["kb"]
    assert set(given) <= set(options.OPTIONS)
    config_from_options(Path("."), Path("mkdocs.yml"), {}, given)  # and valid ones


def test_every_verb_is_listed():  # the parametrized tests below take their verbs from this list
    assert sorted(COMMANDS) == ["build", "check", "init", "search", "serve"]


@pytest.mark.parametrize("name", sorted(COMMANDS))  # cli.commands fills only as verbs are loaded
def test_command_in_readme(name):
    assert f"kb {name}" in README


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_options_in_readme(name):
    import click

    command = cli.get_command(click.Context(cli), name)
    for param in command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--") and opt != "--help":
                assert opt in README, f"kb {name} {opt} is not documented in README.md"


def test_source_types_and_levels_in_readme():
    for word in SOURCE_TYPES + EVIDENCE_LEVELS + DESIGNS + AUTHORITIES:
        assert f"`{word}`" in README
