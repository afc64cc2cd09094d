"""``kb build``'s log holds what the user can act on: no theme's end-of-life notice (issue 22, item 16)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import make_kb

NOTICE = "reaches end of life"


def _kb_build_as(argv0: str, kb, env: dict) -> subprocess.CompletedProcess:
    """``kb build`` in a process whose ``argv[0]`` is ``argv0`` (Material prints its notice when that is mkdocs)."""
    code = f"import sys; sys.argv[0] = {argv0!r}; from kb_tools.cli import cli; cli(['build', {str(kb)!r}])"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)


def test_kb_build_never_shows_materials_end_of_life_notice(tmp_path):
    kb = make_kb(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_MKDOCS_2_WARNING", "DISABLE_MKDOCS_2_WARNING")}
    result = _kb_build_as("/usr/local/bin/mkdocs", kb, env)  # as Material would see a kb run under mkdocs' name
    assert result.returncode == 0, result.stderr
    assert (kb / "site/index.html").is_file()
    assert NOTICE not in result.stdout + result.stderr


def test_the_notice_is_materials_and_its_documented_switch_silences_plain_mkdocs(tmp_path):
    """The README's advice for plain ``mkdocs build``: ``NO_MKDOCS_2_WARNING=1``."""
    kb = make_kb(tmp_path)
    mkdocs = os.path.join(os.path.dirname(sys.executable), "mkdocs")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_MKDOCS_2_WARNING", "DISABLE_MKDOCS_2_WARNING")}
    loud = subprocess.run([mkdocs, "build", "-q"], cwd=kb, capture_output=True, text=True, timeout=300, env=env)
    assert NOTICE in loud.stderr  # the test can fail: the notice is there to silence
    quiet = subprocess.run(
        [mkdocs, "build", "-q"],
        cwd=kb,
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert quiet.returncode == 0 and NOTICE not in quiet.stderr
