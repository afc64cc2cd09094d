"""A search's parameters are checked once (``kb_tools.search.params``): ``/api/search``, ``kb search`` and the
engine refuse the same queries and limits, in the same words."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from starlette.datastructures import QueryParams

from kb_tools.cli import cli
from kb_tools.search.engine import Engine
from kb_tools.search.params import (
    DEFAULT_LIMIT,
    DEFAULT_SORT,
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    check_limit,
    from_query_string,
)
from kb_tools.search.query import QueryError

LIMIT_ERROR = f"limit must be a whole number from 1 to {MAX_LIMIT}"


def test_a_query_string_gives_the_engines_arguments():
    args = from_query_string(QueryParams("q=pain&condition=a&condition=&condition=b&role=harm&limit=7&source="))
    assert args == {
        "query": "pain",
        "limit": 7,
        "conditions": ("a", "b"),
        "source": None,
        "designs": (),
        "sourcetypes": (),
        "sort": DEFAULT_SORT,
        "roles": ("harm",),
    }
    assert from_query_string(QueryParams(""))["limit"] == DEFAULT_LIMIT


@pytest.mark.parametrize("limit", ["abc", "0", "-1", "1e9", "9" * 5000, str(MAX_LIMIT + 1), 0, MAX_LIMIT + 1])
def test_a_limit_out_of_range_is_refused_in_one_set_of_words(limit):
    with pytest.raises(QueryError) as caught:
        check_limit(limit)
    assert str(caught.value) == LIMIT_ERROR
    if isinstance(limit, str):
        with pytest.raises(QueryError, match=LIMIT_ERROR):
            from_query_string(QueryParams({"q": "pain", "limit": limit}))


def test_the_query_string_names_q_and_the_engine_the_query(tmp_path):
    long = "k" * (MAX_QUERY_CHARS + 1)
    with pytest.raises(QueryError, match=rf"^q is too long \({MAX_QUERY_CHARS + 1} characters\); keep it under"):
        from_query_string(QueryParams({"q": long, "limit": "abc"}))  # q is checked before limit
    with pytest.raises(QueryError, match=rf"^the query is too long \({MAX_QUERY_CHARS + 1} characters\)"):
        Engine(tmp_path).search(long)  # before the index is opened: there is none here
    with pytest.raises(QueryError, match=f"^{LIMIT_ERROR}$"):
        Engine(tmp_path).search("pain", limit=MAX_LIMIT + 1)


def test_kb_search_refuses_a_long_query_with_exit_2(base_kb):
    result = CliRunner().invoke(cli, ["search", "k" * (MAX_QUERY_CHARS + 1), str(base_kb)])
    assert result.exit_code == 2 and "the query is too long" in result.output
    result = CliRunner().invoke(cli, ["search", "pain", str(base_kb), "--limit", str(MAX_LIMIT + 1)])
    assert result.exit_code == 2 and f"1<=x<={MAX_LIMIT}" in result.output
