"""A build that fails at any point leaves the previous site/ and index exactly as they were.

Each test builds a fixture KB once, snapshots a hash of every file of site/ and the index, injects one
failure into the next build, and compares. Temporary folders must be gone afterwards, or be cleared by the
next build (a killed process cannot clean up after itself).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb_tools import pipeline
from kb_tools.cli import cli
from kb_tools.config.kbconfig import load_config
from kb_tools.core.errors import BuildError
from kb_tools.publish import swap as kb_build
from tests.conftest import make_kb
from tests.tree_helpers import KB, kb_run, leftovers, outputs

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")


@pytest.fixture
def built(tmp_path) -> tuple[Path, dict]:
    """The base fixture KB after one good ``kb build``, and a snapshot of its outputs."""
    kb = make_kb(tmp_path)
    result = CliRunner().invoke(cli, ["build", str(kb)])
    assert result.exit_code == 0, result.output
    before = outputs(kb)
    assert before["site"] and before["index"]
    return kb, before


def assert_unchanged(kb: Path, before: dict) -> None:
    after = outputs(kb)
    for part in ("site", "index"):
        changed = sorted(set(before[part].items()) ^ set(after[part].items()))
        assert not changed, f"{part} changed: {changed[:5]}"
    assert leftovers(kb) == []


def edit_kb(kb: Path) -> None:
    """A change that must reach the site, so the next build cannot be skipped or served from caches."""
    topic = kb / "docs/topic.md"
    topic.write_text(topic.read_text() + "\nQuokkas were not studied [@smith2022].\n")
    bib = kb / "references/sources.bib"
    bib.write_text(bib.read_text().replace("a meta-analysis", "a meta-analysis revisited"))


# --- bad configuration --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (lambda t: t + "\nplugins: [kb\n", 2),  # not YAML
        (lambda t: t.replace("name: material", "name: no-such-theme"), 2),  # kb accepts it, MkDocs does not
        (lambda t: t.replace("review_max_age_days: 3650", "review_max_age_days: soon"), 2),  # bad kb option
        (lambda t: t.replace("- search\n", "- search\n  - no-such-plugin\n"), 2),  # unknown MkDocs plugin
        (lambda t: t + "\nmarkdown_extensions:\n  - no_such_extension\n", 2),
    ],
    ids=["yaml", "theme", "kb-option", "plugin", "markdown-extension"],
)
def test_broken_config_after_a_good_build(built, edit, code):
    kb, before = built
    edit_kb(kb)
    cfg = kb / "mkdocs.yml"
    cfg.write_text(edit(cfg.read_text()))
    result = kb_run("build", str(kb))
    assert result.returncode in (code, 1), result.stderr
    assert "kb: " in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert_unchanged(kb, before)


# --- a page or template that breaks rendering ------------------------------------------------------------


def test_exception_while_rendering_a_page(built, monkeypatch):
    kb, before = built
    edit_kb(kb)
    real = pipeline.render_page

    def render_page(site, path, *args, **kwargs):
        if path == "topic.md":
            raise ValueError("cannot render this page")
        return real(site, path, *args, **kwargs)

    monkeypatch.setattr(pipeline, "render_page", render_page)
    with pytest.raises(BuildError, match="previous site is unchanged|could not build"):
        pipeline.build_site(load_config(kb))
    assert_unchanged(kb, before)


def test_broken_template(built, monkeypatch):
    import jinja2

    import kb_tools.site.templating as sitetemplates

    kb, before = built
    edit_kb(kb)
    real = sitetemplates.environment()
    broken = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.DictLoader({"condition.md.j2": "{{ no_such_name.attr }}"}), real.loader]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    broken.filters.update(real.filters)
    monkeypatch.setattr(sitetemplates, "environment", lambda: broken)
    with pytest.raises(BuildError):
        pipeline.build_site(load_config(kb))
    assert_unchanged(kb, before)


def test_raw_html_in_a_page_cannot_break_the_build(built):
    """Unclosed tags and stray template syntax in a page are text to MkDocs, not an error (and not a crash)."""
    kb, _ = built
    topic = kb / "docs/topic.md"
    topic.write_text(topic.read_text() + "\n<div><table>{{ page.meta }} {% raw %} Quokkas [@smith2022].\n")
    result = CliRunner().invoke(cli, ["build", str(kb)])
    assert result.exit_code == 0, result.output
    assert leftovers(kb) == []


# --- the index writer -----------------------------------------------------------------------------------


# Loaded by the index writer's fresh interpreter (it is on PYTHONPATH): fails the third ``add_document``.
FAULT = """
import os
from pathlib import Path

from whoosh.writing import SegmentWriter

real = SegmentWriter.add_document
calls = Path(os.environ["KB_TEST_CALLS"])


def add_document(self, **fields):
    with calls.open("a") as f:
        f.write(".")
    if len(calls.read_text()) == 3:
        raise {exc}
    return real(self, **fields)


SegmentWriter.add_document = add_document
"""


@pytest.mark.parametrize("exc", ['OSError(28, "No space left on device")', 'RuntimeError("whoosh bug")'])
def test_exception_in_the_index_writer(built, monkeypatch, tmp_path, exc):
    kb, before = built
    edit_kb(kb)
    (tmp_path / "sitecustomize.py").write_text(FAULT.format(exc=exc))
    calls = tmp_path / "add_document-calls"  # the writer is a process of its own: count in a file
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv("KB_TEST_CALLS", str(calls))
    with pytest.raises(BuildError, match="RuntimeError: whoosh bug" if "Runtime" in exc else "space left"):
        pipeline.build_site(load_config(kb))
    assert calls.read_text() == "..."
    assert_unchanged(kb, before)


def test_failure_swapping_in_the_index_keeps_the_old_site(built, monkeypatch):
    """The site is swapped in first; if the index then cannot be, the old site must come back."""
    kb, before = built
    edit_kb(kb)
    real = kb_build.swap_in

    def swap_in(new, target, **kwargs):
        if Path(target) == load_config(kb).index_path:
            raise OSError(13, "Permission denied")
        return real(new, target, **kwargs)

    monkeypatch.setattr(kb_build, "swap_in", swap_in)
    with pytest.raises((BuildError, OSError)):
        pipeline.build_site(load_config(kb))
    assert_unchanged(kb, before)


# --- pandoc missing ---------------------------------------------------------------------------------------


def test_pandoc_missing(built, tmp_path):
    kb, before = built
    edit_kb(kb)  # a changed entry: the APA cache cannot stand in for pandoc
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = kb_run("build", str(kb), env={**os.environ, "PATH": str(empty)})
    assert result.returncode == 1, result.stderr
    assert "pandoc is not installed" in result.stderr and "Traceback" not in result.stderr
    assert_unchanged(kb, before)
    # and with pandoc back, the same KB builds
    assert kb_run("build", str(kb)).returncode == 0
    assert outputs(kb) != before and leftovers(kb) == []


# --- interruption -------------------------------------------------------------------------------------------


def staging_started(kb: Path) -> bool:
    return any(".building-" in p.name for p in kb.iterdir())


def interrupt_build(kb: Path, sig: int, when) -> subprocess.CompletedProcess:
    """Start ``kb build``, send ``sig`` once ``when(kb)`` holds, and wait for it to end."""
    proc = subprocess.Popen([str(KB), "build", str(kb)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    try:
        while not when(kb):
            assert proc.poll() is None, "the build ended before it could be interrupted"
            assert time.monotonic() < deadline, "the build never reached the point to interrupt"
            time.sleep(0.005)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_build(built, sig):
    kb, before = built
    edit_kb(kb)
    result = interrupt_build(kb, sig, staging_started)
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert "interrupted" in result.stderr
    assert_unchanged(kb, before)


def test_killed_build_is_cleaned_up_by_the_next(built):
    """SIGKILL leaves staging folders behind; the next build removes them and publishes."""
    kb, before = built
    edit_kb(kb)
    result = interrupt_build(kb, signal.SIGKILL, staging_started)
    assert result.returncode == -signal.SIGKILL
    assert outputs(kb) == before  # nothing half-published
    assert leftovers(kb)  # a killed process could not tidy up
    result = kb_run("build", str(kb))
    assert result.returncode == 0, result.stderr
    assert leftovers(kb) == []
    assert "Quokkas" in (kb / "site/topic/index.html").read_text()


@pytest.fixture(scope="module")
def big_kb(tmp_path_factory) -> Path:
    """A generated KB of size S (50 pages, 1,000 claims): a build takes seconds, long enough to interrupt."""
    from benchmarks import generate

    kb = tmp_path_factory.mktemp("big") / "S"
    generate.generate("S", kb)
    result = kb_run("build", str(kb))
    assert result.returncode == 0, result.stderr
    return kb


def _html_written(kb: Path, n: int):
    def when(kb: Path) -> bool:
        staged = [p for p in kb.iterdir() if p.name.startswith(".site.building-")]
        return bool(staged) and sum(1 for _ in staged[0].rglob("*.html")) >= n

    return when


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("point", ["loading", "writing-pages"])
def test_interrupted_large_build(big_kb, sig, point):
    kb = big_kb
    before = outputs(kb)
    page = kb / "docs/index.md"
    original = page.read_text()
    page.write_text(original + "\n<!-- kb: not-a-claim -->\nEdited.\n")
    try:
        when = staging_started if point == "loading" else _html_written(kb, 20)
        result = interrupt_build(kb, sig, when)
    finally:
        page.write_text(original)
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert_unchanged(kb, before)


# --- an index_dir that holds other files ---------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
def test_index_dir_over_other_files_is_refused_and_they_are_kept(tmp_path, engine):
    """kb build replaces index_dir whole: pointed at a folder of the editor's files, it must stop, not delete them."""
    kb = make_kb(tmp_path)
    notes = kb / "notes"
    notes.mkdir()
    (notes / "todo.md").write_text("keep me\n")
    yml = kb / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("  - kb:\n", "  - kb:\n      index_dir: notes\n", 1))
    result = kb_run("build", str(kb), "--engine", engine)
    assert result.returncode == 1, result.stderr
    assert "index_dir holds files that are not kb's" in result.stderr and "Traceback" not in result.stderr
    assert [p.name for p in notes.iterdir()] == ["todo.md"] and (notes / "todo.md").read_text() == "keep me\n"
    assert not (kb / "site").exists()


def test_the_plugin_refuses_an_index_dir_over_other_files_too(tmp_path):
    kb = make_kb(tmp_path)
    (kb / "notes").mkdir()
    (kb / "notes/todo.md").write_text("keep me\n")
    yml = kb / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("  - kb:\n", "  - kb:\n      index_dir: notes\n", 1))
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q"], cwd=kb, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "index_dir holds files that are not kb's" in result.stderr
    assert (kb / "notes/todo.md").read_text() == "keep me\n"
