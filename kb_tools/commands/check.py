"""``kb check``: report every claim that does not cite an acceptable source."""

from __future__ import annotations

import click

from ..check.report import FORMATS
from ..config.kbconfig import load_config
from ..pipeline import check_kb

KB_ARG = click.argument("kb", required=False, default=".", type=click.Path(file_okay=False))


@click.command()
@KB_ARG
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Fail on warnings as well as errors.")
def check(kb: str, fmt: str, strict: bool) -> None:
    """Check the KB in folder KB (default: here) against the editorial policy.

    Exit status: 0 no errors (with --strict: no warnings either); 1 findings; 2 configuration error.
    """
    report = check_kb(load_config(kb))
    click.echo(FORMATS[fmt](report))
    raise SystemExit(1 if report.failed(strict) else 0)
