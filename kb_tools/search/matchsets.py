"""What a query is answered from: an open index's match sets and scores, cached least recently used first out.

Every word's and phrase's matching claims with their BM25F scores, each filter term's claims and each
clause's combined scores are computed once per open index (``OpenIndex``) and kept up to
``DOCSET_CACHE_IDS`` claim numbers, so a query is set and dictionary work. ``search.Engine`` owns the
open index; ``searchquery`` builds the Whoosh queries these functions take apart.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.formats import Positions
from whoosh.query import And, Every, Not, Or, Phrase, Query, Term
from whoosh.scoring import BM25FScorer

from ..index.schema import read_orders
from . import ranking
from .facets import FacetSets, to_bits
from .query import Vocabulary
from .spelling import Corrector

# How much a match in each field counts; the claim's own words matter most. A plain word matches in the
# claim's own words (its text, page title and section heading, one field) and in what it cites (its
# sources' authors, organisations and titles): two posting lists per query word, each read once per
# open index; quoted phrases match in the claim text, which keeps word positions.
TEXT_FIELD = "text"
OWN_FIELD = "own"
CITED_FIELD = "cited"
# Size of the per-index LRU cache of match sets and per-word scores, in claim numbers (a score counts twice):
# ~250 MiB at most. At 100,000 claims a common word matches 30,000 or more; a smaller cache thrashes.
DOCSET_CACHE_IDS = 6_000_000
# fields whose terms are only ever scored, never filtered on
SCORED_FIELDS = (TEXT_FIELD, OWN_FIELD, CITED_FIELD, "named")
COMMON_SHARE = 0.5  # a word in at least this share of the claims scores flat (``_flatten_common``)
TITLE_ONLY = 0.5  # ... and half that where only the claim's page title or section heading has it


@dataclass
class OpenIndex:
    """An open index and what was read from it once, reused by every query until it changes on disk."""

    path: Path  # the index folder
    stamp: tuple[int, int]
    ix: object
    searcher: object
    vocab: Vocabulary
    meta: dict
    words: dict[str, int]  # unstemmed vocabulary -> claim count, for spelling suggestions
    corrector: Corrector
    schema: object = None  # ix.schema reads the index's TOC from disk on every access: read it once
    tokens: dict = field(default_factory=dict)  # (field, text) -> analysed tokens
    docsets: OrderedDict = field(default_factory=OrderedDict)  # (kind, field, words) -> frozenset of docnums, LRU
    docset_ids: int = 0  # docnums held in ``docsets``, to bound its memory
    all_docs: set | None = None
    orders: list | None = None  # docnum -> site order, for listings without words
    spans: dict = field(default_factory=dict)  # claim text -> (stem, start, end) tokens, for highlighting
    facets: FacetSets | None = None
    lengths: dict = field(default_factory=dict)  # (segment offset, field, ...) -> each document's length part
    tokenize: object = None  # claim text -> its indexed words with their places (``spans.tokenizer``)


def facets(st: OpenIndex) -> FacetSets:
    if st.facets is None:
        st.facets = FacetSets(st.searcher, all_docs(st), st.meta)
    return st.facets


def matches(st: OpenIndex, main: Query, narrow: set | None, facet_sets: list) -> tuple[set, set]:
    """(claims the query and its filters match, those of them the facet choices keep)."""
    found = docset(st, main)
    if narrow is not None:
        found = found & narrow
    return found, found.intersection(*facet_sets) if facet_sets else found


def docset(st: OpenIndex, q: Query) -> set:
    """The document numbers ``q`` matches (never modified: callers combine them into new sets)."""
    if isinstance(q, And):
        subs = [c for c in q.subqueries if not isinstance(c, Not)]
        sets = sorted((docset(st, c) for c in subs), key=len) if subs else [all_docs(st)]
        out = sets[0].intersection(*sets[1:]) if len(sets) > 1 else sets[0]
        for c in q.subqueries:
            if isinstance(c, Not):
                out = out - docset(st, c.query)
        return out
    if isinstance(q, Or):  # a word's fields, a clause's alternatives: the same ones recur across queries
        key = ("u", repr(q))
        found = st.docsets.get(key)
        if found is None:
            sets = [docset(st, c) for c in q.subqueries]
            found = sets[0].union(*sets[1:]) if len(sets) > 1 else sets[0]
            _remember(st, key, found)
        else:
            st.docsets.move_to_end(key)
        return found
    if isinstance(q, Every):
        return all_docs(st)
    if not isinstance(q, (Term, Phrase)):  # pragma: no cover - the engine builds only the queries above
        return set(st.searcher.docs_for_query(q))
    key = _leaf_key(q)
    found = st.docsets.get(key)
    if found is not None:
        st.docsets.move_to_end(key)
        return found
    if isinstance(q, Phrase) or q.fieldname in SCORED_FIELDS:
        found = set(leaf_scores(st, q))  # one pass over the postings gives both
    else:
        found = set(st.searcher.docs_for_query(q))
    _remember(st, key, found)
    return found


def bits(st: OpenIndex, q: Query) -> int:
    """``docset`` as a bitset (see ``kb_tools.search.facets.to_bits``); each clause's, term's and phrase's is cached."""
    if isinstance(q, And):
        out = -1  # every bit
        for c in q.subqueries:
            out = out & ~bits(st, c.query) if isinstance(c, Not) else out & bits(st, c)
        return out
    if isinstance(q, Every):
        return -1
    # a word's fields and stand-ins, converted once from their (cached) union
    key = ("b", repr(q)) if isinstance(q, Or) else ("b", *_leaf_key(q))
    found = st.docsets.get(key)
    if found is None:
        found = to_bits(docset(st, q), facets(st).size)
        _remember(st, key, found)
    else:
        st.docsets.move_to_end(key)
    return found


def top(st: OpenIndex, parts: list[Query], matched: set, limit: int, strength=None) -> list[tuple[int, float]] | None:
    """The ``limit`` best (docnum, score) among ``matched`` (see ``kb_tools.search.ranking``), from each clause's
    cached scores, so a query costs dictionary look-ups instead of Whoosh stepping its matchers through
    every match. None for a query shape this does not cover (an AND below an OR)."""
    clauses = [clause_scores(st, part) for part in parts]
    if any(c is None for c in clauses):
        return None
    return ranking.top(clauses, matched, limit, orders(st), strength, facets(st).strength)


def clause_scores(st: OpenIndex, q: Query) -> ranking.Clause | None:
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
    if not _leaves(st, q, leaves):
        return None
    found = ranking.combine(leaves)
    _remember(st, key, found)
    return found


def _leaves(st: OpenIndex, q: Query, out: list) -> bool:
    """Collect (scores, boost, own words?) for every scoring leaf of a clause; False if it has an AND."""
    if isinstance(q, Or):
        return all(_leaves(st, c, out) for c in q.subqueries)
    if isinstance(q, (Term, Phrase)):
        out.append((leaf_scores(st, q), q.boost, q.fieldname != CITED_FIELD))
        return True
    return False


def leaf_scores(st: OpenIndex, q: Query) -> dict:
    """docnum -> the unboosted Whoosh score of a term or phrase, for every claim it matches (LRU-cached)."""
    key = ("s", q.fieldname, q.text if isinstance(q, Term) else tuple(q.words))
    found = st.docsets.get(key)
    if found is not None:
        st.docsets.move_to_end(key)
        return found
    if isinstance(q, Phrase):
        found = _phrase_scores(st, q)
        if found is not None:
            _remember(st, key, found)
            return found
    plain = Term(q.fieldname, q.text) if isinstance(q, Term) else Phrase(q.fieldname, q.words, slop=q.slop)
    context = st.searcher.context()
    found = {}
    for sub, offset in st.searcher.leaf_searchers():
        m = plain.matcher(sub, context)
        scorer = getattr(m, "scorer", None)
        if isinstance(plain, Term) and type(scorer) is BM25FScorer:
            # BM25FScorer.score(m) is bm25(idf, weight, length, avgfl, B, K1) with the length read from a
            # column per posting. The same arithmetic, in the same order (so the same floats), with each
            # document's length part worked out once per segment and field: a cold word costs a pass
            # over its postings' blocks instead of a few Python calls per posting
            norms = _norms(st, sub, offset, plain.fieldname, scorer)
            idf, k1p1 = scorer.idf, scorer.K1 + 1
            for ids, weights in _blocks(m):
                scores = [idf * ((w * k1p1) / (w + norms[d])) for d, w in zip(ids, weights, strict=True)]
                found.update(zip(ids if not offset else [d + offset for d in ids], scores, strict=True))
            continue
        while m.is_active():
            found[m.id() + offset] = m.score()
            m.next()
    if isinstance(q, Term) and q.fieldname in (OWN_FIELD, CITED_FIELD):
        found = _flatten_common(st, q, found)
    _remember(st, key, found)
    return found


def _phrase_scores(st: OpenIndex, q: Phrase) -> dict | None:
    """docnum -> Whoosh's score of a phrase (words next to each other, in order); None for a phrase this does
    not cover.

    Whoosh steps the words' matchers together through every claim having them all, reading each one's
    positions, and scores a match as the sum of its words' scores, added up as a binary tree
    (``make_binary_tree``). This reads each word's postings once, rarest word first, keeping only the claims
    that have every word so far, then checks their positions and adds the scores up in Whoosh's order: the
    same floats."""
    words = list(q.words)
    if q.slop != 1 or len(words) < 2 or type(st.schema[q.fieldname].format) is not Positions:
        return None
    reader = st.searcher.reader()
    distinct = sorted(dict.fromkeys(words), key=lambda w: reader.doc_frequency(q.fieldname, w))
    got: dict[str, dict[int, tuple[float, bytes]]] = {}
    docs = None
    for w in distinct:
        got[w] = _postings_within(st, q.fieldname, w, docs)
        docs = set(got[w])
        if not docs:
            return {}
    decode = st.schema[q.fieldname].format.decode_positions
    found = {}
    for d in sorted(docs):
        first, *rest = [decode(got[w][d][1]) for w in words]
        rest = [set(p) for p in rest]
        if any(all(p + i in ps for i, ps in enumerate(rest, 1)) for p in first):
            found[d] = _tree_sum([got[w][d][0] for w in words])
    return found


def _tree_sum(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    half = len(values) // 2
    return _tree_sum(values[:half]) + _tree_sum(values[half:])


def _postings_within(st: OpenIndex, fieldname: str, word: str, docs: set | None) -> dict[int, tuple[float, bytes]]:
    """docnum -> (the word's Whoosh score, its encoded positions), for its claims among ``docs`` (None: all)."""
    context = st.searcher.context()
    out = {}
    for sub, offset in st.searcher.leaf_searchers():
        m = Term(fieldname, word).matcher(sub, context)
        scorer = getattr(m, "scorer", None)
        if type(m) is not W3LeafMatcher or type(scorer) is not BM25FScorer:
            while m.is_active():  # deletions (a filtering matcher) or another codec: step through
                d = m.id() + offset
                if docs is None or d in docs:
                    out[d] = (m.score(), m.value())
                m.next()
            continue
        norms = _norms(st, sub, offset, fieldname, scorer)
        idf, k1p1 = scorer.idf, scorer.K1 + 1
        while m.is_active():
            if m._ids is None:
                m._read_ids()
            if m._weights is None:
                m._read_weights()
            if m._values is None:
                m._read_values()
            i = m._i
            for d, w, v in zip(m._ids[i:], m._weights[i:], m._values[i:], strict=True):
                if docs is None or d + offset in docs:
                    out[d + offset] = (idf * ((w * k1p1) / (w + norms[d])), v)  # as ``leaf_scores``
            m._next_block()
    return out


def _blocks(m):
    """A term matcher's postings, a block of (document numbers, weights) at a time.

    Whoosh's matcher interface costs four method calls per posting (``is_active``, ``id``, ``weight``,
    ``next``), most of a cold word's time; its on-disk matcher decodes whole blocks anyway, so those are
    read directly (whoosh-reloaded is pinned). Any other matcher is stepped through as usual."""
    if type(m) is not W3LeafMatcher:
        while m.is_active():
            yield (m.id(),), (m.weight(),)
            m.next()
        return
    while m.is_active():
        if m._ids is None:
            m._read_ids()
        if m._weights is None:
            m._read_weights()
        i = m._i
        yield m._ids[i:], m._weights[i:]
        m._next_block()


def _flatten_common(st: OpenIndex, q: Term, found: dict) -> dict:
    """A word in most claims (the KB's own subject, "melatonin" in a KB about it) says little about which
    claim a reader wants: how often a short claim repeats it must not decide. Each such claim gets one
    score, less when the word is only in its page title or section heading (the claim is less about it),
    so the claims' other words, then the strength of their design (``ranking``), decide their order."""
    if len(found) < COMMON_SHARE * max(len(all_docs(st)), 1) or len(found) < 2:
        return found
    flat = sorted(found.values())[len(found) // 2]
    if q.fieldname == CITED_FIELD:
        return dict.fromkeys(found, flat)
    in_text = leaf_scores(st, Term(TEXT_FIELD, q.text))
    return {d: flat if d in in_text else flat * TITLE_ONLY for d in found}


def _norms(st: OpenIndex, sub, offset: int, fieldname: str, scorer: BM25FScorer) -> list:
    """Each document's ``K1 * ((1 - B) + B * length / avgfl)`` in one segment: the part of Whoosh's ``bm25``
    that depends on the document's length of the field, as its scorer reads it (cached per index)."""
    key = (offset, fieldname, scorer.K1, scorer.B, scorer.avgfl)
    got = st.lengths.get(key)
    if got is None:
        reader = sub.reader()
        k1, b, avgfl = scorer.K1, scorer.B, scorer.avgfl
        lengths = [reader.doc_field_length(d, fieldname, 1) for d in range(reader.doc_count_all())]
        # (a deleted document has no length, and no postings either)
        got = st.lengths[key] = [None if fl is None else k1 * ((1 - b) + b * fl / avgfl) for fl in lengths]
    return got


def _remember(st: OpenIndex, key: tuple, value) -> None:
    st.docsets[key] = value
    st.docset_ids += _weight(value)
    while st.docset_ids > DOCSET_CACHE_IDS and len(st.docsets) > 1:
        _, dropped = st.docsets.popitem(last=False)
        st.docset_ids -= _weight(dropped)


def all_docs(st: OpenIndex) -> set:
    if st.all_docs is None:
        st.all_docs = set(st.searcher.reader().all_doc_ids())
    return st.all_docs


def orders(st: OpenIndex) -> list:
    if st.orders is None:
        by_id = read_orders(st.path)
        last = len(by_id)
        st.orders = [by_id.get(cid, last) for cid in st.searcher.reader().column_reader("id")]
    return st.orders


def tokens(st: OpenIndex, fname: str, text: str) -> list[str]:
    key = (fname, text)
    toks = st.tokens.get(key)
    if toks is None:
        toks = [t for t in st.schema[fname].process_text(text, mode="query")]
        if len(st.tokens) < 50_000:  # a bounded cache: the same words recur across queries
            st.tokens[key] = toks
    return toks


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
