"""Helpers for the build, output and serve tests: file-tree snapshots, leftover temp folders, ``kb`` run."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

KB = Path(sys.executable).with_name("kb")
# Names of the temporary folders kb build and the index writer make next to site/ and the index.
TEMP_MARKS = (".building-", ".old-", "-new-", "-old-")


def tree(root: Path, mtimes: bool = False) -> dict[str, tuple]:
    """Every file, folder and symlink under ``root``: relative path -> (kind, sha256[, mtime_ns])."""
    out: dict[str, tuple] = {}
    if not root.exists():
        return out
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        st = p.lstat()
        if p.is_symlink():
            entry: tuple = ("link", os.readlink(p))
        elif p.is_dir():
            entry = ("dir", "")
        else:
            entry = ("file", hashlib.sha256(p.read_bytes()).hexdigest())
        out[rel] = entry + ((st.st_mtime_ns,) if mtimes and not p.is_dir() else ())
    return out


def outputs(kb: Path) -> dict[str, dict[str, tuple]]:
    """The published outputs of a KB: the site and the search index."""
    return {"site": tree(kb / "site"), "index": tree(kb / ".kb" / "index")}


def leftovers(kb: Path) -> list[str]:
    """Temporary folders next to site/ and the index that a build should have removed."""
    found = [p for d in (kb, kb / ".kb") if d.is_dir() for p in d.iterdir()]
    return sorted(str(p.relative_to(kb)) for p in found if any(m in p.name for m in TEMP_MARKS))


def kb_run(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 600):
    """``kb ARGS`` in a subprocess."""
    return subprocess.run(
        [str(KB), *args], cwd=cwd, capture_output=True, text=True, env=env or os.environ.copy(), timeout=timeout
    )
