"""The claim index's schema and the files beside it: what ``kb search`` and ``kb serve`` read, without the
writer's inputs (the check, the load stage)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

SCHEMA_VERSION = 9  # 9: condition roles (``roles``, ``role``); 8: ``own`` and ``cited`` words; ``sourcetypes``


META_FILE = "kb-index.json"


WORDS_FILE = "kb-words.json"  # unstemmed vocabulary with document counts, for spelling suggestions


DOCS_FILE = "kb-docs.json"  # claim id -> fingerprint of its document, and site order: for incremental updates


def schema() -> Schema:
    """Fields: analysed ones for matching, stored ones for results."""
    stem = StemmingAnalyzer()  # lower-case, English stop words, Porter stems: "treatments" finds "treatment"
    # Few analysed fields, and positions only in the claim text: every extra field is one more
    # posting list per query word, which is what search time grows with. A plain word matches in
    # two, which rank in this order: the claim's own words, and what it cites.
    fields = Schema(
        text=TEXT(analyzer=stem, stored=True, phrase=True),
        title=STORED(),
        section=STORED(),
        conditions=KEYWORD(stored=True, commas=True, scorable=True),
        named=KEYWORD(commas=True, scorable=True),  # conditions the claim names in its own words
        roles=KEYWORD(stored=True, commas=True, scorable=True),  # "asthma:treated,liver-disease:harm"
        role=KEYWORD(commas=True, scorable=True),  # the roles any of its conditions has, for the role facet
        sources=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        own=TEXT(analyzer=stem, phrase=False),  # its text, page title and section heading
        cited=TEXT(analyzer=stem, phrase=False),  # its sources' authors, organisations and titles
        years=KEYWORD(commas=True, scorable=True),
        evidence=ID(stored=True),  # deprecated single ladder, kept for one release
        design=ID(stored=True),
        authorities=KEYWORD(stored=True, commas=True, scorable=True),
        sourcetypes=KEYWORD(commas=True, scorable=True),  # types of its accepted sources, for the facet
        page=ID(stored=True),
        url=STORED(),
        refs=STORED(),
        support=STORED(),  # what its sources report that it rests on: [{source, finding, statement, locator, quote}]
        # site order for listings without words is in kb-docs.json, by id: an update then rewrites only
        # the claims that changed, not every claim after an inserted one
        id=ID(stored=True, unique=True, sortable=True),
    )
    # Filter-only fields are "scorable" too: Whoosh then keeps their lengths in a column, where for a
    # field without one its segment writer asks the file system for that column at every posting.
    for name in ("id", "evidence", "design", "page"):
        fields[name].scorable = True
    return fields


@dataclass(frozen=True)
class SourceRef:
    """A cited source as a search result shows it."""

    key: str
    citation: str  # APA short form, e.g. "(Alnefeesi et al., 2022)"
    sourcetype: str
    evidence: str  # deprecated single ladder
    design: str = ""
    authority: tuple[str, ...] = ()


def read_meta(path: Path) -> dict | None:
    """The index's metadata, or None when ``path`` holds no complete index."""
    try:
        meta = json.loads((Path(path) / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("schema_version") == SCHEMA_VERSION else None


def read_words(path: Path) -> dict[str, int]:
    """The index's unstemmed vocabulary: word -> number of claims it occurs in."""
    try:
        data = json.loads((Path(path) / WORDS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_orders(path: Path) -> dict[str, int]:
    """Claim id -> its place in site order, for listings without words."""
    try:
        data = json.loads((Path(path) / DOCS_FILE).read_text(encoding="utf-8"))["order"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}
