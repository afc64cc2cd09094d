"""The claims export's JSON writer gives exactly what ``json.dumps(..., ensure_ascii=False, indent=1)`` gives."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from kb_tools.core.jsonout import dumps_indent1

LEAF = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
TREE = st.recursive(LEAF, lambda c: st.lists(c) | st.dictionaries(st.text(), c), max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(TREE)
def test_same_text_as_the_standard_library(value):
    assert dumps_indent1(value) == json.dumps(value, ensure_ascii=False, indent=1)


def test_a_claim_record_and_unusual_values():
    record = {"id": "c-1", "text": "“Quoted” é \n\t\\ \u2028", "roles": {}, "sources": [], "support": [{"a": None}]}
    assert dumps_indent1(record) == json.dumps(record, ensure_ascii=False, indent=1)
    odd = {1: (True, float("nan"), float("inf"))}  # non-str key, NaN: left to json.dumps
    assert dumps_indent1(odd) == json.dumps(odd, ensure_ascii=False, indent=1)
