"""The fast spelling corrector and highlight tokenizer give exactly what the Whoosh code they replace gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.spelling import ListCorrector

from kb_tools.index.schema import schema
from kb_tools.search.spans import tokenizer
from kb_tools.search.spelling import Corrector

WORDS = [
    "ketamine", "ketamines", "ketone", "kidney", "bladder", "blader", "blood", "bloody", "brain", "pressure",
    "presure", "depression", "depressive", "dose", "dosing", "doses", "aaaa", "aaab", "aab", "ab", "a", "zebra",
    "melatonin", "melanin", "café", "naïve",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="abdeiklmnoprstyzéï", min_size=2, max_size=10)
    | st.sampled_from([w for w in WORDS if len(w) >= 2]),
    st.integers(1, 2),
    st.integers(1, 2),
    st.integers(1, 25),
)
def test_corrector_suggests_as_whoosh(word, maxdist, prefix, limit):
    old, new = ListCorrector(sorted(WORDS)), Corrector(WORDS)
    assert new.suggest(word, limit=limit, maxdist=maxdist, prefix=prefix) == old.suggest(
        word, limit=limit, maxdist=maxdist, prefix=prefix
    )


TEXTS = [
    "Ketamine raised blood pressure (p < 0.05) in 3.5% of the patients, e.g. adults.",
    "Ünïcode café naïve İstanbul straße ΣΊΣΥΦΟΣ x_y __init__ 10,000 a.b.c",
    "<script>alert(1)</script> & THE AND Of it's",
    "",
]


@settings(max_examples=300, deadline=None)
@given(st.text() | st.sampled_from(TEXTS))
def test_tokenizer_spans_as_the_analyzer(text):
    analyzer = schema()["text"].analyzer
    slow = [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True, mode="index")]
    fast = tokenizer(analyzer)
    assert fast.__name__ == "spans"  # the index's chain takes the direct path
    assert fast(text) == slow


def test_tokenizer_falls_back_for_another_chain():
    from whoosh.analysis import SimpleAnalyzer

    analyzer = SimpleAnalyzer()
    assert tokenizer(analyzer)("Blood Pressure") == [("blood", 0, 5), ("pressure", 6, 14)]
