"""The claim query engine behind ``kb search`` and ``kb serve``.

A query is read by a small, forgiving parser (never Whoosh's QueryParser, whose
syntax errors readers would see) into AND-ed clauses, each built directly as
Whoosh query objects:

* words are stemmed and matched in the claim text, its page title and section,
  and the cited sources' authors, organisations and titles; a claim whose own
  words match ranks above one that matches only through what it cites
  (``kb_tools.search.ranking``);
* condition names and synonyms from the KB's vocabulary also match the claims
  tagged with that condition ("lumbago" finds low-back-pain claims);
* lay words ("teenagers", "habit forming") also match the terms in ``lay_terms.yml``;
* question and filler words are dropped;
* "quoted phrases" match as phrases, ``-word`` excludes, and ``condition:``,
  ``source:``, ``evidence:``, ``year:`` and ``author:`` filter;
* when nothing matches, unknown words are corrected against the index's own
  vocabulary, the corrected query is searched, and it is offered as a suggestion;
* facets (condition, study design, source type) narrow the results and are
  counted for every query (``kb_tools.search.facets``); results sort by relevance or
  by strength of design.

This module opens the index and runs a query's steps; ``searchquery`` builds the Whoosh queries, and
``searchsets`` computes and caches each query part's matching claims and scores.
"""

from __future__ import annotations

import heapq
import os
import threading
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.query import Query
from whoosh.scoring import BM25F

from ..core.errors import KbError
from ..index.schema import META_FILE, read_meta, read_words
from . import compounds, spans
from . import matchsets as searchsets
from . import whooshquery as searchquery
from .facets import FACETS, Selection, check_choices, check_sort
from .matchsets import OpenIndex
from .params import DEFAULT_LIMIT, DEFAULT_SORT, check_limit, check_query
from .query import Parsed, QueryError, Vocabulary, parse
from .results import Hit, Results, make_hit
from .spelling import Corrector

__all__ = ["Engine", "Hit", "IndexMissing", "QueryError", "Results", "open_engine"]

OWN_B = 0.5  # BM25's length normalisation, milder than its 0.75: a short list item is not more relevant
NO_WORDS = "type one or more words to search for, e.g. 'side effects'"
COMMON_ONLY = "the query has only common words; add one that says what you are looking for"


def weighting() -> BM25F:
    """How the engine scores a match: Whoosh's BM25F, with its own length normalisation for the claim's own words."""
    return BM25F(own_B=OWN_B)


class IndexMissing(KbError):
    """There is no complete search index to answer from."""


class Engine:
    """Answers queries from one index folder; reopens it when a rebuild swaps in a new one.

    Per open index it caches, least recently used first out, each word's and phrase's matching claims
    with their BM25F scores and each filter term's claims, so a query is set and dictionary work.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._open: OpenIndex | None = None
        self._lock = threading.Lock()  # one query at a time per engine: Whoosh searchers are not thread-safe

    # --- index lifecycle ---------------------------------------------------

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path / META_FILE)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _current(self) -> OpenIndex:
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

    def _load(self, stamp) -> OpenIndex:
        meta = read_meta(self.path) if stamp else None
        if meta is None:
            raise IndexMissing(f"{self.path}: no search index here; run kb build first")
        ix = whoosh_index.open_dir(str(self.path))
        words = read_words(self.path)
        searcher = ix.searcher(weighting=weighting())
        vocab = Vocabulary.from_meta(meta)
        schema = ix.schema
        return OpenIndex(
            self.path,
            stamp,
            ix,
            searcher,
            vocab,
            meta,
            words,
            Corrector(words),
            schema,
            tokenize=spans.tokenizer(schema["text"].analyzer),
        )

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
        limit: int = DEFAULT_LIMIT,
        designs: tuple[str, ...] = (),
        sourcetypes: tuple[str, ...] = (),
        sort: str = DEFAULT_SORT,
        roles: tuple[str, ...] = (),
    ) -> Results:
        """Ranked claims for ``query``; raises QueryError with a reader-facing message when it cannot be searched.

        ``conditions``, ``roles``, ``designs`` and ``sourcetypes`` are facet choices: any of a facet's values, all
        facets (a role is the chosen conditions' role in the claim; see kb_tools.search.facets).
        """
        query = check_query(query)
        limit = check_limit(limit)
        sort = check_sort(sort)
        with self._lock:
            st = self._current()
            fs = searchsets.facets(st)
            parsed = compounds.apply(parse(query, st.vocab), st.words, st.vocab)
            picked = tuple(st.vocab.resolve_condition(c) for c in conditions)
            sel = Selection(
                tuple(dict.fromkeys(parsed.conditions + picked)),  # condition: in the query is one more choice
                check_choices(designs, fs.allowed("design"), "design"),
                check_choices(sourcetypes, fs.allowed("sourcetype"), "source type"),
                check_choices(roles, fs.allowed("role"), "role"),
            )
            filt = searchquery.filter_query(parsed, source)
            narrowed = filt is not None or any(sel.of(f) for f in FACETS)
            if not parsed.clauses and not parsed.negated and not narrowed:
                raise QueryError(NO_WORDS)
            if parsed.clauses and not narrowed and not any(searchquery.clause_query(st, c) for c in parsed.clauses):
                raise QueryError(COMMON_ONLY)
            return self._run(st, query, parsed, filt, sel, limit, sort)

    def _run(
        self, st: OpenIndex, query: str, parsed: Parsed, filt: Query | None, sel: Selection, limit: int, sort: str
    ) -> Results:
        # The matching claims are counted as sets of document numbers (one cached set per term, phrase,
        # filter and facet value), so the total is exact without Whoosh counting every match, and an empty
        # result needs no scoring at all; only the top ``limit`` are ranked. The facet counts are the same
        # sets as bitsets, ANDed and counted per facet value.
        fs = searchsets.facets(st)
        chosen = fs.chosen(sel)
        narrow = searchsets.docset(st, filt) if filt is not None else None
        facet_sets = sorted((got[0] for got in chosen.values() if got is not None), key=len)
        main, parts = searchquery.main_query(st, parsed)
        found, matched = searchsets.matches(st, main, narrow, facet_sets)
        suggestion, relaxed = None, False
        if not matched and parsed.clauses:
            fixes = searchquery.corrections(st, parsed)
            if fixes:
                # search the corrected query as if typed, so a corrected condition name expands too
                suggestion = searchquery.apply_fixes(query, fixes)
                parsed = compounds.apply(parse(suggestion, st.vocab), st.words, st.vocab)
                main, parts = searchquery.main_query(st, parsed)
                found, matched = searchsets.matches(st, main, narrow, facet_sets)
        if not matched and len(parsed.clauses) > 1:
            # No claim has every word: rank claims by how many of the words they have, so a
            # question like "how does the treatment work in the brain" still finds the brain claim.
            relaxed = True
            main, parts = searchquery.main_query(st, parsed, require_all=False)
            found, matched = searchsets.matches(st, main, narrow, facet_sets)
        hits: tuple[Hit, ...] = ()
        if matched:
            hits = self._hits(st, parsed, main, parts, matched, limit, sort)
        bits = searchsets.bits(st, main) & (searchsets.bits(st, filt) if filt is not None else -1)
        counts = fs.counts(bits, chosen, sel)
        facets = tuple((f, counts[f]) for f in FACETS)
        return Results(query, len(matched), hits, suggestion, relaxed, sort, facets)

    def _hits(
        self, st: OpenIndex, parsed: Parsed, main: Query, parts: list, matched: set, limit: int, sort: str
    ) -> tuple[Hit, ...]:
        marks = searchquery.highlight_terms(st, parsed)
        strength = searchsets.facets(st).strength if sort == "design" else None
        top = searchsets.top(st, parts, matched, limit, strength) if parts else None
        if top is not None:
            return tuple(self._hit(st, st.searcher.stored_fields(d), score, marks, True) for d, score in top)
        if parts:  # pragma: no cover - a query shape the engine does not build
            res = st.searcher.search(main, filter=matched, limit=limit)
            return tuple(self._hit(st, h.fields(), h.score, marks, True) for h in res)
        # filters or exclusions only: list claims in site order (strongest design first for sort=design)
        order = searchsets.orders(st)
        key = order.__getitem__ if strength is None else (lambda d: (strength[d], order[d]))
        docs = heapq.nsmallest(limit, matched, key=key)
        return tuple(self._hit(st, st.searcher.stored_fields(d), 0.0, marks, False) for d in docs)

    def _hit(self, st: OpenIndex, fields: dict, score, marks, scored: bool) -> Hit:
        return make_hit(fields, score, marks, st.tokenize, st.spans, scored)


_engines: dict[Path, Engine] = {}
_engines_lock = threading.Lock()


def open_engine(path: Path | str) -> Engine:
    """The shared engine for an index folder: opened once per process, reopened only when the index changes."""
    key = Path(path).resolve()
    with _engines_lock:
        if key not in _engines:
            _engines[key] = Engine(key)
        return _engines[key]
