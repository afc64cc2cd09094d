"""``kb build``: check, then render the site and the search index."""

from __future__ import annotations

import click

from ..check.report import as_text
from ..config.kbconfig import load_config
from ..core.interrupts import terminate_as_interrupt
from ..engines import DEFAULT, ENGINES
from ..pipeline import build_site
from ..store import progress
from .check import KB_ARG


@click.command()
@KB_ARG
@click.option("--strict", is_flag=True, help="Refuse to publish when the check has warnings, too.")
@click.option("--quiet", "-q", is_flag=True, help="Show no progress (stages, pages, sources, claims) on stderr.")
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=DEFAULT,
    show_default=True,
    help="The site generator: MkDocs, ProperDocs (a maintained MkDocs 1.6) or Zensical (see the README).",
)
def build(kb: str, strict: bool, quiet: bool, engine: str) -> None:
    """Check the KB, then build its site and search index (refuses to publish on errors).

    The new site replaces site/ only once it is complete; a failed build leaves the previous site as it was.
    Progress goes to stderr: a bar on a terminal, a line per stage and per tenth of a long one otherwise.
    Exit status: 0 built; 1 findings (nothing published) or a failed build; 2 configuration error.
    """
    config = load_config(kb)
    with terminate_as_interrupt(), progress.reporting(progress.reporter_for(quiet)):
        result = build_site(config, strict=strict, engine=engine)
    click.echo(as_text(result.outcome, drafts=False))  # drafts are never published; kb check lists them
    if not result.published:
        what = "errors" if result.outcome.errors else "warnings (--strict)"
        click.echo(f"kb: not published: the check has {what}; fix them and build again", err=True)
        raise SystemExit(1)
    click.echo(f"Site built in {result.site}")
