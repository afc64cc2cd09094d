"""``ConditionMatcher.match_many``: one search of all texts, the same answers as ``match`` text by text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kb_tools.core.model import Condition
from kb_tools.load.conditions import ConditionMatcher

CONDITIONS = (
    Condition("ptsd", "post-traumatic stress disorder", ("PTSD", "trauma")),
    Condition("stroke", "stroke", exclude=("heat stroke",)),
    Condition("multiple-sclerosis", "multiple sclerosis", ("MS",)),
)
MATCHER = ConditionMatcher(CONDITIONS)
WORDS = st.sampled_from(
    ["PTSD", "ptsd", "trauma", "post-traumatic", "stress", "disorder", "stroke", "heat", "MS", "ms", "multiple",
     "sclerosis", "-", " ", "\n", "x", "é", "traumas", "-trauma", "trauma-", "\x00", ""]
)  # fmt: skip
TEXT = st.lists(WORDS, max_size=8).map(" ".join) | st.lists(WORDS, max_size=8).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(TEXT, max_size=6))
def test_match_many_is_match_text_by_text(texts):
    assert MATCHER.match_many(texts) == [MATCHER.match(t) for t in texts]


def test_match_many_keeps_each_text_apart():
    texts = ["post-traumatic stress", "disorder, and heat stroke", "stroke and heat stroke", "MS", "ms"]
    assert MATCHER.match_many(texts) == [(), (), ("stroke",), ("multiple-sclerosis",), ()]
    # a phrase split over two texts is in neither, as a line break inside one text still joins it
    assert MATCHER.match_many(["post-traumatic stress", "disorder\nfor post-traumatic\nstress disorder"]) == [
        (),
        ("ptsd",),
    ]
