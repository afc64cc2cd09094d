"""``kb serve`` answers Range requests as it advertises (``accept-ranges: bytes``): 206 with Content-Range for a
satisfiable single range, 416 for one past the end, and the whole file (200) for what it does not serve in parts."""

from __future__ import annotations

import http.client
import shutil

import pytest

from tests.serve.test_serve import built_kb, server  # noqa: F401 (the served fixture KB)

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")
PATH = "/claims.json"


def ranged(server: str, value: str | None, method: str = "GET") -> tuple[int, dict, bytes]:  # noqa: F811
    conn = http.client.HTTPConnection(server, timeout=10)
    conn.request(method, PATH, headers={"Range": value} if value else {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


@pytest.fixture(scope="module")
def whole(server) -> bytes:  # noqa: F811
    status, headers, body = ranged(server, None)
    assert status == 200 and headers.get("accept-ranges") == "bytes"
    return body


@pytest.mark.parametrize(
    ("value", "part"),
    [
        ("bytes=0-9", slice(0, 10)),
        ("bytes=5-", slice(5, None)),
        ("bytes=-7", slice(-7, None)),
        ("bytes=3-3", slice(3, 4)),
    ],
)
def test_a_range_is_206_with_those_bytes(server, whole, value, part):  # noqa: F811
    status, headers, body = ranged(server, value)
    assert status == 206
    assert body == whole[part]
    start = part.start if part.start is None or part.start >= 0 else len(whole) + part.start
    start = len(whole) - 7 if value == "bytes=-7" else start
    assert headers["content-range"] == f"bytes {start}-{start + len(body) - 1}/{len(whole)}"
    assert int(headers["content-length"]) == len(body)


def test_a_range_past_the_end_is_416(server, whole):  # noqa: F811
    status, headers, body = ranged(server, f"bytes={len(whole) + 10}-")
    assert status == 416 and headers["content-range"] == f"bytes */{len(whole)}"


@pytest.mark.parametrize("value", ["bytes=9-2", "items=0-4", "bytes=abc", "bytes=0-1,4-5"])
def test_a_range_it_does_not_serve_gets_the_whole_file(server, whole, value):  # noqa: F811
    status, _, body = ranged(server, value)
    assert (status, body) == (200, whole) or status == 416  # RFC 9110: ignoring a Range is always allowed


def test_head_with_a_range(server, whole):  # noqa: F811
    status, headers, body = ranged(server, "bytes=0-9", "HEAD")
    assert status == 206 and body == b"" and headers["content-range"] == f"bytes 0-9/{len(whole)}"
