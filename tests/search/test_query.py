"""Bad input to search: any query string gives results or a QueryError, never another exception.

Property tests (hypothesis) over the query parser, the engine on a real Whoosh index, ``kb search`` and
``GET /api/search`` under a real uvicorn. The citation scanner, the BibTeX loader and the page loader have
their own property tests (tests/load/test_citations.py, tests/load/test_bibtex.py, tests/load/test_pages_properties.py).
"""

from __future__ import annotations

import json
import socket
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb_tools.cli import cli
from kb_tools.config.kbconfig import load_config
from kb_tools.index.writer import load_lay_terms
from kb_tools.search.engine import Results
from kb_tools.search.params import MAX_LIMIT, MAX_QUERY_CHARS
from kb_tools.search.query import Parsed, QueryError, Vocabulary, parse
from tests.conftest import REPO
from tests.search.test_engine import engine, search_kb  # noqa: F401 - module fixtures: a real index of the search KB
from tests.serve.test_serve import built_kb, server  # noqa: F401 - session fixtures: kb serve under uvicorn

RESULT_KEYS = {"query", "total", "results", "suggestion", "relaxed", "sort", "facets"}
HIT_KEYS = {
    "claim",
    "text",
    "highlight",
    "url",
    "page",
    "conditions",
    "sources",
    "evidence",
    "score",
    "design",
    "authorities",
    "section",
    "page_url",
    "roles",  # each condition's role: treated, harm or exclusion
    "design_label",
    "support",  # what its sources report that it rests on
}

# Pieces readers (and attackers) type: operators, field prefixes with and without junk, quotes, control
# characters, right-to-left marks, astral and lone-surrogate code points, and words the index knows.
ATOMS = [
    '"',
    "'",
    "-",
    "--",
    "AND",
    "OR",
    "NOT",
    "and",
    "(",
    ")",
    "*",
    "?",
    "~",
    "^",
    ":",
    "\\",
    "condition:",
    "condition:ptsd",
    "condition:PTSD",
    'condition:"post-traumatic stress disorder"',
    "condition:flu",
    "condition:\x00",
    "-condition:ptsd",
    "source:",
    "source:wolfson2023",
    "source:@@{}",
    "evidence:",
    "evidence:rct",
    "evidence:<script>",
    "design:rct",
    "authority:regulatory",
    "design:<script>",
    "year:",
    "year:abc",
    "year:2023",
    "author:",
    "author:smith",
    "title:",
    "section:",
    "http://x.y/z?a=b",
    "note:",
    "x:y:z",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r\n",
    "\t",
    "\u202e",
    "\u200b",
    "\ufeff",
    "é",
    "İ",
    "ß",
    "𝔘𝔫𝔦",
    "\ud800",
    "🙂",
    "ketamine",
    "bladder",
    "ptsd",
    "suicidal thoughts",
    "dissocation",
    "is it addictive",
    "<script>window.__xss=1</script>",
    '"><img src=x onerror=alert(1)>',
]
atoms = st.sampled_from(ATOMS)
queries = st.one_of(
    st.text(max_size=MAX_QUERY_CHARS + 20),
    st.lists(atoms, max_size=40).map(" ".join),
    st.lists(atoms, max_size=40).map("".join),
    st.lists(st.one_of(atoms, st.text(max_size=8)), max_size=30).map(" ".join),
)
PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    kap = load_config(REPO)  # the KAP KB's conditions and lay terms
    conds = [{"id": c.id, "name": c.name, "synonyms": list(c.synonyms)} for c in kap.conditions]
    return Vocabulary.from_meta({"conditions": conds, "lay_terms": load_lay_terms(kap)})


def check_json(data: dict) -> None:
    """The documented result shape, after a round trip through JSON."""
    data = json.loads(json.dumps(data))
    assert set(data) == RESULT_KEYS
    assert isinstance(data["query"], str) and isinstance(data["total"], int) and data["total"] >= 0
    assert data["suggestion"] is None or isinstance(data["suggestion"], str)
    assert isinstance(data["results"], list) and len(data["results"]) <= min(data["total"], MAX_LIMIT)
    for hit in data["results"]:
        assert set(hit) == HIT_KEYS
        assert isinstance(hit["text"], str) and isinstance(hit["score"], float)
        assert "<script" not in hit["highlight"].lower()  # highlight HTML is escaped text plus <mark>
    assert isinstance(data["relaxed"], bool) and data["sort"] in ("relevance", "design")
    assert list(data["facets"]) == ["condition", "role", "design", "sourcetype"]
    for values in data["facets"].values():
        for v in values:
            assert set(v) == {"value", "label", "count"} and isinstance(v["count"], int) and v["count"] >= 0


@PROPERTY
@given(q=st.one_of(queries, st.text(min_size=1000, max_size=10_000)))
def test_parser_never_fails_except_with_query_error(vocab, q):
    try:
        parsed = parse(q, vocab)
    except QueryError as exc:
        assert str(exc)  # a message for the reader
        return
    assert isinstance(parsed, Parsed)
    assert all(c in vocab.condition_ids for c in parsed.conditions)


@PROPERTY
@given(
    q=queries,
    conditions=st.lists(st.one_of(st.sampled_from(["ptsd", "PTSD", "flu", ""]), st.text(max_size=12)), max_size=3),
    source=st.one_of(st.none(), st.sampled_from(["wolfson2023", "WOLFSON2023", "", "@"]), st.text(max_size=12)),
    limit=st.integers(-3, MAX_LIMIT + 3),
    designs=st.lists(st.one_of(st.sampled_from(["rct", "none", "RCT", "", "bogus"]), st.text(max_size=8)), max_size=2),
    types=st.lists(st.one_of(st.sampled_from(["government", "journal", "x"]), st.text(max_size=8)), max_size=2),
    sort=st.one_of(st.sampled_from(["relevance", "design", "", "Design"]), st.text(max_size=8)),
)
def test_engine_gives_results_or_query_error(engine, q, conditions, source, limit, designs, types, sort):  # noqa: F811
    try:
        res = engine.search(q, tuple(conditions), source, limit, tuple(designs), tuple(types), sort)
    except QueryError as exc:
        assert str(exc)
        return
    assert isinstance(res, Results) and res.query == q
    assert len(res.hits) <= limit
    check_json(res.to_json())


@pytest.mark.parametrize("n", [MAX_QUERY_CHARS + 1, 1000, 10_000])
def test_long_queries_are_a_clear_error(engine, n):  # noqa: F811
    for text in ("x" * n, '"' * n, ("ketamine " * n)[:n], ("condition:ptsd " * n)[:n]):
        with pytest.raises(QueryError, match="too long"):
            engine.search(text)


def test_query_at_the_length_cap_is_searched(engine):  # noqa: F811
    check_json(engine.search(("ketamine " * MAX_QUERY_CHARS)[:MAX_QUERY_CHARS]).to_json())


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(q=queries.filter(lambda s: "\x00" not in s and not any(0xD800 <= ord(c) <= 0xDFFF for c in s)))
def test_kb_search_cli_exits_0_or_2(search_kb, q):  # noqa: F811
    # NUL and lone surrogates cannot be passed as a process argument at all, so they are left out here
    res = CliRunner().invoke(cli, ["search", "--json", "--", q, str(search_kb)])  # "--": q may start with "-"
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "internal error" not in res.output
    if res.exit_code == 0:
        check_json(json.loads(res.output))
    else:
        assert res.exit_code == 2 and res.output.startswith("kb: "), res.output


def raw_request(address: str, target: bytes) -> tuple[int, dict, bytes]:
    """A GET whose request target goes out as these exact bytes (http.client only sends ASCII)."""
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + address.encode() + b"\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def percent(text: str) -> bytes:
    return quote(text, safe="", errors="surrogatepass").encode("ascii")


def raw_bytes(text: str) -> bytes:
    """UTF-8 bytes sent as they are (non-ASCII, invalid UTF-8 too), except what would end the request line."""
    data = text.encode("utf-8", "surrogatepass")
    return b"".join(b if b[0] > 0x20 and b not in b"#&%+\x7f" else b"%%%02X" % b[0] for b in (bytes([c]) for c in data))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    q=st.one_of(queries, st.binary(max_size=60).map(lambda b: b.decode("latin-1"))),
    raw=st.booleans(),
    condition=st.one_of(st.none(), st.sampled_from(["ptsd", "flu", "", "\x00", "\xff"]), st.text(max_size=10)),
    limit=st.one_of(st.none(), st.sampled_from(["1", "100", "101", "0", "-1", "1e3", " 5", "abc", "\x00", "9" * 30])),
)
def test_api_answers_json_200_or_400(server, q, raw, condition, limit):  # noqa: F811
    """Any q, condition and limit, percent-encoded or as raw bytes: a JSON answer, 200 or 400."""
    enc = raw_bytes if raw else percent
    target = b"/api/search?q=" + enc(q)
    if condition is not None:
        target += b"&condition=" + enc(condition)
    if limit is not None:
        target += b"&limit=" + enc(limit)
    status, headers, body = raw_request(server, target)
    assert status in (200, 400), (status, body[:200])
    if not target.isascii():
        # HTTP allows only ASCII in the request line: uvicorn's parser refuses it before the app sees it,
        # with a fixed text that echoes nothing of the request
        assert status == 400 and body == b"Invalid HTTP request received."
        return
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    data = json.loads(body)
    if status == 200:
        check_json(data)
    else:
        assert set(data) == {"error"} and isinstance(data["error"], str) and data["error"]
