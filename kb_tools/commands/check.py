"""``kb check``: report every claim that does not cite an acceptable source."""

from __future__ import annotations

import datetime as dt

import click

from ..check.outcome import check_outcome
from ..check.report import FORMATS
from ..config.kbconfig import KbConfig, load_config

KB_ARG = click.argument("kb", required=False, default=".", type=click.Path(file_okay=False))


@click.command()
@KB_ARG
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Fail on warnings as well as errors.")
def check(kb: str, fmt: str, strict: bool) -> None:
    """Check the KB in folder KB (default: here) against the editorial policy.

    Exit status: 0 no errors (with --strict: no warnings either); 1 findings; 2 configuration error.
    """
    result = check_outcome(load_config(kb), _check_kb)
    click.echo(FORMATS[fmt](result))
    raise SystemExit(1 if result.failed(strict) else 0)


def _check_kb(config: KbConfig, today: dt.date):
    # imported only when no kept outcome answers: the pipeline imports every stage, and that is a third of
    # an unchanged KB's check
    from ..pipeline import check_kb

    return check_kb(config, today)
