"""A search's parameters as readers give them (``kb search``'s options, ``/api/search``'s query string):
their bounds, defaults and checks, declared once.

The engine checks the query and the limit again for any caller that comes in neither way; a check that fails
is a ``QueryError`` whose message tells the reader what to give instead (``/api/search`` answers 400 with it).
"""

from __future__ import annotations

from typing import Any, Protocol

from .facets import SORTS
from .query import QueryError

MAX_QUERY_CHARS = 300  # a question is a line; a longer text is not a search
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
DEFAULT_SORT = SORTS[0]
TOO_LONG = "{name} is too long ({n} characters); keep it under {max}"
BAD_LIMIT = "limit must be a whole number from 1 to {max}"


class QueryString(Protocol):
    """What ``/api/search`` reads its parameters from (Starlette's ``QueryParams``)."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[str]: ...


def check_query(text: str | None, name: str = "the query") -> str:
    """The query text, once it is short enough to search; ``name`` is what the message calls it."""
    text = text or ""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(TOO_LONG.format(name=name, n=len(text), max=MAX_QUERY_CHARS))
    return text


def check_limit(limit: int | str) -> int:
    """How many results to give: a whole number from 1 to ``MAX_LIMIT`` (a query string's text too)."""
    if isinstance(limit, str):
        try:
            limit = int(limit)
        except ValueError:  # "abc", "1e9", or more digits than Python turns into a number
            limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(BAD_LIMIT.format(max=MAX_LIMIT))
    return limit


def from_query_string(params: QueryString) -> dict[str, Any]:
    """``/api/search``'s parameters as ``Engine.search``'s keyword arguments (q, then limit, checked here).

    A facet may be given more than once (``condition=a&condition=b``: either); empty values are left out.
    """

    def values(key: str) -> tuple[str, ...]:
        return tuple(v for v in params.getlist(key) if v)

    return {
        "query": check_query(params.get("q", ""), "q"),
        "limit": check_limit(params.get("limit", str(DEFAULT_LIMIT))),
        "conditions": values("condition"),
        "source": params.get("source") or None,
        "designs": values("design"),
        "sourcetypes": values("sourcetype"),
        "sort": params.get("sort") or DEFAULT_SORT,
        "roles": values("role"),
    }
