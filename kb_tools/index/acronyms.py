"""Organisations' acronyms, so a reader's "FASM" or "EMA" finds the claims that cite the body.

A corporate author rarely spells its acronym where the index reads it. Three places give one:

* the name itself, in parentheses: ``{{American Academy of Sleep Medicine (AASM)}}`` gives "AASM";
* the initials of a braced corporate name (or an institution or organization field) of two or more
  capitalised words, function words skipped: ``{{European Medicines Agency}}`` gives "EMA";
* a ``shortauthor`` field (biblatex's short form of the author, often the acronym).

They are indexed with what a claim cites (``kb_tools.index.writer``), never shown, so an initialism that
spells nothing a reader types costs nothing but a few index terms.
"""

from __future__ import annotations

import re

from ..core.model import Source

_PAREN = re.compile(r"\(([A-Z][A-Za-z&.]{1,11})\)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SKIP = frozenset(
    ["of", "for", "and", "the", "on", "in", "at", "to", "du", "de", "des", "la", "le", "et", "für", "und", "der"]
)


def initials(name: str) -> str:
    """ "European Medicines Agency" -> "EMA"; "" unless every other word is capitalised (a name, not a phrase)."""
    words = [w for w in _WORD.findall(_PAREN.sub(" ", name)) if w.lower() not in _SKIP]
    if len(words) < 2 or not all(w[0].isupper() for w in words):
        return ""
    return "".join(w[0] for w in words)


def organisation_names(source: Source) -> list[str]:
    """The organisations a source names: its braced corporate authors and its issuing bodies."""
    names = [str(a) for a in source.authors if a.literal]
    names += [source.field(n) for n in ("institution", "organization") if source.field(n)]
    return names


def acronyms(source: Source) -> tuple[str, ...]:
    """The acronyms a reader may know the source's organisations by, in first-seen order."""
    found: list[str] = []
    for name in organisation_names(source):
        found += [m.replace(".", "") for m in _PAREN.findall(name)]
        found.append(initials(name))
    short = source.field("shortauthor")
    if short:
        found.append(" ".join(short.replace("{", "").replace("}", "").split()))
    return tuple(a for a in dict.fromkeys(found) if a)
