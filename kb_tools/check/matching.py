"""Does a claim say what its sources report? The matcher behind ``unsupported-claim``.

A claim is compared with what the findings records of the sources it cites report (``Record.reported``:
findings' statements and quotes, outcomes, population and the other extraction fields, numbers). Both
sides become *units*: content words after stop words, stemmed (Porter); a condition's name or synonym
(``conditions:``) is one unit that matches any other name of that condition; a lay term
(``lay_terms.yml``) also matches the words it stands for, at half weight; a number matches only the
same number (``kb_tools.core.numbers``: ``45%`` is not ``45``). A claim is supported by a text when they
share at least ``MIN_SHARED`` units, or when the text holds at least ``MIN_SHARE`` of the claim's units
(short claims); a claim that states numbers also needs at least one of them reported (by its record).
Words in more than ``COMMON_SHARE`` of a large KB's claims ("aspirin" in a KB on aspirin) do not
count. The thresholds were tuned on a labelled set (``tests/support_labels.yml``: precision 0.94,
recall 0.86 on the first KB, as frozen among the test fixtures).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from whoosh.lang.porter import stem

from ..core.model import tuple_state
from ..core.numbers import extract

MIN_SHARED = 2  # shared units, besides the KB's commonest words
MIN_SHARE = 0.3  # or this share of a short claim's units
COMMON_SHARE = 0.1  # a word in more than this share of a KB's claims says nothing about one claim
COMMON_MIN_CLAIMS = 40  # below this many claims, no word is common

_WORD = re.compile(r"[^\W\d_](?:[\w']*[^\W_])?")
# function words, and words every claim about a study may use whatever the study found
_STOP = """
a about above after again against all also although am among an and any are as at be because been
before being below between both but by can could did do does doing done during each either else ever
few for from further had has have having he her here hers him his how however i if in into is it its
itself just least less may might more most much must my neither no nor not now of off often on once
only or other others our out over own per rather same shall she should so some such than that the
their theirs them themselves then there these they this those though through thus to too under until
up upon us very was we were what when where whether which while who whom whose why will with within
without would yet you your across almost already always another around away became become becomes
becoming cannot certain chiefly e.g eg etc i.e ie including include includes included like likely
make makes made mainly many mostly new one several since take takes taken therefore toward towards
via well whereas study studies studied report reports reported reporting found find finds show shows
showed shown say says said describe describes described note notes noted use used uses using given
give gives based source sources evidence review reviews author authors paper article data result
results suggest suggests suggested according
"""
STOP_WORDS = frozenset(_STOP.split())


@tuple_state
@dataclass(frozen=True, slots=True)
class Support:
    """What a cited source reports that a claim rests on (the site shows it beside the claim)."""

    source: str
    finding: str  # the finding's id; "" for an outcome or another field of the record
    statement: str
    locator: str = ""
    quote: str = ""

    def as_dict(self) -> dict:
        return {"source": self.source, "finding": self.finding or None, "statement": self.statement,
                "locator": self.locator, "quote": self.quote}  # fmt: skip


class Vocabulary:
    """Words and phrases that stand for one another: conditions' names and synonyms, and lay terms."""

    def __init__(self, conditions=(), lay_terms: dict | None = None) -> None:
        groups: dict[str, set[str]] = {}  # phrase (lower case) -> group tokens
        for c in conditions:
            for phrase in {c.name, c.id.replace("-", " "), *c.synonyms}:
                groups.setdefault(phrase.lower().strip(), set()).add("=" + c.id)
        for term, alts in (lay_terms or {}).items():
            for phrase in {term, *alts}:
                groups.setdefault(str(phrase).lower().strip(), set()).add("~" + str(term).lower())
        groups.pop("", None)
        self.groups = groups
        self.pattern = None
        if groups:
            alternatives = "|".join(re.escape(p) for p in sorted(groups, key=len, reverse=True))
            self.pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?:e?s)?(?![\w-])", re.I)

    def units(self, text: str) -> list[frozenset[str]]:
        """The content units of ``text``, each the set of keys it matches by."""
        out: list[frozenset[str]] = []
        rest = text
        if self.pattern is not None:
            pieces, pos = [], 0
            for m in self.pattern.finditer(text):
                phrase = m.group().lower()
                tokens = self.groups.get(phrase) or self.groups.get(re.sub(r"e?s$", "", phrase), set())
                # a condition's name stands for the condition, not for its words ("disorder" in any disorder);
                # a lay term's words still match as words
                named = {t for t in tokens if t.startswith("=")}
                out.append(frozenset(named) if named else frozenset({*tokens, *(_stem(w) for w in _words(phrase))}))
                pieces.append(text[pos : m.start()])
                pos = m.end()
            rest = " ".join([*pieces, text[pos:]])
        out += [frozenset({_stem(w)}) for w in _words(rest)]
        out += [frozenset({f"#{n.value}{'%' if n.percent else ''}"}) for n in extract(text)]
        return out


def _words(text: str) -> list[str]:
    return [w for w in (m.group().lower() for m in _WORD.finditer(text)) if w not in STOP_WORDS and len(w) > 1]


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return stem(word.replace("'", ""))


def keys(units: list[frozenset[str]]) -> set[str]:
    return {k for u in units for k in u}


def distinct(units: list[frozenset[str]], common: frozenset[str] = frozenset()) -> list[frozenset[str]]:
    """Each unit once (by its keys), the KB's common words left out."""
    seen: dict[frozenset[str], None] = {}
    for u in units:
        if not u <= common:
            seen.setdefault(u)
    return list(seen)


def shared(claim: list[frozenset[str]], text_keys: set[str]) -> float:
    """How many of the claim's (distinct) units the text matches; a unit that matches only through a lay
    term counts half (lay terms serve readers' questions: "help" stands for "improved")."""
    total = 0.0
    for u in claim:
        if u & text_keys:
            total += 1.0 if any(k in text_keys for k in u if not k.startswith("~")) else 0.5
    return total


def supports(claim: list[frozenset[str]], text_keys: set[str], figures_from: set[str] | None = None) -> bool:
    """Enough shared units; and where the claim states numbers, at least one of them is reported (in
    ``figures_from``, the whole record, or else in the text): words alone never back a figure, so
    "Response: 45 patients" does not support "45% responded"."""
    figures = [u for u in claim if any(k.startswith("#") for k in u)]
    if figures and not any(u & (text_keys if figures_from is None else figures_from) for u in figures):
        return False
    n = shared(claim, text_keys)
    return n >= MIN_SHARED or (bool(claim) and n >= 1 and n / len(claim) >= MIN_SHARE)
