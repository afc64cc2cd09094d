"""``kb init``: scaffold a small KB that passes ``kb check --strict`` at once."""

from __future__ import annotations

from pathlib import Path

import click

from ..store.starter import scaffold


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
def init(directory: str) -> None:
    """Start a new KB in DIRECTORY: mkdocs.yml, one topic page and one .bib file."""
    written = scaffold(Path(directory))
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: kb check {directory}  then  kb build {directory}")
