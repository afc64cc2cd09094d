"""Plain ``mkdocs build`` publishes nothing the check rejects, whatever its flags (issue 22, item 2).

MkDocs drops warnings under ``-q``, so ``mkdocs build -q --strict`` used to return 0 and publish an
uncited claim; the kb plugin now stops the build itself, as ``kb build`` does. Real subprocesses.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_kb

MKDOCS = Path(sys.executable).parent / "mkdocs"


def mkdocs_build(kb: Path, *flags: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([str(MKDOCS), "build", *flags], cwd=kb, capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture
def uncited(tmp_path) -> Path:
    kb = make_kb(tmp_path)
    topic = kb / "docs/topic.md"
    topic.write_text(topic.read_text() + "\nMelatonin cures every sleep problem.\n")
    return kb


@pytest.mark.parametrize("flags", [("-q",), ("-q", "--strict"), ()], ids=["quiet", "quiet-strict", "plain"])
def test_mkdocs_build_fails_on_check_errors_whatever_the_flags(uncited, flags):
    result = mkdocs_build(uncited, *flags)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout + result.stderr
    assert "so the site was not built (as kb build refuses)" in out
    assert "docs/topic.md:" in out and "uncited-claim" in out
    assert not (uncited / "site/topic/index.html").exists()


def test_mkdocs_build_of_a_clean_kb_still_builds(base_kb):
    result = mkdocs_build(base_kb, "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (base_kb / "site/topic/index.html").is_file()


def test_check_warnings_stop_no_mkdocs_build(base_kb):
    """As ``kb build`` without ``--strict``: ``--strict`` is MkDocs' own, about MkDocs' warnings."""
    cfg = base_kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("review_max_age_days: 3650", "review_max_age_days: 1"))  # stale-review
    assert mkdocs_build(base_kb, "-q").returncode == 0
    assert mkdocs_build(base_kb, "-q", "--strict").returncode == 0
