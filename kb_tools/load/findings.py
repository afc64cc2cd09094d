"""The ``findings:`` list of a findings record: what a source reports, statement by statement.

Each item is a mapping, as a systematic reviewer fills a data-extraction form::

    findings:
      - id: family                      # required: a slug, unique in the record
        statement: Family involvement appeared essential to treatment.   # required: the editor's words
        locator: Discussion             # required: where in the source (abstract, p. 4, Table 2, web page)
        quote: "family involvement ..." # optional: a short verbatim quote

A claim names a finding in its citation's suffix (``[@key, finding: family]``, see
``kb_tools.load.citations``). Problems are ``bad-record`` findings at the item's line, never exceptions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from ..core.safeyaml import node_line, scalar_text

ITEM_FIELDS = ("id", "statement", "locator", "quote")
REQUIRED = ("id", "statement", "locator")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True, slots=True)
class SourceFinding:
    """One statement of what a source reports, and where in the source it is."""

    id: str
    statement: str
    locator: str
    quote: str = ""
    line: int = 0  # the item's line in its record file

    def texts(self) -> list[str]:
        return [t for t in (self.statement, self.quote) if t]

    def as_dict(self) -> dict:
        return {"finding": self.id, "statement": self.statement, "locator": self.locator, "quote": self.quote}


def parse_findings(node: yaml.Node, bad: Callable[[int, str], None]) -> tuple[SourceFinding, ...] | None:
    """The record's ``findings:`` value; each problem is reported through ``bad(line, message)``."""
    if not isinstance(node, yaml.SequenceNode):
        bad(
            node_line(node),
            "'findings' must be a list of items such as '- id: response' with 'statement:' and 'locator:'",
        )
        return None
    out: list[SourceFinding] = []
    first: dict[str, int] = {}
    for item in node.value:
        got = _item(item, bad)
        if got is None:
            continue
        if got.id in first:
            bad(got.line, f"finding id '{got.id}' is given twice (first on line {first[got.id]}); ids must be unique")
            continue
        first[got.id] = got.line
        out.append(got)
    return tuple(out)


def _item(item: yaml.Node, bad) -> SourceFinding | None:
    line = node_line(item)
    if not isinstance(item, yaml.MappingNode):
        bad(line, "each finding must be a mapping with 'id', 'statement', 'locator' and optionally 'quote'")
        return None
    got: dict[str, str] = {}
    bad_value = False
    for name_node, value_node in item.value:
        name, text = scalar_text(name_node), scalar_text(value_node)
        if name not in ITEM_FIELDS:
            bad(node_line(name_node), f"unknown finding field '{name}'; known fields are {', '.join(ITEM_FIELDS)}")
        elif text is None:
            bad(node_line(value_node), f"finding field '{name}' must be one value (text), not a list or mapping")
            bad_value = True
        elif name in got:
            bad(node_line(name_node), f"finding field '{name}' is given twice; keep one")
        else:
            got[name] = text
    missing = [f for f in REQUIRED if not got.get(f)]
    if missing and bad_value:
        return None  # the bad value is reported already
    if missing:
        what = {"id": "an 'id' (a slug such as response-rate)", "statement": "a 'statement' (what the source "
                "reports, in your words)", "locator": "a 'locator' (where in the source: abstract, p. 4, Table 2, "
                "web page)"}  # fmt: skip
        bad(line, "the finding needs " + " and ".join(what[m] for m in missing))
        return None
    if not SLUG.fullmatch(got["id"]):
        slug = re.sub(r"[^a-z0-9]+", "-", got["id"].lower()).strip("-") or "finding"
        bad(line, f"finding id '{got['id']}' is not a slug of lowercase letters, digits and hyphens; write '{slug}'")
        return None
    return SourceFinding(got["id"], got["statement"], got["locator"], got.get("quote", ""), line)
