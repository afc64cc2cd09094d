"""Every YAML file kb reads is bounded (``kb_tools.core.safeyaml``): an alias bomb or 50,000 nested ``[`` is a
finding at ``path:line`` (a config error: exit 2), never a hang, a MemoryError or a RecursionError."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from kb_tools.cli import cli
from kb_tools.config.kbconfig import load_config
from kb_tools.core import safeyaml
from kb_tools.core.errors import BuildError
from kb_tools.index.writer import load_lay_terms

DEEP = "[" * 50_000
ALIAS_BOMB = "".join(
    [
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
        *(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefg", "bcdefgh", strict=True)),
    ]
)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def findings(kb) -> list[dict]:
    return json.loads(run("check", str(kb), "--format", "json").output)["findings"]


@pytest.mark.parametrize(
    ("tail", "line"), [(f"extra: {DEEP}\n", 21), (f"extra:\n  {ALIAS_BOMB.replace(chr(10), chr(10) + '  ')}", 28)]
)
def test_a_bounded_mkdocs_yml_is_a_config_error_with_its_line(base_kb, tail, line):
    with open(base_kb / "mkdocs.yml", "a", encoding="utf-8") as fh:
        fh.write(tail)
    result = run("check", str(base_kb))
    assert result.exit_code == 2, result.output
    assert f"mkdocs.yml:{line}: mkdocs.yml is beyond what kb reads" in result.output
    assert "internal error" not in result.output and "RecursionError" not in result.output


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (DEEP, 1, "nested more than 100 deep"),
        (ALIAS_BOMB + "stop_words: [*h, *h]\n", 7, "aliases"),
        ("terms: &t {a: [*t]}\n", 1, "never ends"),
        ("- just\n- a list\n", 1, "must be a mapping"),
        ("terms:\n  teen: {x: 1}\n", 2, "each entry is a word and a list"),
    ],
)
def test_a_bad_lay_terms_yml_is_a_finding_before_the_build(base_kb, text, line, words):
    (base_kb / "lay_terms.yml").write_text(text, encoding="utf-8")
    # the KB's lay terms count as none meanwhile, so a claim resting on one may also be unsupported-claim
    (found,) = [f for f in findings(base_kb) if f["code"] != "unsupported-claim"]
    assert (found["code"], found["path"], found["line"]) == ("bad-lay-terms", "lay_terms.yml", line)
    assert words in found["message"]
    with pytest.raises(BuildError, match=f"lay_terms.yml:{line}:"):  # a build without the check stops too
        load_lay_terms(load_config(base_kb))


def test_lay_terms_are_read_as_written(base_kb):
    (base_kb / "lay_terms.yml").write_text("stop_words: [Typically]\nterms:\n  Teens: [adolescent, yes]\n")
    assert findings(base_kb) == []
    lay = load_lay_terms(load_config(base_kb))
    assert lay["terms"] == {"teens": ["adolescent", "yes"]} and "typically" in lay["stop_words"]


@pytest.mark.parametrize(("text", "line"), [(DEEP, 1), (ALIAS_BOMB + "population: [*h]\n", 7)])
def test_a_bomb_in_a_record_is_a_bad_record_finding(base_kb, text, line):
    folder = base_kb / "references" / "records"
    folder.mkdir(parents=True, exist_ok=True)
    key = next(iter(sorted(p.stem for p in folder.glob("*.yml"))), None) or "smith2022"
    (folder / f"{key}.yml").write_text(text, encoding="utf-8")
    got = [(f["code"], f["line"]) for f in findings(base_kb) if f["path"].endswith(f"{key}.yml")]
    assert got == [("bad-record", line)]


def test_a_bomb_in_front_matter_is_a_bad_page_finding(base_kb):
    page = base_kb / "docs" / "topic.md"
    bomb = ALIAS_BOMB.replace("h: &h", "title: &h")
    page.write_text(f"---\n{bomb}---\n\n" + page.read_text(encoding="utf-8").split("---\n", 2)[-1])
    got = [(f["code"], f["line"]) for f in findings(base_kb) if f["path"] == "docs/topic.md"]
    assert ("bad-page", 8) in got


MKDOCS_TAGS = (
    "site_url: !ENV [SITE_URL, 'https://example.org/']\n"
    "markdown_extensions:\n"
    "  - pymdownx.emoji:\n"
    "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
    "  - pymdownx.snippets:\n"
    "      base_path: !relative $config_dir\n"
    "extra: !custom {a: [1, 2]}\n"
)


def test_mkdocs_yml_tags_are_read_as_written_without_their_tag():
    data = safeyaml.load_mkdocs(MKDOCS_TAGS)
    assert data["site_url"] == ["SITE_URL", "https://example.org/"]
    assert data["markdown_extensions"] == [
        {"pymdownx.emoji": {"emoji_index": ""}},
        {"pymdownx.snippets": {"base_path": "$config_dir"}},
    ]
    assert data["extra"] == {"a": [1, 2]}
    with pytest.raises(yaml.constructor.ConstructorError):  # every other YAML file kb reads takes no such tag
        safeyaml.load(MKDOCS_TAGS)


def test_a_tagged_mkdocs_yml_is_checked_and_still_bounded(base_kb):
    yml = base_kb / "mkdocs.yml"
    text = yml.read_text(encoding="utf-8")
    yml.write_text(text + MKDOCS_TAGS, encoding="utf-8")
    assert findings(base_kb) == [] and load_config(base_kb).site_name
    yml.write_text(text + "extra: !custom\n  " + ALIAS_BOMB.replace("\n", "\n  "), encoding="utf-8")
    result = run("check", str(base_kb))
    assert result.exit_code == 2 and "mkdocs.yml is beyond what kb reads" in result.output
