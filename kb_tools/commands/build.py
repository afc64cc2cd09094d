"""``kb build``: check, then render the site and the search index."""

from __future__ import annotations

import click

from ..errors import BuildError
from .check import KB_ARG


@click.command()
@KB_ARG
@click.option("--strict", is_flag=True, help="Refuse to publish when the check has warnings, too.")
def build(kb: str, strict: bool) -> None:
    """Check the KB, then build its site and search index (refuses to publish on errors)."""
    raise BuildError("the site build is not available yet")
