"""Compound and split words: a query's "sleep walking" finds "sleepwalking", and "jetlag" finds "jet lag".

Readers join and split words unlike the claims do, in any KB. The index's own vocabulary (its unstemmed
words, ``kb-words.json``) decides, never a word list of the tool's:

* two plain words in a row whose join is a word of the index ("sleep walking": "sleepwalking") become
  one unit that matches either: the joined word, or the two words together in the claim text;
* a word the index lacks that splits into two of its words ("jetlag": "jet" + "lag") becomes those two
  words together, which may then name a condition ("jet lag") as if typed apart;
* a long word the index has that splits into two of its words also matches them written apart.

The same rules run in the browser (``kb-search-terms.js``, ``compounds``, its thresholds written by
``kb_tools.search.browser``) against the same words, which it counts from the claims as the index does.
"""

from __future__ import annotations

from collections.abc import Mapping

from .query import Clause, Parsed, Unit, Vocabulary

MIN_PART = 3  # each half of a split: shorter ones ("a", "in") make false splits
MIN_SPLIT = 7  # a known word shorter than this is not split: "income" is not "in come"


def split(word: str, words: Mapping[str, int]) -> tuple[str, str] | None:
    """``word`` as two words of the index, the split whose rarer half is commonest; None if there is none."""
    best, best_n = None, 0
    for i in range(MIN_PART, len(word) - MIN_PART + 1):
        a, b = word[:i], word[i:]
        n = min(words.get(a, 0), words.get(b, 0))
        if n > best_n:
            best, best_n = (a, b), n
    return best


def _plain(clause: Clause) -> str:
    """The word of a clause that is one plain word (no field, quotes, condition or stand-ins), else ""."""
    if len(clause.units) != 1:
        return ""
    u = clause.units[0]
    if u.quoted or u.field or u.condition or u.expansions or len(u.words) != 1:
        return ""
    return u.words[0]


def _single(word: str, words: Mapping[str, int], vocab: Vocabulary) -> Unit:
    """A plain word's unit: split when the index lacks it, or with its split as a stand-in when long."""
    parts = split(word, words) if len(word) >= 2 * MIN_PART else None
    if parts is None:
        return Unit((word,))
    if word not in words:
        found = vocab.match(list(parts), 0)  # "jet lag" may name a condition or a lay term
        return found[1] if found and found[0] == 2 else Unit(parts)
    return Unit((word,), expansions=(parts,)) if len(word) >= MIN_SPLIT else Unit((word,))


def apply(parsed: Parsed, words: Mapping[str, int], vocab: Vocabulary) -> Parsed:
    """``parsed`` with its plain words joined or split against the index's vocabulary ``words``."""
    out: list[Clause] = []
    clauses = list(parsed.clauses)
    i = 0
    while i < len(clauses):
        w = _plain(clauses[i])
        nxt = _plain(clauses[i + 1]) if i + 1 < len(clauses) else ""
        if w and nxt and (w + nxt) in words:
            out.append(Clause((Unit((w + nxt,), expansions=((w, nxt),)),)))
            i += 2
            continue
        out.append(Clause((_single(w, words, vocab),)) if w else clauses[i])
        i += 1
    return Parsed(tuple(out), parsed.negated, parsed.conditions, parsed.sources, parsed.filters)
