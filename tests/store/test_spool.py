"""The page spool: converted pages' HTML held on disk, taken back once, in any order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb_tools.store.spool import Spool


@pytest.mark.parametrize(
    "texts",
    [
        {"a.md": "<p>one</p>", "b.md": ""},
        {"é.md": "<p>naïve café — “quoted” 😀</p>", "x.md": "<p>x</p>" * 100_000},
        {"lone-surrogate.md": "bad \udc80 byte"},  # what a page decoded with surrogateescape may carry
    ],
)
def test_each_text_comes_back_as_it_was_put(texts):
    spool = Spool()
    for key, text in texts.items():
        spool.put(key, text)
    for key, text in reversed(texts.items()):
        assert key in spool
        assert spool.take(key) == text
    spool.close()


def test_a_text_is_taken_once():
    spool = Spool()
    spool.put("a.md", "<p>a</p>")
    assert spool.take("a.md") == "<p>a</p>"
    assert "a.md" not in spool and spool.take("a.md") is None
    assert spool.take("never-put.md") is None


def test_putting_a_key_again_replaces_its_text():
    spool = Spool()
    spool.put("a.md", "<p>first</p>")
    spool.put("a.md", "<p>second, longer</p>")
    assert spool.take("a.md") == "<p>second, longer</p>"


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=200), max_size=20))
def test_any_texts_round_trip(texts):
    spool = Spool()
    for key, text in texts.items():
        spool.put(key, text)
    assert {key: spool.take(key) for key in texts} == texts
    spool.close()
