"""kb writes only into its output folders (site_dir, index_dir, cache_dir) and never touches docs/ or references/.

A snapshot of (path, kind, hash, mtime) of the whole KB folder, of the folder around it and of a fresh
$HOME is taken before and after each command; only paths under the output folders may differ.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import make_kb
from tests.site_helpers import MKDOCS, copy_kap
from tests.tree_helpers import KB, tree

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")

OUTPUTS = ("site", ".kb/index", ".kb/cache")


def allowed(rel: str) -> bool:
    return rel == ".kb" or any(rel == o or rel.startswith(o + "/") for o in OUTPUTS)


def changes(before: dict, after: dict) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def run(cmd: list[str], kb: Path, env: dict) -> None:
    result = subprocess.run(cmd, cwd=kb, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode in (0, 1), (cmd, result.stderr[-2000:])


@pytest.mark.slow  # two full builds and a tree walk of each: the slowest of the fast set
@pytest.mark.parametrize("which", ["base", "kap"])
def test_only_output_folders_change(tmp_path, which):
    work = tmp_path / "work"
    work.mkdir()
    kb = make_kb(work) if which == "base" else copy_kap(work)
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "NO_MKDOCS_2_WARNING": "1"}
    kb_cmd = str(KB)
    commands = [
        [kb_cmd, "check", "."],
        [kb_cmd, "check", ".", "--format", "json"],
        [kb_cmd, "build", "."],
        [kb_cmd, "build", "."],  # again: caches warm, site and index replaced
        [kb_cmd, "search", "ketamine", "."],
        [kb_cmd, "search", "condition:depression", ".", "--json"],
        [str(MKDOCS), "build"],
        [kb_cmd, "check", "."],
    ]
    sources_before = tree(kb / "docs", mtimes=True) | {
        "references/" + k: v for k, v in tree(kb / "references", mtimes=True).items()
    }
    for cmd in commands:
        before_kb, before_around, before_home = tree(kb, mtimes=True), tree(work, mtimes=True), tree(home)
        run(cmd, kb, env)
        after_kb, after_around = tree(kb, mtimes=True), tree(work, mtimes=True)
        outside = [k for k in changes(before_kb, after_kb) if not allowed(k)]
        assert outside == [], (cmd[1:], outside)
        around = [k for k in changes(before_around, after_around) if not k.startswith(kb.name + "/")]
        assert around == [], (cmd[1:], around)
        assert tree(home) == before_home, (cmd[1:], "wrote into $HOME")
        if cmd[1] in ("check", "search"):  # read-only for the published outputs
            for part in ("site", ".kb/index"):
                assert [k for k in changes(before_kb, after_kb) if k == part or k.startswith(part + "/")] == []
    sources_after = tree(kb / "docs", mtimes=True) | {
        "references/" + k: v for k, v in tree(kb / "references", mtimes=True).items()
    }
    assert sources_after == sources_before
    assert (kb / "site/index.html").is_file() and any((kb / ".kb/index").iterdir())
