"""``kb search``: find published claims in the KB's search index."""

from __future__ import annotations

import json

import click

from ..config.kbconfig import load_config
from ..core.errors import ConfigError
from ..search.engine import IndexMissing, QueryError, open_engine
from ..search.params import DEFAULT_LIMIT, DEFAULT_SORT, MAX_LIMIT
from ..search.textout import format_text
from .check import KB_ARG


@click.command()
@click.argument("query")
@KB_ARG
@click.option("--condition", "conditions", multiple=True, metavar="ID", help="Only claims about this condition.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="ROLE",
    help="Only claims where the condition (any, without --condition) is treated, harm or exclusion.",
)
@click.option("--source", metavar="KEY", help="Only claims citing this source.")
@click.option("--design", "designs", multiple=True, metavar="DESIGN", help="Only claims whose best design is this.")
@click.option("--sourcetype", "sourcetypes", multiple=True, metavar="TYPE", help="Only claims citing this type.")
@click.option("--sort", default=DEFAULT_SORT, show_default=True, metavar="relevance|design", help="design: best first")
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=DEFAULT_LIMIT, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def search(
    query: str,
    kb: str,
    conditions: tuple[str, ...],
    roles: tuple[str, ...],
    source: str | None,
    designs: tuple[str, ...],
    sourcetypes: tuple[str, ...],
    sort: str,
    limit: int,
    as_json: bool,
) -> None:
    """Search the published claims of the KB in folder KB (default: here) for QUERY.

    All words must match; "quoted phrases" match as phrases, -word excludes, and
    condition:ID, source:KEY, design:DESIGN, authority:KIND, year:YYYY and author:NAME filter.
    Several --condition, --role, --design or --sourcetype values: any of them; different options: all.
    A role (treated, harm, exclusion) is the role of the --condition in the claim: --condition
    liver-disease --role harm lists warnings and risks, not treatments.
    A design is one of the KB's designs or "none" (no study design among the claim's sources).

    Exit status: 0 results or none; 1 no index (run kb build first); 2 bad query or unknown condition,
    role, design, source type or sort.
    """
    config = load_config(kb)
    engine = open_engine(config.index_path)
    try:
        results = engine.search(query, conditions, source, limit, designs, sourcetypes, sort, roles)
    except IndexMissing as exc:
        raise IndexMissing(f"{config.index_path}: no search index; run kb build first") from exc
    except QueryError as exc:
        raise ConfigError(str(exc)) from exc  # exit 2: the reader can fix the query
    click.echo(json.dumps(results.to_json(), ensure_ascii=False, indent=2) if as_json else format_text(results))
