"""A claim text's words as the index analysed them, with where each stands: what highlighting marks.

Running the Whoosh analyzer chain for every hit (a token object per word, a filter generator per stage,
an LFU-cached stemmer) cost about a third of a query's time. For the chain the index uses (a regular
expression tokenizer, lower case, stop words, a stemmer) this does the same steps directly, with a plain
dict in front of the stemmer; for any other chain it falls back to the analyzer itself.
"""

from __future__ import annotations

from collections.abc import Callable

from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

Spans = list[tuple[str, int, int]]  # (stem, start, end) per indexed word, in order
STEM_CACHE = 100_000  # stems kept per tokenizer; the cache starts again when full


def tokenizer(analyzer) -> Callable[[str], Spans]:
    """text -> its indexed words' (stem, start, end), exactly as ``analyzer(text, chars=True, mode="index")``."""
    items = getattr(analyzer, "items", None)
    kinds = (RegexTokenizer, LowercaseFilter, StopFilter, StemFilter)
    if (
        not items
        or len(items) != len(kinds)
        or any(type(i) is not k for i, k in zip(items, kinds, strict=True))
        or items[0].gaps
        or items[3].lang
    ):
        return lambda text: [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True, mode="index")]
    expr, stop, stemmer = items[0].expression, items[2], items[3]
    stops, low, high = stop.stops, stop.min, stop.max
    ignore, stemfn = stemmer.ignore or frozenset(), stemmer.stemfn
    stems: dict[str, str] = {}

    def spans(text: str) -> Spans:
        out = []
        for m in expr.finditer(text):
            word = m.group(0).lower()
            if len(word) < low or (high is not None and len(word) > high) or word in stops:
                continue
            stem = stems.get(word)
            if stem is None:
                stem = word if word in ignore else stemfn(word)
                if len(stems) >= STEM_CACHE:
                    stems.clear()
                stems[word] = stem
            out.append((stem, m.start(), m.end()))
        return out

    return spans
