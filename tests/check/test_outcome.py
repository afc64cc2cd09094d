"""The kept outcome of ``kb check``: reused only while every input is unchanged, else the check runs again.

Each planted change is made after a check has kept its outcome; the next (warm) check must print exactly
what a cold check of the changed KB prints, never the kept outcome.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb_tools import pipeline
from kb_tools.check import outcome as outcome_mod
from kb_tools.check.outcome import CACHE_FILE, Outcome, check_outcome, outcome
from kb_tools.check.report import FORMATS
from kb_tools.cli import cli
from kb_tools.config.kbconfig import load_config
from tests.conftest import make_kb

TODAY = dt.date(2026, 12, 8)


class Counting:
    """``pipeline.check_kb``, counting its calls: a kept outcome answers without any."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, config, today):
        self.calls += 1
        return pipeline.check_kb(config, today)


def warm(kb: Path, today: dt.date = TODAY) -> tuple[Outcome, int]:
    run = Counting()
    return check_outcome(load_config(kb), run, today), run.calls


def cold(kb: Path, tmp_path: Path, today: dt.date = TODAY) -> Outcome:
    """The check with no cache at all (a fresh cache folder of its own)."""
    folder = tmp_path / f"cold-{len(list(tmp_path.glob('cold-*')))}"
    return outcome(pipeline.check_kb(replace(load_config(kb), cache_dir=str(folder)), today))


def printed(result: Outcome) -> dict[str, str]:
    return {name: fmt(result) for name, fmt in FORMATS.items()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer holds {old!r}: the planted change would change nothing"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _page_edit(kb: Path) -> None:
    edit(kb / "docs/topic.md", "in pooled studies [@smith2022].", "in pooled studies.")


def _page_added(kb: Path) -> None:
    (kb / "docs/added.md").write_text("---\ntitle: Added\nreviewed: 2026-11-01\n---\n\n# Added\n\nAn uncited claim.\n")


def _page_removed(kb: Path) -> None:
    (kb / "docs/more.md").unlink()


def _page_in_new_folder(kb: Path) -> None:
    (kb / "docs/sub").mkdir()
    shutil.copy(kb / "docs/topic.md", kb / "docs/sub/copy.md")


def _link_out(kb: Path) -> None:
    os.symlink("/etc/hostname", kb / "docs/outside.md")


def _bib_edit(kb: Path) -> None:
    edit(kb / "references/sources.bib", "@article{smith2022,", "@article{smith2022x,")


def _bib_added(kb: Path) -> None:
    (kb / "references/new.bib").write_text("@misc{unused2026, title = {Never cited}, year = {2026}}\n")


def _bib_removed(kb: Path) -> None:
    (kb / "references/extra.bib").unlink()


def _record_edit(kb: Path) -> None:
    edit(kb / "references/records/smith2022.yml", "design: meta-analysis", "design: [meta-analysis")


def _record_removed(kb: Path) -> None:
    (kb / "references/records/smith2022.yml").unlink()


def _lay_terms_added(kb: Path) -> None:
    (kb / "lay_terms.yml").write_text("terms: [not, a, mapping]\n")


def _lay_terms_edit(kb: Path) -> None:
    _lay_terms_added(kb)  # planted before the first check by ``setup``; now made valid
    (kb / "lay_terms.yml").write_text("terms:\n  teenagers: [adolescent]\n")


def _retractions_edit(kb: Path) -> None:
    path = kb / "data/retraction-watch.csv"
    text = path.read_text(encoding="utf-8-sig")
    assert ",Retraction," in text
    path.write_text(text.replace(",Retraction,", ",Expression of concern,"), encoding="utf-8")


def _retractions_removed(kb: Path) -> None:
    (kb / "data/retraction-watch.csv").rename(kb / "data/retraction-watch.csv.old")


def _config_edit(kb: Path) -> None:
    edit(
        kb / "mkdocs.yml",
        "review_max_age_days: 3650",
        "review_max_age_days: 3650\n      severity: {retracted-source: warning}",
    )


def _config_age(kb: Path) -> None:
    edit(kb / "mkdocs.yml", "review_max_age_days: 3650", "review_max_age_days: 30")


CHANGES = {
    "page edit": _page_edit,
    "page added": _page_added,
    "page removed": _page_removed,
    "page in a new folder": _page_in_new_folder,
    "link out of the KB": _link_out,
    "bib edit": _bib_edit,
    "bib file added": _bib_added,
    "bib file removed": _bib_removed,
    "findings record edit": _record_edit,
    "findings record removed": _record_removed,
    "lay terms added": _lay_terms_added,
    "lay terms edit": _lay_terms_edit,
    "retraction list edit": _retractions_edit,
    "retraction list removed": _retractions_removed,
    "config edit": _config_edit,
    "config review age": _config_age,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_is_never_answered_from_the_kept_outcome(tmp_path, change):
    kb = make_kb(tmp_path, "retracted-source")
    if change == "lay terms edit":
        _lay_terms_added(kb)
    before, calls = warm(kb)
    assert calls == 1
    assert warm(kb) == (before, 0)  # kept
    CHANGES[change](kb)
    after, calls = warm(kb)
    assert calls == 1, "the check did not run again after the change"
    assert printed(after) == printed(cold(kb, tmp_path))
    assert printed(after) != printed(before), "the planted change should change the report"
    assert warm(kb) == (after, 0)  # the new outcome is kept in its turn


def test_a_new_date_checks_again(tmp_path):
    kb = make_kb(tmp_path, "retracted-source")
    before, _ = warm(kb)
    later = dt.date(2036, 12, 8)  # beyond review_max_age_days of the pages' reviewed dates
    after, calls = warm(kb, later)
    assert calls == 1
    assert printed(after) == printed(cold(kb, tmp_path, later))
    assert "stale-review" in FORMATS["text"](after) and "stale-review" not in FORMATS["text"](before)


def test_reverting_a_change_gives_the_first_report_again(tmp_path):
    kb = make_kb(tmp_path, "retracted-source")
    page = kb / "docs/topic.md"
    original = page.read_text()
    first, _ = warm(kb)
    _page_edit(kb)
    warm(kb)
    page.write_text(original)
    again, calls = warm(kb)
    assert calls == 1 and printed(again) == printed(first)


def test_an_outcome_is_not_kept_when_an_input_changed_during_the_check(tmp_path):
    kb = make_kb(tmp_path, "retracted-source")

    def check_while_editing(config, today):
        report = pipeline.check_kb(config, today)
        _page_edit(kb)  # an editor saves a page while the check runs
        return report

    check_outcome(load_config(kb), check_while_editing, TODAY)
    result, calls = warm(kb)
    assert calls == 1, "an outcome of the inputs before the edit was kept"
    assert printed(result) == printed(cold(kb, tmp_path))


def test_an_entry_kb_did_not_seal_is_ignored(tmp_path):
    kb = make_kb(tmp_path, "retracted-source")
    first, _ = warm(kb)
    entry = kb / ".kb/cache" / CACHE_FILE
    entry.write_bytes(b"\0" * 32 + entry.read_bytes()[32:])  # the MAC broken: a crafted or damaged entry
    again, calls = warm(kb)
    assert calls == 1 and again == first


def test_the_check_runs_again_when_the_kept_entry_is_of_another_kb_state(tmp_path, monkeypatch):
    kb = make_kb(tmp_path, "retracted-source")
    warm(kb)
    monkeypatch.setattr(outcome_mod.inputs, "_VERSION", "another")  # as a kb that hashes something new
    _, calls = warm(kb)
    assert calls == 1


def test_a_finding_placed_by_mkdocs_yml_lines_follows_an_edit_that_moves_them(tmp_path):
    kb = make_kb(tmp_path, "retracted-source")
    _retractions_removed(kb)  # a pattern that matches no file: a finding at the option's line in mkdocs.yml
    before, _ = warm(kb)
    edit(kb / "mkdocs.yml", "site_name: Fixture KB", "# a comment that moves every line\nsite_name: Fixture KB")
    after, calls = warm(kb)
    assert calls == 1 and printed(after) == printed(cold(kb, tmp_path)) and printed(after) != printed(before)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_kb_check_prints_the_same_warm_and_cold(tmp_path, fmt):
    kb = make_kb(tmp_path, "retracted-source")
    runs = [CliRunner().invoke(cli, ["check", str(kb), "--format", fmt, "--strict"]) for _ in range(2)]
    assert (kb / ".kb/cache" / CACHE_FILE).is_file()
    assert runs[0].output == runs[1].output and runs[0].exit_code == runs[1].exit_code == 1
    assert runs[0].output.rstrip("\n") == FORMATS[fmt](outcome(pipeline.check_kb(load_config(kb))))


def test_an_outcome_prints_as_its_report_does(tmp_path):
    kb = make_kb(tmp_path, "retracted-source")
    report = pipeline.check_kb(load_config(kb), TODAY)
    kept = outcome(report)
    assert printed(kept) == printed(report)  # type: ignore[arg-type]
    assert (kept.errors, kept.warnings, kept.failed(), kept.failed(True)) == (
        report.errors,
        report.warnings,
        report.failed(),
        report.failed(True),
    )
