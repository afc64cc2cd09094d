"""From a parsed query to Whoosh query objects, spelling corrections and the terms to highlight.

A plain word matches in the claim's own words (its text, page title and section heading, one field) and
in what it cites (its sources' authors, organisations and titles): two posting lists per query word;
quoted phrases match in the claim text, which keeps word positions. Condition names and lay-term or
synonym stand-ins add alternatives with their own boosts.
"""

from __future__ import annotations

import re

from whoosh.query import And, Every, Not, Or, Phrase, Query, Term

from .matchsets import CITED_FIELD, OWN_FIELD, TEXT_FIELD, OpenIndex, tokens
from .query import Clause, Parsed, Unit

CITED_BOOST = 0.5  # ranks only claims that match through their sources alone (``kb_tools.search.ranking``)
# author:, section: and title: words: the fields each may match in
UNIT_FIELDS = {"cited": (CITED_FIELD,), "own": (OWN_FIELD,), "title": (OWN_FIELD, CITED_FIELD)}
CONDITION_BOOST = 2.0
EXPANSION_BOOST = 0.6  # a lay-term or synonym stand-in counts for less than the reader's own word
# Spelling corrections: words of at least FIX_MIN characters, against the index's words with the same first
# letter (FIX_PREFIX) one edit away, or two for words of TWO_EDITS characters or more; of the FIX_LIMIT nearest
# (Whoosh's corrector keeps those), the word most claims use.
FIX_MIN, TWO_EDITS, FIX_PREFIX, FIX_LIMIT = 4, 6, 1, 20


def main_query(st: OpenIndex, parsed: Parsed, require_all: bool = True) -> tuple[Query, list[Query]]:
    """The query to match and its clauses' queries (none: only filters and exclusions, no relevance)."""
    parts = [q for q in (clause_query(st, c) for c in parsed.clauses) if q is not None]
    negs = [q for q in (_unit_query(st, u) for u in parsed.negated) if q is not None]
    if not parts:
        main: Query = Every()
    else:
        main = parts[0] if len(parts) == 1 else (And(parts) if require_all else Or(parts))
    if negs:
        main = And([main, Not(Or(negs))])
    return main, parts


def clause_query(st: OpenIndex, clause: Clause) -> Query | None:
    qs = [q for q in (_unit_query(st, u) for u in clause.units) if q is not None]
    return (qs[0] if len(qs) == 1 else Or(qs)) if qs else None


def _unit_query(st: OpenIndex, unit: Unit) -> Query | None:
    if unit.field in UNIT_FIELDS:  # author:, section: or title: one word, in those fields only
        toks = tokens(st, TEXT_FIELD, " ".join(unit.words))
        qs = [Term(f, toks[0]) for f in UNIT_FIELDS[unit.field]] if toks else []
        return (qs[0] if len(qs) == 1 else Or(qs)) if qs else None
    if unit.field:  # an excluded condition, source, level or year
        toks = tokens(st, unit.field, " ".join(unit.words))
        return Term(unit.field, toks[0]) if toks else None
    parts = _words_query(st, unit.words, 1.0, cited=True)
    for words in unit.expansions:  # stand-ins are matched in the claim's own words only
        parts += _words_query(st, words, EXPANSION_BOOST, cited=False)
    if unit.condition:
        # Claims tagged with the condition match under any of its names; one that names it in its
        # own words ranks above one tagged only through its page.
        parts.append(Term("conditions", unit.condition, boost=CONDITION_BOOST))
        parts.append(Term("named", unit.condition, boost=CONDITION_BOOST))
    if not parts:
        return None  # only stop words
    return parts[0] if len(parts) == 1 else Or(parts)


def _words_query(st: OpenIndex, words: tuple[str, ...], boost: float, cited: bool) -> list[Query]:
    """One word matches in the claim's own words (and, if ``cited``, in what it cites); several must
    stand together in the claim text."""
    toks = tokens(st, TEXT_FIELD, " ".join(words))
    if len(toks) > 1:
        return [Phrase(TEXT_FIELD, toks, boost=boost)]
    if not toks:
        return []
    own = Term(OWN_FIELD, toks[0], boost=boost)
    return [own, Term(CITED_FIELD, toks[0], boost=boost * CITED_BOOST)] if cited else [own]


def _known(st: OpenIndex, word: str) -> bool:
    reader = st.searcher.reader()
    if word in st.words:
        return True
    toks = tokens(st, TEXT_FIELD, word)
    return any(reader.doc_frequency(f, t) for t in toks for f in (OWN_FIELD, CITED_FIELD))


def corrections(st: OpenIndex, parsed: Parsed) -> dict[str, str]:
    """Unknown words mapped to the most frequent indexed word within one or two edits."""
    fixes = {}
    for clause in parsed.clauses:
        for unit in clause.units:
            if unit.condition or unit.expansions:
                continue
            for word in unit.words:
                if len(word) < FIX_MIN or word.isdigit() or word in fixes or _known(st, word):
                    continue
                for dist in (1, 2) if len(word) >= TWO_EDITS else (1,):
                    found = st.corrector.suggest(word, limit=FIX_LIMIT, maxdist=dist, prefix=FIX_PREFIX)
                    found = [t for t in found if t != word]
                    if found:  # the nearest words; among them, the one most claims use
                        fixes[word] = max(found, key=lambda t: (st.words.get(t, 0), t))
                        break
    return fixes


def highlight_terms(st: OpenIndex, parsed: Parsed) -> tuple[frozenset[str], frozenset[tuple[str, ...]]]:
    """Single stems to mark anywhere, and stem sequences to mark only where they occur together."""
    phrases: list[tuple[str, ...]] = []
    for clause in parsed.clauses:
        for unit in clause.units:
            if unit.field:
                continue
            phrases += [unit.words, *unit.expansions]
            if unit.condition:
                phrases += st.vocab.condition_phrases_of(unit.condition)
    toks = [tuple(tokens(st, "text", " ".join(p))) for p in phrases]
    return frozenset(t[0] for t in toks if len(t) == 1), frozenset(t for t in toks if len(t) > 1)


def filter_query(parsed: Parsed, source: str | None) -> Query | None:
    """The filters besides the facets: sources and the query's own design:, year: ... filters (all must hold)."""
    terms: list[Query] = []
    for key in parsed.sources + ((source,) if source else ()):
        terms.append(Term("sources", key.lower()))
    for fname, value in parsed.filters:
        terms.append(Term(fname, value))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else And(terms)


def apply_fixes(query: str, fixes: dict[str, str]) -> str:
    return re.sub(r"\w+", lambda m: fixes.get(m.group(0).lower(), m.group(0)), query)
