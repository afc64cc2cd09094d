"""Shared fixtures: fixture KBs copied into a temporary folder so tests never touch tests/fixtures."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# No per-example deadline: on two cores running the suite side by side (pytest-xdist) an example's time says
# nothing about kb; a property that hangs still ends at pytest's own limits.
settings.register_profile("kb", deadline=None)
settings.load_profile("kb")

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
KBS = FIXTURES / "kbs"
REPO = Path(__file__).parent.parent


def site_data(config):
    """Stages 1 to 3 as the pipeline runs them: the KB loaded, checked and its citations formatted."""
    from kb_tools import pipeline

    return pipeline.format_references(config, pipeline.check_kb(config))


def make_kb(tmp_path: Path, planted: str | None = None) -> Path:
    """Copy the base fixture KB, then lay a planted overlay's files over it."""
    kb = tmp_path / (planted or "base")
    shutil.copytree(KBS / "base", kb)
    if planted:
        for src in (KBS / "planted" / planted).rglob("*"):
            dest = kb / src.relative_to(KBS / "planted" / planted)
            if src.is_symlink():  # planted as a link (link-outside-kb), never followed
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(os.readlink(src), dest)
            elif src.is_file() and src.name != "expected.json":
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, dest)
    return kb


@pytest.fixture
def base_kb(tmp_path: Path) -> Path:
    return make_kb(tmp_path)


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright (``benchmarks.chromium``); never a downloaded browser."""
    from benchmarks.chromium import CHROMIUM, launched

    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (scripts/setup.sh --test installs it)")
    pytest.importorskip("playwright.sync_api")
    with launched() as b:
        yield b
