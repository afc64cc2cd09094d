"""``kb build`` with nothing changed skips the build; any change to what a build reads or wrote builds again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kb_tools import pipeline
from kb_tools.config.kbconfig import load_config
from kb_tools.publish import uptodate
from kb_tools.store.loadcache import read_pickle, write_pickle
from tests.conftest import make_kb


def _key(kb: Path, engine: str = "mkdocs") -> str | None:
    return uptodate.inputs_key(load_config(kb), engine)


def _append(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


# Each edit changes something a build reads, so a key taken before and after it must differ.
EDITS = {
    "a page": lambda kb: _append(kb / "docs/topic.md", "\nMore text.\n"),
    "a new asset in docs": lambda kb: _append(kb / "docs/img/new.svg", "<svg/>"),
    "a dot file in docs": lambda kb: _append(kb / "docs/.pages", "title: x\n"),
    "the bibliography": lambda kb: _append(kb / "references/sources.bib", "\n% a comment\n"),
    "a findings record": lambda kb: _append(kb / "references/records/new.yml", "design: rct\n"),
    "the lay terms": lambda kb: _append(kb / "lay_terms.yml", "terms: {}\n"),
    "mkdocs.yml": lambda kb: _append(kb / "mkdocs.yml", "\n# a comment\n"),
    "an override in custom_dir": lambda kb: _append(kb / "overrides/main.html", "{% extends 'base.html' %}"),
    "another file in the KB": lambda kb: _append(kb / "notes.txt", "x"),
}


@pytest.fixture
def kb(tmp_path) -> Path:
    kb = make_kb(tmp_path)
    text = (kb / "mkdocs.yml").read_text(encoding="utf-8")
    (kb / "mkdocs.yml").write_text(text.replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"))
    (kb / "overrides").mkdir()
    return kb


@pytest.mark.parametrize("what", EDITS)
def test_every_input_is_in_the_key(kb, what):
    before = _key(kb)
    EDITS[what](kb)
    assert _key(kb) != before


def test_the_date_umask_and_engine_are_in_the_key(kb, monkeypatch):
    before = _key(kb)
    assert _key(kb) == before and _key(kb, "properdocs") != before
    monkeypatch.setattr(uptodate, "_today", lambda: dt.date(2030, 1, 1))
    assert _key(kb) != before
    monkeypatch.undo()
    monkeypatch.setattr(uptodate, "_umask", lambda: 0o077)
    assert _key(kb) != before


def test_outputs_and_version_control_are_not_inputs(kb):
    before = _key(kb)
    for rel in ("site/index.html", ".kb/cache/x", ".kb/index/x", ".git/HEAD", "node_modules/x/index.js"):
        _append(kb / rel, "x")
    assert _key(kb) == before


def test_retraction_data_outside_the_kb_is_an_input(kb, tmp_path):
    csv = tmp_path / "elsewhere" / "retractions.csv"
    _append(csv, "Record ID,Title\n")
    text = (kb / "mkdocs.yml").read_text(encoding="utf-8")
    option = f"      retractions: [{csv}]\n      bibliography:"
    (kb / "mkdocs.yml").write_text(text.replace("      bibliography:", option))
    before = _key(kb)
    _append(csv, "1,A retracted paper\n")
    assert _key(kb) != before


def test_an_inherited_config_is_never_taken_as_unchanged(kb):
    _append(kb / "mkdocs.yml", "\nINHERIT: base.yml\n")
    assert _key(kb) is None


def _no_check(*args, **kwargs):
    raise AssertionError("the KB was checked again although nothing changed")


def test_nothing_changed_skips_the_build_and_gives_the_same_outcome(kb, monkeypatch):
    first = pipeline.build_site(load_config(kb))
    assert first.published and (kb / ".kb/cache" / uptodate.STATE).is_file()
    html = (kb / "site/topic/index.html").read_bytes()
    monkeypatch.setattr(pipeline, "check_kb", _no_check)
    again = pipeline.build_site(load_config(kb))
    assert again.published and again.report is None and again.outcome == first.outcome
    assert (kb / "site/topic/index.html").read_bytes() == html
    if first.outcome.warnings:  # --strict refuses to publish on the same outcome, as a full build would
        assert not pipeline.build_site(load_config(kb), strict=True).published
    monkeypatch.undo()
    _append(kb / "docs/topic.md", "\nA new paragraph without a source.\n")
    edited = pipeline.build_site(load_config(kb))
    assert edited.report is not None and edited.outcome != first.outcome


@pytest.mark.parametrize("tamper", ["site", "index"])
def test_a_site_or_index_changed_since_is_built_again(kb, tamper):
    pipeline.build_site(load_config(kb))
    if tamper == "site":
        (kb / "site/topic/index.html").write_text("defaced")
    else:
        victim = next(p for p in sorted((kb / ".kb/index").iterdir()) if p.is_file())
        victim.write_bytes(victim.read_bytes() + b"\0")
    result = pipeline.build_site(load_config(kb))
    assert result.report is not None and result.published
    assert b"defaced" not in (kb / "site/topic/index.html").read_bytes()


def test_an_edit_during_the_build_leaves_no_state(kb, monkeypatch):
    check_kb = pipeline.check_kb

    def edit_then_check(config):
        _append(kb / "docs/topic.md", "\n## Written while the build ran\n")
        return check_kb(config)

    monkeypatch.setattr(pipeline, "check_kb", edit_then_check)
    assert pipeline.build_site(load_config(kb)).published
    assert not (kb / ".kb/cache" / uptodate.STATE).exists()  # so the next build builds the edit
    monkeypatch.undo()
    assert pipeline.build_site(load_config(kb)).report is not None


def test_a_state_for_other_inputs_is_not_taken(kb):
    pipeline.build_site(load_config(kb))
    state = kb / ".kb/cache" / uptodate.STATE
    data = read_pickle(state)
    assert isinstance(data, dict) and data["key"]
    write_pickle(state, {**data, "key": "other"})
    assert pipeline.build_site(load_config(kb)).report is not None


def test_a_state_kb_did_not_seal_is_not_taken(kb):
    pipeline.build_site(load_config(kb))
    state = kb / ".kb/cache" / uptodate.STATE
    state.write_bytes(state.read_bytes()[:-1] + b"x")  # its seal no longer matches
    assert pipeline.build_site(load_config(kb)).report is not None
