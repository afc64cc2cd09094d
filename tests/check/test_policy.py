"""Each planted fixture KB produces exactly its planted findings, in all three output formats."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from kb_tools.cli import cli
from kb_tools.config.kbconfig import load_config
from kb_tools.core import codes
from kb_tools.load.catalogue import load_catalogue
from tests.conftest import KBS, make_kb

PLANTED = sorted(p.name for p in (KBS / "planted").iterdir() if p.is_dir())


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def expected(name: str) -> list[list]:
    return sorted(json.loads((KBS / "planted" / name / "expected.json").read_text()))


def test_base_kb_is_clean(base_kb):
    result = run("check", str(base_kb), "--strict", "--format", "json")
    data = json.loads(result.output)
    assert data["findings"] == []
    assert result.exit_code == 0
    assert data["summary"] == {
        "pages": 2,
        "claims": 4,  # a list's lead-in is no claim of its own
        "cited_claims": 4,
        "sources": 2,
        "errors": 0,
        "warnings": 0,
        "not_claims": 1,
        "draft_pages": 0,
        "draft_errors": 0,
        "draft_warnings": 0,
    }


def test_every_finding_code_is_planted_somewhere():
    planted_codes = {row[1] for name in PLANTED for row in expected(name)}
    assert planted_codes == set(codes.CODES)


@pytest.mark.parametrize("name", PLANTED)
def test_the_loader_gives_each_finding_its_codes_default_severity(tmp_path, name):
    """No loader sets a severity of its own, so a BibTeX warning stays a warning (``kb_tools.core.codes``)."""
    catalogue = load_catalogue(load_config(make_kb(tmp_path, name)))
    for f in catalogue.findings:
        assert f.severity == codes.CODES[f.code].severity, f


@pytest.mark.parametrize("name", PLANTED)
def test_planted_json(tmp_path, name):
    kb = make_kb(tmp_path, name)
    result = run("check", str(kb), "--format", "json")
    data = json.loads(result.output)
    got = sorted([f["severity"], f["code"], f["path"], f["line"]] for f in data["findings"])
    assert got == expected(name)
    has_errors = any(row[0] == "error" for row in expected(name))
    assert result.exit_code == (1 if has_errors else 0)
    assert data["summary"]["errors"] == sum(r[0] == "error" for r in got)
    for f in data["findings"]:
        assert f["message"] and f["line"] >= 1


@pytest.mark.parametrize("name", PLANTED)
def test_planted_text(tmp_path, name):
    kb = make_kb(tmp_path, name)
    result = run("check", str(kb), "--strict")
    lines = result.output.strip().splitlines()
    got = []
    for line in lines[:-1]:
        m = re.match(r"^(\S+):(\d+): (error|warning) ([a-z-]+): .+", line)
        assert m, line
        got.append([m.group(3), m.group(4), m.group(1), int(m.group(2))])
    assert sorted(got) == expected(name)
    assert re.search(r"\d+ errors?, \d+ warnings?", lines[-1])
    assert result.exit_code == 1  # --strict: warnings fail too


@pytest.mark.parametrize("name", PLANTED)
def test_planted_github(tmp_path, name):
    kb = make_kb(tmp_path, name)
    result = run("check", str(kb), "--format", "github")
    got = []
    for line in result.output.strip().splitlines()[:-1]:
        m = re.match(r"^::(error|warning) file=([^,]+),line=(\d+),title=([a-z-]+)::.+", line)
        assert m, line
        got.append([m.group(1), m.group(4), m.group(2), int(m.group(3))])
    assert sorted(got) == expected(name)


def test_unknown_source_suggests_closest_key(tmp_path):
    kb = make_kb(tmp_path, "unknown-source")
    data = json.loads(run("check", str(kb), "--format", "json").output)
    (finding,) = [f for f in data["findings"] if f["code"] == "unknown-source"]
    assert finding["source"] == "smith2002"
    assert "smith2022" in finding["message"]
    assert finding["claim"].startswith("c-")


def test_duplicate_names_first_definition(tmp_path):
    kb = make_kb(tmp_path, "duplicate-source")
    data = json.loads(run("check", str(kb), "--format", "json").output)
    used, ignored = data["findings"]  # a finding at each copy (issue 22, item 3)
    assert used["path"] == "references/sources.bib" and "again at references/sources2.bib:1" in used["message"]
    assert "uses the one at references/sources.bib:1" in ignored["message"]
