"""Find the conditions a claim is about from the words it uses."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence

from ..core.model import Condition


def _pattern(phrase: str) -> str:
    # "low-back pain" also matches "low back pain" and a line break.
    words = re.split(r"[-\s]+", phrase.strip())
    return r"[-\s]+".join(re.escape(w) for w in words if w)


_SEPARATOR = "\x00"


class ConditionMatcher:
    """Matches condition names and synonyms as whole words.

    Acronyms written in capitals (COPD, LBP, MS) match only in capitals, so
    "ms" (milliseconds) or a word fragment never counts; other phrases match in
    any case.
    """

    def __init__(self, conditions: Iterable[Condition]):
        self._rules: list[tuple[str, re.Pattern[str]]] = []
        self._excludes: dict[str, re.Pattern[str]] = {}
        for c in conditions:
            if c.exclude:
                alts = "|".join(_pattern(p) for p in sorted(c.exclude, key=len, reverse=True))
                self._excludes[c.id] = re.compile(r"(?i)(?<![\w-])(?:" + alts + r")(?![\w-])")
            phrases = {c.name, c.id.replace("-", " "), *c.synonyms}
            caps = sorted(p for p in phrases if p.isupper())
            other = sorted((p for p in phrases if not p.isupper()), key=len, reverse=True)
            parts = []
            if other:
                parts.append("(?i:" + "|".join(_pattern(p) for p in other) + ")")
            if caps:
                parts.append("|".join(_pattern(p) for p in caps))
            regex = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")
            self._rules.append((c.id, regex))

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(cid for cid, _ in self._rules)

    def match(self, text: str) -> tuple[str, ...]:
        """The ids of every condition named in ``text``, in vocabulary order."""
        return tuple(cid for cid, regex in self._rules if regex.search(self._without_excluded(cid, text)))

    def match_many(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """``[self.match(t) for t in texts]``, with one search of each condition over all the texts.

        The texts are joined by NUL, which no phrase, lookaround or exclusion can match across (they join words
        with hyphens and white space only), so each match lies within one text and is counted for it.
        """
        if len(texts) < 2 or any(_SEPARATOR in t for t in texts):
            return [self.match(t) for t in texts]
        joined = _SEPARATOR.join(texts)
        starts, pos = [], 0
        for t in texts:
            starts.append(pos)
            pos += len(t) + 1
        found: list[set[str]] = [set() for _ in texts]
        for cid, regex in self._rules:
            for m in regex.finditer(self._without_excluded(cid, joined)):
                found[bisect_right(starts, m.start()) - 1].add(cid)
        order = self.ids
        return [tuple(cid for cid in order if cid in got) for got in found]

    def spans(self, text: str) -> tuple[tuple[str, int, int], ...]:
        """(id, start, end) of every mention of a condition in ``text``, in text order."""
        found = []
        for cid, regex in self._rules:
            found += [(cid, m.start(), m.end()) for m in regex.finditer(self._without_excluded(cid, text))]
        return tuple(sorted(found, key=lambda s: (s[1], s[2])))

    def _without_excluded(self, cid: str, text: str) -> str:
        """The text with this condition's excluded phrases blanked out, so "heat stroke" is not
        stroke while "stroke and heat stroke" still is."""
        rule = self._excludes.get(cid)
        return rule.sub(lambda m: " " * len(m.group()), text) if rule else text  # offsets kept for spans
