"""``kb build`` says which stage it is in and how far along the long ones are; ``--quiet`` silences it."""

from __future__ import annotations

import io
import re
import shutil

import pytest
from click.testing import CliRunner

from kb_tools.cli import cli
from kb_tools.store import background, progress
from tests.conftest import make_kb


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_for_logs(monkeypatch):
    monkeypatch.setattr(progress.Lines, "EVERY", 0.0)  # every tenth gets its line
    out = io.StringIO()
    with progress.reporting(progress.reporter_for(quiet=False, out=out)):
        progress.stage("checking the KB")
        progress.stage("writing pages", 1000)
        for _ in range(1000):
            progress.advance()
    lines = out.getvalue().splitlines()
    assert lines[0] == "kb build: checking the KB..."
    assert re.fullmatch(r"kb build: checking the KB: done \(\d+\.\d s\)", lines[1])
    assert lines[2] == "kb build: writing pages (1,000)..."
    assert lines[3] == "kb build: writing pages: 100/1,000 (10%)"
    assert len(lines) == 2 + 1 + 9 + 1  # occasional: a line per tenth, not per page
    assert re.fullmatch(r"kb build: writing pages: done \(1,000/1,000, \d+\.\d s\)", lines[-1])


def test_plain_lines_are_rationed_in_time():
    out = io.StringIO()
    with progress.reporting(progress.Lines(out)):
        progress.stage("writing pages", 50)
        progress.advance(50)
    assert out.getvalue().splitlines()[0] == "kb build: writing pages (50)..."
    assert len(out.getvalue().splitlines()) == 2  # a fast stage: its start and its end


def test_a_bar_on_a_terminal_and_nothing_when_quiet():
    tty = Tty()
    reporter = progress.reporter_for(quiet=False, out=tty)
    assert isinstance(reporter, progress.Bar)
    with progress.reporting(reporter):
        progress.stage("writing pages", 40)
        for _ in range(40):
            progress.advance()
    assert "kb build: writing pages" in tty.getvalue() and "40/40" in tty.getvalue() and "#" in tty.getvalue()
    quiet = Tty()
    with progress.reporting(progress.reporter_for(quiet=True, out=quiet)):
        progress.stage("writing pages", 40)
        progress.advance(40)
    assert quiet.getvalue() == ""


def test_a_failed_stage_says_stopped():
    out = io.StringIO()
    with pytest.raises(RuntimeError), progress.reporting(progress.Lines(out)):
        progress.stage("writing pages", 10)
        progress.advance(3)
        raise RuntimeError
    assert out.getvalue().splitlines()[-1].startswith("kb build: writing pages: stopped (3/10, ")


def test_counted_turns_totals_into_steps():
    out = io.StringIO()
    with progress.reporting(progress.Lines(out)):
        report = progress.counted("indexing claims")
        for done in (0, 10, 10, 40, 100):
            report(done, 100)
    assert out.getvalue().splitlines()[-1].startswith("kb build: indexing claims: done (100/100, ")


def _step_reporting_progress():
    send = background.progress_sender()
    for n in range(1001):
        send(n, 1000)


def test_a_background_step_reports_progress_through_its_job():
    seen = []
    job = background.Job("test step", _step_reporting_progress)
    job.wait(lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 1000) and seen[-1] == (1000, 1000)
    assert len(seen) == 101  # a message per percent, not per item


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")
def test_kb_build_shows_its_stages_in_a_log_and_nothing_with_quiet(tmp_path):
    kb = make_kb(tmp_path)
    result = CliRunner().invoke(cli, ["build", str(kb)])
    assert result.exit_code == 0, result.output
    log = result.stderr
    for stage in ("checking the KB", "formatting sources", "converting pages", "writing pages", "indexing claims"):
        assert f"kb build: {stage}" in log, log
    pages = re.search(r"kb build: writing pages: done \((\d+)/(\d+), ", log)
    assert pages and pages[1] == pages[2] and int(pages[1]) > 3
    claims = re.search(r"kb build: indexing claims \(begun beside the rendering\): done \((\d+)/(\d+), ", log)
    assert claims and claims[1] == claims[2] and int(claims[1]) > 0
    assert "Site built in" in result.stdout and "kb build:" not in result.stdout  # the report stays on stdout

    quiet = CliRunner().invoke(cli, ["build", "--quiet", str(kb)])
    assert quiet.exit_code == 0, quiet.output
    assert "kb build:" not in quiet.stderr and "Site built in" in quiet.stdout
