"""The starter KB that ``kb init`` copies: ``kb_tools/scaffold/``, with today's date filled in."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

from ..core.errors import ConfigError

DOTFILES = {"gitignore": ".gitignore"}  # packaged without the dot: package data globs skip hidden files


def scaffold(target: Path, today: dt.date | None = None) -> list[Path]:
    """Copy the starter KB into ``target``; refuse to overwrite anything."""
    today = today or dt.date.today()
    root = resources.files("kb_tools") / "scaffold"
    files: list[tuple[Path, str]] = []

    def walk(node, rel: Path) -> None:
        for child in node.iterdir():
            if child.is_dir():
                walk(child, rel / child.name)
            else:
                name = DOTFILES.get(child.name, child.name)
                files.append((rel / name, child.read_text(encoding="utf-8")))

    walk(root, Path())
    clashes = [str(target / rel) for rel, _ in files if (target / rel).exists()]
    if clashes:
        raise ConfigError(f"{clashes[0]}: already exists; kb init only starts a new KB in an empty folder")
    written = []
    for rel, text in sorted(files):
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text.replace("{today}", today.isoformat()), encoding="utf-8")
        written.append(dest)
    return written
