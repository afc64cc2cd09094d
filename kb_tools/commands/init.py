"""``kb init``: scaffold a small KB that passes ``kb check --strict`` at once."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import click

from ..errors import ConfigError

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


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
def init(directory: str) -> None:
    """Start a new KB in DIRECTORY: mkdocs.yml, one topic page and one .bib file."""
    written = scaffold(Path(directory))
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: kb check {directory}  then  kb build {directory}")
