"""The claim query engine behind ``kb search`` and ``kb serve``.

A query is read by a small, forgiving parser (never Whoosh's QueryParser, whose
syntax errors readers would see) into AND-ed clauses, each built directly as
Whoosh query objects:

* words are stemmed and matched in the claim text, its page title and section,
  and the cited sources' authors, organisations and titles; a claim whose own
  words match ranks above one that matches only through what it cites
  (``kb_tools.ranking``);
* condition names and synonyms from the KB's vocabulary also match the claims
  tagged with that condition ("lumbago" finds low-back-pain claims);
* lay words ("teenagers", "habit forming") also match the terms in ``lay_terms.yml``;
* question and filler words are dropped;
* "quoted phrases" match as phrases, ``-word`` excludes, and ``condition:``,
  ``source:``, ``evidence:``, ``year:`` and ``author:`` filter;
* when nothing matches, unknown words are corrected against the index's own
  vocabulary, the corrected query is searched, and it is offered as a suggestion;
* facets (condition, study design, source type) narrow the results and are
  counted for every query (``kb_tools.facets``); results sort by relevance or
  by strength of design.
"""

from __future__ import annotations

import heapq
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import And, Every, Not, Or, Phrase, Query, Term
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.spelling import ListCorrector

from . import ranking
from .errors import KbError
from .facets import FACETS, FacetSets, Selection, check_choices, check_sort, to_bits
from .index import META_FILE, read_meta, read_orders, read_words
from .query import Clause, Parsed, QueryError, Unit, Vocabulary, parse
from .results import Hit, Results, make_hit

__all__ = ["Engine", "Hit", "IndexMissing", "QueryError", "Results", "open_engine"]

MAX_QUERY_CHARS = 300
MAX_LIMIT = 100
# How much a match in each field counts; the claim's own words matter most. A plain word matches in the
# claim's own words (its text, page title and section heading, one field) and in what it cites (its
# sources' authors, organisations and titles): two posting lists per query word, each read once per
# open index; quoted phrases match in the claim text, which keeps word positions.
TEXT_FIELD = "text"
OWN_FIELD = "own"
CITED_FIELD = "cited"
CITED_BOOST = 0.5  # ranks only claims that match through their sources alone (``kb_tools.ranking``)
OWN_B = 0.5  # BM25's length normalisation, milder than its 0.75: a short list item is not more relevant
# author:, section: and title: words: the fields each may match in
UNIT_FIELDS = {"cited": (CITED_FIELD,), "own": (OWN_FIELD,), "title": (OWN_FIELD, CITED_FIELD)}
CONDITION_BOOST = 2.0
EXPANSION_BOOST = 0.6  # a lay-term or synonym stand-in counts for less than the reader's own word
# Size of the per-index LRU cache of match sets and per-word scores, in claim numbers (a score counts twice):
# ~250 MiB at most. At 100,000 claims a common word matches 30,000 or more; a smaller cache thrashes.
DOCSET_CACHE_IDS = 6_000_000
# fields whose terms are only ever scored, never filtered on
SCORED_FIELDS = (TEXT_FIELD, OWN_FIELD, CITED_FIELD, "named")


class IndexMissing(KbError):
    """There is no complete search index to answer from."""


@dataclass
class _Open:
    """An open index and what was read from it once, reused by every query until it changes on disk."""

    stamp: tuple[int, int]
    ix: object
    searcher: object
    vocab: Vocabulary
    meta: dict
    words: dict[str, int]  # unstemmed vocabulary -> claim count, for spelling suggestions
    corrector: ListCorrector
    schema: object = None  # ix.schema reads the index's TOC from disk on every access: read it once
    tokens: dict = field(default_factory=dict)  # (field, text) -> analysed tokens
    docsets: OrderedDict = field(default_factory=OrderedDict)  # (kind, field, words) -> frozenset of docnums, LRU
    docset_ids: int = 0  # docnums held in ``docsets``, to bound its memory
    all_docs: set | None = None
    orders: list | None = None  # docnum -> site order, for listings without words
    spans: dict = field(default_factory=dict)  # claim text -> (stem, start, end) tokens, for highlighting
    facets: FacetSets | None = None
    lengths: dict = field(default_factory=dict)  # (segment offset, field) -> each document's field length


class Engine:
    """Answers queries from one index folder; reopens it when a rebuild swaps in a new one.

    Per open index it caches, least recently used first out, each word's and phrase's matching claims
    with their BM25F scores and each filter term's claims, so a query is set and dictionary work.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._open: _Open | None = None
        self._lock = threading.Lock()  # one query at a time per engine: Whoosh searchers are not thread-safe

    # --- index lifecycle ---------------------------------------------------

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path / META_FILE)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _current(self) -> _Open:
        stamp = self._stamp()
        if self._open is not None and (stamp is None or stamp == self._open.stamp):
            return self._open  # unchanged, or mid-swap: keep answering from the index we have
        try:
            fresh = self._load(stamp)
        except Exception:
            if self._open is not None:
                return self._open  # a half-written or unreadable index never replaces a good one
            raise
        old, self._open = self._open, fresh
        if old is not None:
            old.searcher.close()
            old.ix.close()
        return fresh

    def _load(self, stamp) -> _Open:
        meta = read_meta(self.path) if stamp else None
        if meta is None:
            raise IndexMissing(f"{self.path}: no search index here; run kb build first")
        ix = whoosh_index.open_dir(str(self.path))
        words = read_words(self.path)
        searcher = ix.searcher(weighting=BM25F(own_B=OWN_B))
        vocab = Vocabulary.from_meta(meta)
        return _Open(stamp, ix, searcher, vocab, meta, words, ListCorrector(sorted(words)), ix.schema)

    def meta(self) -> dict:
        with self._lock:
            return dict(self._current().meta)

    def condition_ids(self) -> tuple[str, ...]:
        with self._lock:
            return self._current().vocab.condition_ids

    def close(self) -> None:
        with self._lock:
            if self._open is not None:
                self._open.searcher.close()
                self._open.ix.close()
                self._open = None

    # --- searching ---------------------------------------------------------

    def search(
        self,
        query: str,
        conditions: tuple[str, ...] = (),
        source: str | None = None,
        limit: int = 10,
        designs: tuple[str, ...] = (),
        sourcetypes: tuple[str, ...] = (),
        sort: str = "relevance",
    ) -> Results:
        """Ranked claims for ``query``; raises QueryError with a reader-facing message when it cannot be searched.

        ``conditions``, ``designs`` and ``sourcetypes`` are facet choices: any of a facet's values, all facets.
        """
        query = query or ""
        if len(query) > MAX_QUERY_CHARS:
            raise QueryError(f"the query is too long ({len(query)} characters); keep it under {MAX_QUERY_CHARS}")
        if not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
        sort = check_sort(sort)
        with self._lock:
            st = self._current()
            fs = self._facets(st)
            parsed = parse(query, st.vocab)
            picked = tuple(st.vocab.resolve_condition(c) for c in conditions)
            sel = Selection(
                tuple(dict.fromkeys(parsed.conditions + picked)),  # condition: in the query is one more choice
                check_choices(designs, fs.allowed("design"), "design"),
                check_choices(sourcetypes, fs.allowed("sourcetype"), "source type"),
            )
            filt = _filter_query(parsed, source)
            narrowed = filt is not None or any(sel.of(f) for f in FACETS)
            if not parsed.clauses and not parsed.negated and not narrowed:
                raise QueryError("type one or more words to search for, e.g. 'side effects'")
            if parsed.clauses and not narrowed and not any(self._clause_query(st, c) for c in parsed.clauses):
                raise QueryError("the query has only common words; add one that says what you are looking for")
            return self._run(st, query, parsed, filt, sel, limit, sort)

    def _facets(self, st: _Open) -> FacetSets:
        if st.facets is None:
            st.facets = FacetSets(st.searcher, self._all_docs(st), st.meta)
        return st.facets

    def _run(
        self, st: _Open, query: str, parsed: Parsed, filt: Query | None, sel: Selection, limit: int, sort: str
    ) -> Results:
        # The matching claims are counted as sets of document numbers (one cached set per term, phrase,
        # filter and facet value), so the total is exact without Whoosh counting every match, and an empty
        # result needs no scoring at all; only the top ``limit`` are ranked. The facet counts are the same
        # sets as bitsets, ANDed and counted per facet value.
        fs = self._facets(st)
        chosen = fs.chosen(sel)
        narrow = self._docset(st, filt) if filt is not None else None
        facet_sets = sorted((got[0] for got in chosen.values() if got is not None), key=len)
        main, parts = self._main_query(st, parsed)
        found, matched = self._matches(st, main, narrow, facet_sets)
        suggestion, relaxed = None, False
        if not matched and parsed.clauses:
            fixes = self._corrections(st, parsed)
            if fixes:
                # search the corrected query as if typed, so a corrected condition name expands too
                suggestion = _apply_fixes(query, fixes)
                parsed = parse(suggestion, st.vocab)
                main, parts = self._main_query(st, parsed)
                found, matched = self._matches(st, main, narrow, facet_sets)
        if not matched and len(parsed.clauses) > 1:
            # No claim has every word: rank claims by how many of the words they have, so a
            # question like "how does the treatment work in the brain" still finds the brain claim.
            relaxed = True
            main, parts = self._main_query(st, parsed, require_all=False)
            found, matched = self._matches(st, main, narrow, facet_sets)
        hits: tuple[Hit, ...] = ()
        if matched:
            hits = self._hits(st, parsed, main, parts, matched, limit, sort)
        bits = self._bits(st, main) & (self._bits(st, filt) if filt is not None else -1)
        counts = fs.counts(bits, chosen, sel)
        facets = tuple((f, counts[f]) for f in FACETS)
        return Results(query, len(matched), hits, suggestion, relaxed, sort, facets)

    def _hits(
        self, st: _Open, parsed: Parsed, main: Query, parts: list, matched: set, limit: int, sort: str
    ) -> tuple[Hit, ...]:
        marks = self._highlight_terms(st, parsed)
        strength = self._facets(st).strength if sort == "design" else None
        top = self._top(st, parts, matched, limit, strength) if parts else None
        if top is not None:
            return tuple(self._hit(st, st.searcher.stored_fields(d), score, marks, True) for d, score in top)
        if parts:  # pragma: no cover - a query shape the engine does not build
            res = st.searcher.search(main, filter=matched, limit=limit)
            return tuple(self._hit(st, h.fields(), h.score, marks, True) for h in res)
        # filters or exclusions only: list claims in site order (strongest design first for sort=design)
        order = self._orders(st)
        key = order.__getitem__ if strength is None else (lambda d: (strength[d], order[d]))
        docs = heapq.nsmallest(limit, matched, key=key)
        return tuple(self._hit(st, st.searcher.stored_fields(d), 0.0, marks, False) for d in docs)

    def _main_query(self, st: _Open, parsed: Parsed, require_all: bool = True) -> tuple[Query, list[Query]]:
        """The query to match and its clauses' queries (none: only filters and exclusions, no relevance)."""
        parts = [q for q in (self._clause_query(st, c) for c in parsed.clauses) if q is not None]
        negs = [q for q in (self._unit_query(st, u) for u in parsed.negated) if q is not None]
        if not parts:
            main: Query = Every()
        else:
            main = parts[0] if len(parts) == 1 else (And(parts) if require_all else Or(parts))
        if negs:
            main = And([main, Not(Or(negs))])
        return main, parts

    def _matches(self, st: _Open, main: Query, narrow: set | None, facet_sets: list) -> tuple[set, set]:
        """(claims the query and its filters match, those of them the facet choices keep)."""
        found = self._docset(st, main)
        if narrow is not None:
            found = found & narrow
        return found, found.intersection(*facet_sets) if facet_sets else found

    def _docset(self, st: _Open, q: Query) -> set:
        """The document numbers ``q`` matches (never modified: callers combine them into new sets)."""
        if isinstance(q, And):
            subs = [c for c in q.subqueries if not isinstance(c, Not)]
            sets = sorted((self._docset(st, c) for c in subs), key=len) if subs else [self._all_docs(st)]
            out = sets[0].intersection(*sets[1:]) if len(sets) > 1 else sets[0]
            for c in q.subqueries:
                if isinstance(c, Not):
                    out = out - self._docset(st, c.query)
            return out
        if isinstance(q, Or):  # a word's fields, a clause's alternatives: the same ones recur across queries
            key = ("u", repr(q))
            found = st.docsets.get(key)
            if found is None:
                sets = [self._docset(st, c) for c in q.subqueries]
                found = sets[0].union(*sets[1:]) if len(sets) > 1 else sets[0]
                self._remember(st, key, found)
            else:
                st.docsets.move_to_end(key)
            return found
        if isinstance(q, Every):
            return self._all_docs(st)
        if not isinstance(q, (Term, Phrase)):  # pragma: no cover - the engine builds only the queries above
            return set(st.searcher.docs_for_query(q))
        key = _leaf_key(q)
        found = st.docsets.get(key)
        if found is not None:
            st.docsets.move_to_end(key)
            return found
        if isinstance(q, Phrase) or q.fieldname in SCORED_FIELDS:
            found = set(self._leaf_scores(st, q))  # one pass over the postings gives both
        else:
            found = set(st.searcher.docs_for_query(q))
        self._remember(st, key, found)
        return found

    def _hit(self, st: _Open, fields: dict, score, marks, scored: bool) -> Hit:
        return make_hit(fields, score, marks, st.schema["text"].analyzer, st.spans, scored)

    def _bits(self, st: _Open, q: Query) -> int:
        """``_docset`` as a bitset (see ``kb_tools.facets.to_bits``); each clause's, term's and phrase's is cached."""
        if isinstance(q, And):
            out = -1  # every bit
            for c in q.subqueries:
                out = out & ~self._bits(st, c.query) if isinstance(c, Not) else out & self._bits(st, c)
            return out
        if isinstance(q, Every):
            return -1
        # a word's fields and stand-ins, converted once from their (cached) union
        key = ("b", repr(q)) if isinstance(q, Or) else ("b", *_leaf_key(q))
        found = st.docsets.get(key)
        if found is None:
            found = to_bits(self._docset(st, q), self._facets(st).size)
            self._remember(st, key, found)
        else:
            st.docsets.move_to_end(key)
        return found

    def _top(
        self, st: _Open, parts: list[Query], matched: set, limit: int, strength=None
    ) -> list[tuple[int, float]] | None:
        """The ``limit`` best (docnum, score) among ``matched`` (see ``kb_tools.ranking``), from each clause's
        cached scores, so a query costs dictionary look-ups instead of Whoosh stepping its matchers through
        every match. None for a query shape this does not cover (an AND below an OR)."""
        clauses = [self._clause_scores(st, part) for part in parts]
        if any(c is None for c in clauses):
            return None
        return ranking.top(clauses, matched, limit, self._orders(st), strength)

    def _clause_scores(self, st: _Open, q: Query) -> ranking.Clause | None:
        """(claims its own words match -> score, claims only its sources match -> score) of a clause (LRU-cached).

        Whoosh's score of a claim is the sum of its matching leaves' scores (BM25F per term or phrase, times
        the leaf's boost); the engine keeps the sums of the claim's own fields apart from those of its sources.
        """
        key = ("c", repr(q))
        found = st.docsets.get(key)
        if found is not None:
            st.docsets.move_to_end(key)
            return found
        leaves: list[tuple[dict, float, bool]] = []
        if not self._leaves(st, q, leaves):
            return None
        found = ranking.combine(leaves)
        self._remember(st, key, found)
        return found

    def _leaves(self, st: _Open, q: Query, out: list) -> bool:
        """Collect (scores, boost, own words?) for every scoring leaf of a clause; False if it has an AND."""
        if isinstance(q, Or):
            return all(self._leaves(st, c, out) for c in q.subqueries)
        if isinstance(q, (Term, Phrase)):
            out.append((self._leaf_scores(st, q), q.boost, q.fieldname != CITED_FIELD))
            return True
        return False

    def _leaf_scores(self, st: _Open, q: Query) -> dict:
        """docnum -> the unboosted Whoosh score of a term or phrase, for every claim it matches (LRU-cached)."""
        key = ("s", q.fieldname, q.text if isinstance(q, Term) else tuple(q.words))
        found = st.docsets.get(key)
        if found is not None:
            st.docsets.move_to_end(key)
            return found
        plain = Term(q.fieldname, q.text) if isinstance(q, Term) else Phrase(q.fieldname, q.words, slop=q.slop)
        context = st.searcher.context()
        found = {}
        for sub, offset in st.searcher.leaf_searchers():
            m = plain.matcher(sub, context)
            scorer = getattr(m, "scorer", None)
            if isinstance(plain, Term) and type(scorer) is BM25FScorer:
                # BM25FScorer.score(m) is _score(weight, length) with the length read from a column per
                # posting; the segment's lengths are read once instead (most of a cold word's cost)
                lengths, score = self._lengths(st, sub, offset, plain.fieldname), scorer._score
                while m.is_active():
                    d = m.id()
                    found[d + offset] = score(m.weight(), lengths[d])
                    m.next()
                continue
            while m.is_active():
                found[m.id() + offset] = m.score()
                m.next()
        self._remember(st, key, found)
        return found

    def _lengths(self, st: _Open, sub, offset: int, fieldname: str) -> list:
        """Each document's length of a field in one segment, as Whoosh's scorer reads it (cached per index)."""
        key = (offset, fieldname)
        got = st.lengths.get(key)
        if got is None:
            reader = sub.reader()
            got = st.lengths[key] = [reader.doc_field_length(d, fieldname, 1) for d in range(reader.doc_count_all())]
        return got

    def _remember(self, st: _Open, key: tuple, value) -> None:
        st.docsets[key] = value
        st.docset_ids += _weight(value)
        while st.docset_ids > DOCSET_CACHE_IDS and len(st.docsets) > 1:
            _, dropped = st.docsets.popitem(last=False)
            st.docset_ids -= _weight(dropped)

    def _all_docs(self, st: _Open) -> set:
        if st.all_docs is None:
            st.all_docs = set(st.searcher.reader().all_doc_ids())
        return st.all_docs

    def _orders(self, st: _Open) -> list:
        if st.orders is None:
            by_id = read_orders(self.path)
            last = len(by_id)
            st.orders = [by_id.get(cid, last) for cid in st.searcher.reader().column_reader("id")]
        return st.orders

    def _clause_query(self, st: _Open, clause: Clause) -> Query | None:
        qs = [q for q in (self._unit_query(st, u) for u in clause.units) if q is not None]
        return (qs[0] if len(qs) == 1 else Or(qs)) if qs else None

    def _unit_query(self, st: _Open, unit: Unit) -> Query | None:
        if unit.field in UNIT_FIELDS:  # author:, section: or title: one word, in those fields only
            toks = self._tokens(st, TEXT_FIELD, " ".join(unit.words))
            qs = [Term(f, toks[0]) for f in UNIT_FIELDS[unit.field]] if toks else []
            return (qs[0] if len(qs) == 1 else Or(qs)) if qs else None
        if unit.field:  # an excluded condition, source, level or year
            toks = self._tokens(st, unit.field, " ".join(unit.words))
            return Term(unit.field, toks[0]) if toks else None
        parts = self._words_query(st, unit.words, 1.0, cited=True)
        for words in unit.expansions:  # stand-ins are matched in the claim's own words only
            parts += self._words_query(st, words, EXPANSION_BOOST, cited=False)
        if unit.condition:
            # Claims tagged with the condition match under any of its names; one that names it in its
            # own words ranks above one tagged only through its page.
            parts.append(Term("conditions", unit.condition, boost=CONDITION_BOOST))
            parts.append(Term("named", unit.condition, boost=CONDITION_BOOST))
        if not parts:
            return None  # only stop words
        return parts[0] if len(parts) == 1 else Or(parts)

    def _words_query(self, st: _Open, words: tuple[str, ...], boost: float, cited: bool) -> list[Query]:
        """One word matches in the claim's own words (and, if ``cited``, in what it cites); several must
        stand together in the claim text."""
        toks = self._tokens(st, TEXT_FIELD, " ".join(words))
        if len(toks) > 1:
            return [Phrase(TEXT_FIELD, toks, boost=boost)]
        if not toks:
            return []
        own = Term(OWN_FIELD, toks[0], boost=boost)
        return [own, Term(CITED_FIELD, toks[0], boost=boost * CITED_BOOST)] if cited else [own]

    def _tokens(self, st: _Open, fname: str, text: str) -> list[str]:
        key = (fname, text)
        toks = st.tokens.get(key)
        if toks is None:
            toks = [t for t in st.schema[fname].process_text(text, mode="query")]
            if len(st.tokens) < 50_000:  # a bounded cache: the same words recur across queries
                st.tokens[key] = toks
        return toks

    # --- typo tolerance ------------------------------------------------------

    def _known(self, st: _Open, word: str) -> bool:
        reader = st.searcher.reader()
        if word in st.words:
            return True
        toks = self._tokens(st, TEXT_FIELD, word)
        return any(reader.doc_frequency(f, t) for t in toks for f in (OWN_FIELD, CITED_FIELD))

    def _corrections(self, st: _Open, parsed: Parsed) -> dict[str, str]:
        """Unknown words mapped to the most frequent indexed word within one or two edits."""
        fixes = {}
        for clause in parsed.clauses:
            for unit in clause.units:
                if unit.condition or unit.expansions:
                    continue
                for word in unit.words:
                    if len(word) < 4 or word.isdigit() or word in fixes or self._known(st, word):
                        continue
                    for dist in (1, 2) if len(word) >= 6 else (1,):
                        found = [t for t in st.corrector.suggest(word, limit=20, maxdist=dist, prefix=1) if t != word]
                        if found:  # the nearest words; among them, the one most claims use
                            fixes[word] = max(found, key=lambda t: (st.words.get(t, 0), t))
                            break
        return fixes

    def _highlight_terms(self, st: _Open, parsed: Parsed) -> tuple[frozenset[str], frozenset[tuple[str, ...]]]:
        """Single stems to mark anywhere, and stem sequences to mark only where they occur together."""
        phrases: list[tuple[str, ...]] = []
        for clause in parsed.clauses:
            for unit in clause.units:
                if unit.field:
                    continue
                phrases += [unit.words, *unit.expansions]
                if unit.condition:
                    phrases += st.vocab.condition_phrases_of(unit.condition)
        toks = [tuple(self._tokens(st, "text", " ".join(p))) for p in phrases]
        return frozenset(t[0] for t in toks if len(t) == 1), frozenset(t for t in toks if len(t) > 1)


def _leaf_key(q: Query) -> tuple:
    if isinstance(q, Term):
        return ("t", q.fieldname, q.text)
    return ("p", q.fieldname, tuple(q.words), q.slop)


def _weight(cached) -> int:
    if isinstance(cached, tuple):  # a clause's scores
        return sum(_weight(c) for c in cached)
    if isinstance(cached, int):  # a bitset: one bit per claim, counted as the claim numbers it stands for
        return cached.bit_length() // 64 + 1
    return (2 if isinstance(cached, dict) else 1) * len(cached) + 1


def _filter_query(parsed: Parsed, source: str | None) -> Query | None:
    """The filters besides the facets: sources and the query's own design:, year: ... filters (all must hold)."""
    terms: list[Query] = []
    for key in parsed.sources + ((source,) if source else ()):
        terms.append(Term("sources", key.lower()))
    for fname, value in parsed.filters:
        terms.append(Term(fname, value))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else And(terms)


def _apply_fixes(query: str, fixes: dict[str, str]) -> str:
    return re.sub(r"\w+", lambda m: fixes.get(m.group(0).lower(), m.group(0)), query)


_engines: dict[Path, Engine] = {}
_engines_lock = threading.Lock()


def open_engine(path: Path | str) -> Engine:
    """The shared engine for an index folder: opened once per process, reopened only when the index changes."""
    key = Path(path).resolve()
    with _engines_lock:
        if key not in _engines:
            _engines[key] = Engine(key)
        return _engines[key]
