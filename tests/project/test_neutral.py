"""The tool is apart from its first KB: kb_tools names no KAP condition, drug or topic, and starts a neutral KB."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import kb_tools
from kb_tools.cli import cli
from kb_tools.config.kbconfig import DEFAULT_CONDITIONS, load_config
from kb_tools.index.writer import load_lay_terms
from tests.conftest import REPO
from tests.site_helpers import broken_links

TOOL = Path(kb_tools.__file__).parent
# The KAP KB's conditions, drugs and topics. A word here in kb_tools/ means the tool assumes its first KB.
KAP_WORDS = re.compile(
    r"ketamin|esketamin|spravato|\bkap\b|depress|\bptsd\b|post-?\s?traumatic|suicid|anxi(?:ety|ous)"
    r"|substance[- ]use|addict|psychedel|dissociat|alcohol|trauma|bladder|intranasal|\btrd\b|\bmdd\b",
    re.I,
)
ALLOWED: set[tuple[str, str]] = set()  # (path in kb_tools/, word) pairs that are truly generic: none so far


def tool_files() -> list[Path]:
    """Every text file of the tool: code, templates, assets, the scaffold."""
    return sorted(p for p in TOOL.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def test_the_tool_names_no_kap_vocabulary():
    found = []
    for path in tool_files():
        rel = path.relative_to(TOOL).as_posix()
        text = path.read_text(encoding="utf-8")
        for n, line in enumerate(text.splitlines(), 1):
            for m in KAP_WORDS.finditer(line):
                if (rel, m.group().lower()) not in ALLOWED:
                    found.append(f"kb_tools/{rel}:{n}: {m.group()!r}")
    assert found == [], "the tool names the KAP KB's vocabulary; move it to the KB:\n" + "\n".join(found)


def test_the_vocabulary_check_can_fail():
    assert KAP_WORDS.search("Ketamine for treatment-resistant depression")
    assert KAP_WORDS.search("post-traumatic stress") and KAP_WORDS.search("the KAP KB")
    assert not KAP_WORDS.search("a kappa statistic and an addition")


def test_the_tool_assumes_no_conditions_and_ships_no_lay_terms():
    assert DEFAULT_CONDITIONS == ()
    assert load_lay_terms()["terms"] == {}
    assert "what" in load_lay_terms()["stop_words"]  # question words are dropped in every KB
    assert not (TOOL / "lay_terms.yml").exists()


def test_the_kap_kb_states_its_own_vocabulary():
    kap = load_config(REPO)
    assert kap.condition_ids() == ("depression", "suicidal-ideation", "anxiety", "ptsd", "substance-use")
    terms = load_lay_terms(kap)["terms"]
    assert terms["teenager"] == ["adolescent", "adolescents", "youth"]
    assert terms["nasal spray"] == ["esketamine", "intranasal"] and "aftercare" in terms


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def starter(tmp_path_factory) -> Path:
    """``kb init`` + ``kb check --strict`` + ``kb build`` of the starter KB."""
    kb = tmp_path_factory.mktemp("starter") / "newkb"
    assert run("init", str(kb)).exit_code == 0
    check = run("check", str(kb), "--strict", "--format", "json")
    assert check.exit_code == 0, check.output
    assert json.loads(check.output)["summary"]["claims"] >= 1
    build = run("build", str(kb))
    assert build.exit_code == 0, build.output
    return kb


def test_the_starter_kb_builds_a_neutral_site(starter):
    site = starter / "site"
    topic = (site / "topics/example-topic/index.html").read_text(encoding="utf-8")
    assert 'href="../../sources/agency2024/"' in topic and "[@agency2024]" not in topic
    assert (site / "conditions/example-condition/index.html").is_file()
    assert (site / "claims.json").is_file() and (starter / ".kb/index").is_dir()
    assert broken_links(site) == []
    for path in (*starter.rglob("*.md"), *starter.rglob("*.yml"), *starter.rglob("*.bib")):
        assert not KAP_WORDS.search(path.read_text(encoding="utf-8")), path
    search = run("search", "--json", "side effects of the example treatment", str(starter))
    assert search.exit_code == 0, search.output


def test_a_kb_without_conditions_says_so(starter):
    cfg = starter / "mkdocs.yml"
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(text[: text.index("      # The conditions readers search by.")], encoding="utf-8")
    tagged = run("check", str(starter))  # the topic page still names the condition that is gone
    assert tagged.exit_code == 1
    assert "unknown condition id 'example-condition'; this KB names no conditions: list them under" in tagged.output
    topic = starter / "docs/topics/example-topic.md"
    topic.write_text(topic.read_text(encoding="utf-8").replace("conditions: [example-condition]\n", ""))
    assert load_config(starter).conditions == ()
    assert run("check", str(starter), "--strict").exit_code == 0
    build = run("build", str(starter))
    assert build.exit_code == 0, build.output
    site = starter / "site"
    index = (site / "conditions/index.html").read_text(encoding="utf-8")
    assert "names no conditions yet" in index and "<table" not in index.split("names no conditions")[1]
    evidence = (site / "evidence/index.html").read_text(encoding="utf-8")
    assert "names no conditions yet" in evidence and "Sources by condition" not in evidence
    assert not (site / "conditions/example-condition").exists()
    assert broken_links(site) == []
