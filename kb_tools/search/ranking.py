"""Ranking matched claims: the claim's own words first, then what it cites, then BM25F.

A query's clauses are AND-ed (or OR-ed, when no claim had every word). Each clause matches a claim
through its own words (its text, page title and section heading, and its condition tags) or only
through the sources it cites (their authors, organisations and titles). A claim ranks first by how
many clauses its own words match, then by score: for each clause, the score of its own matching
fields or, when only its sources match, theirs. So "opioid nausea" lists the claims that say both
words above those whose cited papers have "opioid" in the title, whatever their lengths.

A clause's scores are Whoosh's own (BM25F per term or phrase, times the leaf's boost, summed), worked
out once per open index and cached by the engine. A word in most of the KB's claims scores the same in
each (``searchsets._flatten_common``), so ties are common for a KB's own subject: ties go to the claim
whose design is stronger, then in site order, whatever order an index update left them in.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

# A clause's (docnum -> score for the claims its own words match, docnum -> score for those only its
# sources match); the two never share a claim.
Clause = tuple[dict[int, float], dict[int, float]]


TIER = 1e6  # added to a claim's score per clause its own words match: far above any BM25F sum


def combine(leaves: list[tuple[dict, float, bool]]) -> tuple[dict[int, float], dict[int, float]]:
    """(own, cited-only) boosted score sums of a clause's leaves: (docnum -> score, boost, own words?)."""
    own: dict[int, float] = {}
    cited: dict[int, float] = {}
    for scores, boost, is_own in leaves:
        if is_own and not own and boost == 1.0:
            own = scores.copy()  # the usual case: the reader's word in the claim's own words
            continue
        acc = own if is_own else cited
        get = acc.get
        for d, v in scores.items():
            acc[d] = get(d, 0.0) + v * boost
    return own, {d: v for d, v in cited.items() if d not in own}


def top(
    clauses: list[Clause],
    matched: set,
    limit: int,
    order: Sequence[int],
    strength: Sequence[int] | None = None,
    tiebreak: Sequence[int] | None = None,
) -> list[tuple[int, float]]:
    """The ``limit`` best (docnum, score) among ``matched``; ``order`` is each docnum's place in site order.

    ``strength`` (docnum -> design rank, lower is stronger) puts stronger designs first, relevance
    breaking ties; ``tiebreak`` (the same ranks) breaks ties of relevance before site order.
    """
    rank = tiebreak if tiebreak is not None else _NONE
    if strength is None and len(clauses) == 1:
        return _one_clause(clauses[0], matched, limit, order, rank)
    # One dictionary: a claim's tier (clauses its own words match) rides in its score as multiples of TIER.
    total: dict[int, float] = {}
    get = total.get
    n = len(matched)
    for own, rest in clauses:
        if len(own) + len(rest) <= n:  # walk the smaller side: the clause's claims, or the matched ones
            for d, v in own.items():
                if d in matched:
                    total[d] = get(d, 0.0) + v + TIER
            for d, v in rest.items():
                if d in matched:
                    total[d] = get(d, 0.0) + v
            continue
        own_get, rest_get = own.get, rest.get
        for d in matched:
            v = own_get(d)
            if v is not None:
                total[d] = get(d, 0.0) + v + TIER
            elif (v := rest_get(d)) is not None:
                total[d] = get(d, 0.0) + v
    if strength is None:
        best = [d for d, _ in _best(limit, total.items(), lambda p: (p[1], -rank[p[0]], -order[p[0]]))]
    else:
        best = heapq.nlargest(limit, total, key=lambda d: (-strength[d], total[d], -order[d]))
    return [(d, total[d] % TIER) for d in best]


class _Zero:
    """No tie-break: every claim's rank is 0."""

    def __getitem__(self, _: int) -> int:
        return 0


_NONE = _Zero()


def _one_clause(
    clause: Clause, matched: set, limit: int, order: Sequence[int], rank: Sequence[int] = _NONE
) -> list[tuple[int, float]]:
    """One clause: its own-word matches by score, then (only when they are too few) the sources-only ones."""
    own, rest = clause
    whole = len(matched) == len(own) + len(rest)  # nothing narrowed the clause's claims: no look-ups needed

    def key(pair: tuple[int, float]) -> tuple[float, int, int]:
        return pair[1], -rank[pair[0]], -order[pair[0]]

    out = _best(limit, own.items() if whole else _within(own, matched), key)
    if len(out) < limit:
        out += _best(limit - len(out), rest.items() if whole else _within(rest, matched), key)
    return out


def _best(limit: int, pairs, key) -> list[tuple[int, float]]:
    """``heapq.nlargest(limit, pairs, key=key)`` for (docnum, score) pairs and a key that starts with the score.

    Only a pair scoring at least the ``limit``-th best score can be among the best, so the key (a Python call
    per pair) is computed for those alone; the filter keeps the pairs' order, so ties come out as before."""
    pairs = list(pairs)
    if len(pairs) > limit > 0:
        kth = heapq.nlargest(limit, [v for _, v in pairs])[-1]
        pairs = [p for p in pairs if p[1] >= kth]
    return heapq.nlargest(limit, pairs, key=key)


def _within(scores: dict[int, float], matched: set):
    """(docnum, score) of the matched claims among ``scores``, walking the smaller side."""
    if len(scores) <= len(matched):
        return ((d, v) for d, v in scores.items() if d in matched)
    return ((d, scores[d]) for d in matched if d in scores)
