"""Bad ``kb`` options in mkdocs.yml: exit 2, the option's line, and what to write instead; never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kb_tools.cli import cli

HEAD = "site_name: x\nplugins:\n  - search\n  - kb:\n      review_max_age_days: 365\n"
LINE = 6  # the line the bad option is written on, below HEAD


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("acept: [journal]", "plugins.kb.acept: unknown option; known options are accept,"),
        ("severity: {bib-warning: fatal}", "plugins.kb.severity.bib-warning: 'fatal' is not one of error, warning"),
        ("severity: {no-such-code: error}", "plugins.kb.severity.no-such-code: unknown finding code"),
        ("designs: [rct, guideline]", "plugins.kb.designs: 'guideline' is not a study design id"),
        ('conditions: "x"', "plugins.kb.conditions: give a list of {id, name, synonyms} mappings"),
        ("conditions: [{id: X}]", "plugins.kb.conditions[0].id: 'X' must be lower-case"),
        ("accept: [zzz]", "plugins.kb.accept: give a list of source types from journal"),
        ("csl: nonsense", "plugins.kb.csl: 'nonsense' is not a style kb knows"),
        ("enabled: maybe", "plugins.kb.enabled: give true or false"),
        ('index_dir: ""', "plugins.kb.index_dir: give a folder (relative to mkdocs.yml), such as .kb/index"),
        ("index_dir: 5", "plugins.kb.index_dir: give a folder"),
        ("index_dir: .", "plugins.kb.index_dir: '.' is the KB folder; kb needs a folder of its own"),
        ("index_dir: ..", "plugins.kb.index_dir: '..' holds the KB folder"),
        ("index_dir: docs", "plugins.kb.index_dir: 'docs' is docs_dir"),
        ("index_dir: docs/index", "plugins.kb.index_dir: 'docs/index' is inside docs_dir"),
        ("index_dir: site", "plugins.kb.index_dir: 'site' is site_dir"),
        ("cache_dir: site/.cache", "plugins.kb.cache_dir: 'site/.cache' is inside site_dir"),
    ],
)
def test_a_bad_option_names_its_line_and_exits_2(tmp_path, option, expected):
    (tmp_path / "mkdocs.yml").write_text(HEAD + f"      {option}\n")
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert f"mkdocs.yml:{LINE}: {expected}" in result.output
    assert "Traceback" not in result.output


def test_the_line_is_the_kb_plugins_own_not_another_plugins(tmp_path):
    other = "  - other:\n      severity: high\n"  # the same key under another plugin, below kb's
    (tmp_path / "mkdocs.yml").write_text(HEAD + "      severity: [x]\n" + other)
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 2 and f"mkdocs.yml:{LINE}: plugins.kb.severity: give a mapping" in result.output


def test_options_that_are_not_a_mapping_name_the_kb_entry(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - search\n  - kb: [journal]\n")
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 2 and "mkdocs.yml:4: plugins.kb.options must be a mapping" in result.output


@pytest.mark.parametrize("folder", [".kb/other-index", "../outside-index"])
def test_index_dir_may_be_any_folder_of_its_own(base_kb, folder):
    yml = base_kb / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("  - kb:\n", f"  - kb:\n      index_dir: {folder}\n", 1))
    result = CliRunner().invoke(cli, ["check", str(base_kb)])
    assert result.exit_code in (0, 1) and "plugins.kb" not in result.output, result.output


def test_a_tagged_option_is_read_as_written_and_named_by_its_line(tmp_path):
    # MkDocs' !ENV resolves only under MkDocs: kb reads the value as written, and says which line to fix
    (tmp_path / "mkdocs.yml").write_text(HEAD + "      csl: !ENV [KB_CSL, apa]\n")
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert f"mkdocs.yml:{LINE}: plugins.kb.csl: give a style name such as apa" in result.output
