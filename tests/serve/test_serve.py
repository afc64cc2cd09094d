"""``kb serve``'s app under a real uvicorn on 127.0.0.1: the API, errors, headers and static files."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb_tools.config.kbconfig import load_config
from tests.conftest import KBS

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_site(kb: Path) -> None:
    from kb_tools.pipeline import build_site as run_build

    result = run_build(load_config(kb))
    assert result.published, [str(f) for f in result.outcome.findings]


@pytest.fixture(scope="session")
def built_kb(tmp_path_factory) -> Path:
    kb = tmp_path_factory.mktemp("served") / "search"
    shutil.copytree(KBS / "search", kb)
    build_site(kb)
    return kb


@contextlib.contextmanager
def uvicorn_serving(kb: Path) -> Iterator[str]:
    """``kb serve``'s app for ``kb`` under uvicorn in a subprocess, as a worker process starts it: "host:port"."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "kb_tools.serve:app_factory", "--factory"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env={**os.environ, "KB_SERVE_KB": str(kb)})
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"uvicorn did not start for {kb}")
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def server(built_kb: Path):
    with uvicorn_serving(built_kb) as where:
        yield where


def request(server: str, method: str, path: str) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection(server, timeout=10)
    conn.request(method, path)  # the path goes out exactly as written: no client-side normalising
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


def test_api_search_json(server):
    status, headers, body = request(server, "GET", "/api/search?q=suicidal+thoughts&limit=3")
    assert status == 200 and headers["content-type"] == "application/json"
    data = json.loads(body)
    assert set(data) == {"query", "total", "results", "suggestion", "relaxed", "sort", "facets"}
    assert data["query"] == "suicidal thoughts"
    assert data["results"][0]["text"].startswith("Suicidal ideation fell")
    assert data["results"][0]["sources"][0]["citation"] == "(Alnefeesi et al., 2022)"


def test_api_filters_and_suggestion(server):
    _, _, body = request(server, "GET", "/api/search?q=ketamine&condition=ptsd&condition=anxiety&limit=50")
    assert {c for r in json.loads(body)["results"] for c in r["conditions"]} >= {"ptsd", "anxiety"}
    _, _, body = request(server, "GET", "/api/search?q=&source=wolfson2023")
    assert json.loads(body)["total"] == 2
    _, _, body = request(server, "GET", "/api/search?q=dissocation")
    assert json.loads(body)["suggestion"] == "dissociation"


@pytest.mark.parametrize(
    "query",
    [
        "/api/search?q=ketamine&limit=abc",
        "/api/search?q=ketamine&limit=0",
        "/api/search?q=ketamine&limit=100000",
        "/api/search?q=" + "x" * 2000,
        "/api/search?q=ketamine&condition=flu",
        "/api/search?q=AND",
        "/api/search",
        "/api/search?q=condition%3A",
    ],
)
def test_bad_parameters_are_400_with_an_error(server, query):
    status, headers, body = request(server, "GET", query)
    assert status == 400 and headers["content-type"] == "application/json"
    assert isinstance(json.loads(body)["error"], str)


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("/api/search?q=ketamine&limit=abc", "limit must be a whole number from 1 to 100"),
        ("/api/search?q=ketamine&limit=0", "limit must be a whole number from 1 to 100"),
        ("/api/search?q=" + "x" * 2000 + "&limit=0", "q is too long (2000 characters); keep it under 300"),
    ],
)
def test_q_and_limit_errors_say_what_to_give(server, query, error):
    status, headers, body = request(server, "GET", query)
    assert (status, headers["cache-control"], json.loads(body)) == (400, "no-store", {"error": error})


@pytest.mark.parametrize("path", ["/api/search?q=ketamine", "/", "/topics/safety/"])
def test_only_get_and_head(server, path):
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        status, headers, _ = request(server, method, path)
        assert status == 405 and headers["allow"] == "GET, HEAD"
    status, _, body = request(server, "HEAD", path)
    assert status == 200 and body == b""


def test_security_headers_on_every_response(server):
    for path in ("/", "/api/search?q=bladder", "/api/search?q=AND", "/no-such-page/", "/assets/kb/kb-search.js"):
        _, headers, _ = request(server, "GET", path)
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        csp = headers["content-security-policy"]
        assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src")[1]
    _, headers, _ = request(server, "GET", "/topics/safety/")
    assert "'sha256-" in headers["content-security-policy"]  # Material's inline scripts are allowed by hash


@pytest.mark.parametrize(
    "path",
    [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/assets/..%2f..%2f..%2f..%2fetc/passwd",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "/topics/%2e%2e/%2e%2e/%2e%2e/mkdocs.yml",
        "/%2e%2e/mkdocs.yml",
    ],
)
def test_no_path_traversal(server, path):
    status, _, body = request(server, "GET", path)
    assert status in (400, 404)
    assert b"root:" not in body and b"site_name" not in body


def test_static_pages(server, built_kb):
    status, headers, body = request(server, "GET", "/topics/safety/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b"blood pressure" in body
    status, _, body = request(server, "GET", "/search/")
    assert status == 200 and b'id="kb-search"' in body
    status, headers, _ = request(server, "GET", "/claims.json")
    assert status == 200 and headers["content-type"] == "application/json"
    status, _, _ = request(server, "GET", "/nothing/here/")
    assert status == 404


def test_site_page_csp_hashes_match_inline_scripts(built_kb):
    from kb_tools.serve import inline_script_hashes

    page = (built_kb / "site" / "topics" / "safety" / "index.html").read_text()
    assert inline_script_hashes(page)  # Material writes at least one inline script
    assert len(inline_script_hashes('<script type="application/json">{}</script><script src="a.js"></script>')) == 0
