"""Spelling suggestions from the index's vocabulary: Whoosh's ``ListCorrector`` answers, computed in C.

Whoosh's corrector builds a Levenshtein automaton for every word and walks the sorted vocabulary with it:
10 ms or more per misspelt word in Python, the slowest queries of a search. This one asks RapidFuzz for the
edit distance (insertions, deletions, substitutions; no transpositions, as Whoosh's automaton) of each word
with the same prefix, and keeps the same suggestions in the same order (a test compares them).
"""

from __future__ import annotations

from collections import defaultdict

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein


class Corrector:
    """Suggests the indexed words nearest to a word, as ``whoosh.spelling.ListCorrector(sorted(words))`` does."""

    def __init__(self, words):
        self._words = sorted(set(words))
        self._buckets: dict[str, list[str]] = {}  # prefix -> its words, filled as prefixes are asked for

    def _bucket(self, prefix: str) -> list[str]:
        got = self._buckets.get(prefix)
        if got is None:
            if not prefix:
                got = self._words
            elif not self._buckets or len(next(iter(self._buckets))) != len(prefix):
                by: dict[str, list[str]] = defaultdict(list)
                for w in self._words:
                    if len(w) >= len(prefix):
                        by[w[: len(prefix)]].append(w)
                self._buckets = dict(by)
                got = self._buckets.get(prefix, [])
            else:
                got = []
        return got

    def suggest(self, text: str, limit: int = 5, maxdist: int = 2, prefix: int = 1) -> list[str]:
        """Up to ``limit`` words within ``maxdist`` edits of ``text`` that share its first ``prefix`` characters:
        nearest first, then in alphabetical order; among words equally far, Whoosh keeps the last ones.

        ``prefix`` is at least 1 and ``text`` at least that long (Whoosh fails on a shorter word, and its walk
        without a prefix skips the first word of the list)."""
        if prefix < 1 or len(text) < prefix:
            raise ValueError("a suggestion needs a prefix of at least one character of the word")
        if maxdist < 1:
            return []
        words = self._bucket(text[:prefix])
        tails = [w[prefix:] for w in words]
        found = process.extract(text[prefix:], tails, scorer=Levenshtein.distance, score_cutoff=maxdist, limit=None)
        # Whoosh scores a word by the first automaton (distance 1, 2, ...) that accepts it: the word itself
        # counts as distance 1, and takes one of the ``limit`` places
        items = sorted(((max(d, 1), words[i]) for _, d, i in found), key=lambda x: (-x[0], x[1]))[-limit:]
        return [w for _, w in sorted(items)]
