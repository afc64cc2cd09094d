"""``kb serve`` under load from a rebuild, and its web hardening, against the real ``kb serve`` command.

* while ``kb build`` rebuilds the KB, every request (API and static pages) keeps succeeding from the old
  site and index, and after the swap the new claim is found;
* 127.0.0.1 by default; GET and HEAD only; capped query length and ``limit``; JSON content type; security
  headers on static pages and API alike; no path traversal, encoded or through symlinks out of site/.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from kb_tools.search.params import MAX_LIMIT, MAX_QUERY_CHARS
from tests.conftest import KBS
from tests.tree_helpers import KB, kb_run, leftovers

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")

NEW_CLAIM = "Zebracorn sightings were not linked to ketamine treatment [@fda2023]."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, method: str = "GET", timeout: float = 10) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


class Served:
    """``kb serve KB`` in a subprocess (its own defaults, except the port)."""

    def __init__(self, kb: Path, *args: str):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [str(KB), "serve", str(kb), "--port", str(self.port), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"kb serve did not start: {self.proc.stderr.read()[-2000:]}")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> Path:
    kb = tmp_path_factory.mktemp("serve") / "search"
    shutil.copytree(KBS / "search", kb, ignore=shutil.ignore_patterns(".kb", "site"))
    result = kb_run("build", str(kb))
    assert result.returncode == 0, result.stderr
    return kb


@pytest.fixture(scope="module")
def served(kb):
    s = Served(kb)
    yield s
    s.stop()


# --- rebuild while serving ---------------------------------------------------------------------------------

MIX = [
    "/api/search?q=zebracorn",
    "/api/search?q=ketamine&limit=50",
    "/",
    "/topics/safety/",
    "/api/search?q=bladder&condition=ptsd",
    "/claims.json",
    "/search/",
    "/api/search?q=blood+pressure",
    "/conditions/ptsd/",
    "/assets/kb/kb-search.js",
]


class Poller:
    """Threads that GET the mix over and over, each on a keep-alive connection, recording every outcome."""

    def __init__(self, port: int, threads: int = 6):
        self.port = port
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.failures: list[str] = []
        self.zebracorn: list[tuple[float, int]] = []  # (time, total) of each zebracorn query
        self.count = 0
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(threads)]
        for t in self.threads:
            t.start()

    def run(self, n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        i = n
        while not self.stop.is_set():
            path = MIX[i % len(MIX)]
            i += 1
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                length = resp.getheader("content-length")
                problem = None
                if resp.status != 200:
                    problem = f"{path}: {resp.status} {body[:200]!r}"
                elif length is not None and int(length) != len(body):
                    problem = f"{path}: content-length {length} but {len(body)} bytes"
                elif path.startswith("/api/"):
                    total = json.loads(body)["total"]
                    if "zebracorn" in path:
                        with self.lock:
                            self.zebracorn.append((time.monotonic(), total))
            except (OSError, http.client.HTTPException, ValueError) as exc:
                problem = f"{path}: {exc.__class__.__name__}: {exc}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            with self.lock:
                self.count += 1
                if problem:
                    self.failures.append(problem)
        conn.close()

    def join(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(20)


def _answered_after(poller: Poller, moment: float, timeout: float = 60) -> None:
    """Wait until the poller has had a search answered after ``moment`` (a loaded machine may take seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with poller.lock:
            if any(t > moment for t, _ in poller.zebracorn):
                return
        time.sleep(0.05)
    raise AssertionError(f"no search answered within {timeout} s")


def test_rebuild_while_serving(kb, served):
    safety = kb / "docs/topics/safety.md"
    original = safety.read_text()
    poller = Poller(served.port)
    try:
        rounds = []
        for edit in (original + "\n" + NEW_CLAIM + "\n", original, original + "\n" + NEW_CLAIM + "\n"):
            _answered_after(poller, time.monotonic())  # queries are being answered before the build starts
            safety.write_text(edit)
            started = time.monotonic()
            with poller.lock:
                n0 = poller.count
            result = kb_run("build", str(kb))
            assert result.returncode == 0, result.stderr
            finished = time.monotonic()
            with poller.lock:
                during = poller.count - n0
            _answered_after(poller, finished + 0.5)  # the next queries must come from the new index
            rounds.append((started, finished, time.monotonic(), NEW_CLAIM in edit, during))
        # after the last swap the new claim is found
        status, _, body = get(served.port, "/api/search?q=zebracorn")
        assert status == 200 and json.loads(body)["total"] == 1
        assert b"Zebracorn" in get(served.port, "/topics/safety/")[2]
    finally:
        poller.join()
        safety.write_text(original)
    assert poller.failures == [], poller.failures[:10]
    for started, finished, until, has_claim, during in rounds:
        assert during >= 20, "too few requests while the build ran to say anything"
        seen = {total for t, total in poller.zebracorn if t < started}
        after = {total for t, total in poller.zebracorn if finished + 0.5 < t <= until}
        assert after == {1 if has_claim else 0}, (has_claim, after)
        assert seen  # queries were answered before each build started
    assert leftovers(kb) == []


# --- web hardening -------------------------------------------------------------------------------------------


def test_binds_loopback_by_default(served):
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True) if shutil.which("ss") else None
    if out is not None and out.returncode == 0:
        mine = [line for line in out.stdout.splitlines() if f":{served.port} " in line]
        assert mine and all(f"127.0.0.1:{served.port}" in line for line in mine), mine
    else:  # no ss: the port answers on 127.0.0.1 and on no other local address
        assert get(served.port, "/")[0] == 200
    for addr in _other_addresses():
        with pytest.raises(OSError):
            socket.create_connection((addr, served.port), timeout=1).close()


def _other_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return []
    return [a for a in out if "." in a and not a.startswith("127.")]


def test_serve_defaults_in_the_cli():
    from kb_tools.commands.serve import serve

    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"


@pytest.mark.parametrize("path", ["/", "/topics/safety/", "/claims.json", "/api/search?q=ketamine", "/nothing/"])
def test_only_get_and_head(served, path):
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "FOO"):
        status, headers, _ = get(served.port, path, method)
        assert status in (405, 400), (method, status)
        if status == 405:
            assert headers["allow"] == "GET, HEAD"
    assert get(served.port, path, "HEAD")[2] == b""


def test_query_length_and_limit_are_capped(served):
    ok = get(served.port, "/api/search?q=" + quote("ketamine " * 40)[: MAX_QUERY_CHARS * 3])
    assert ok[0] in (200, 400)
    for path in (
        "/api/search?q=" + "k" * (MAX_QUERY_CHARS + 1),
        "/api/search?q=" + "%41" * (MAX_QUERY_CHARS + 1),  # counted after decoding
        f"/api/search?q=ketamine&limit={MAX_LIMIT + 1}",
        "/api/search?q=ketamine&limit=-1",
        "/api/search?q=ketamine&limit=1e9",
        "/api/search?q=ketamine&limit=" + "9" * 5000,
    ):
        status, headers, body = get(served.port, path)
        assert status == 400, path[:80]
        assert headers["content-type"] == "application/json" and "error" in json.loads(body)
    status, _, body = get(served.port, f"/api/search?q=ketamine&limit={MAX_LIMIT}")
    assert status == 200 and len(json.loads(body)["results"]) <= MAX_LIMIT
    status, _, _ = get(served.port, "/api/search?q=" + "k" * 100_000)  # beyond any cap: refused, server unharmed
    assert status in (400, 414, 431)
    assert get(served.port, "/api/search?q=ketamine")[0] == 200


SECURITY = {"x-content-type-options": "nosniff", "referrer-policy": "strict-origin-when-cross-origin"}


@pytest.mark.parametrize(
    ("path", "ctype"),
    [
        ("/", "text/html"),
        ("/topics/safety/", "text/html"),
        ("/claims.json", "application/json"),
        ("/assets/kb/kb-search.js", "text/javascript"),
        ("/api/search?q=ketamine", "application/json"),
        ("/api/search?q=AND", "application/json"),
        ("/api/search?q=ketamine&limit=0", "application/json"),
        ("/no/such/page/", ""),
        ("/../etc/passwd", ""),
    ],
)
def test_security_headers_everywhere(served, path, ctype):
    for method in ("GET", "HEAD"):
        _, headers, _ = get(served.port, path, method)
        for name, value in SECURITY.items():
            assert headers.get(name) == value, (method, path, name)
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "object-src 'none'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
        assert ctype in headers.get("content-type", "")
        if path.startswith("/api/"):
            assert headers["content-type"] == "application/json"


TRAVERSALS = [
    "/../mkdocs.yml",
    "/%2e%2e/mkdocs.yml",
    "/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "/..%2fmkdocs.yml",
    "/..%2Fmkdocs.yml",
    "/%2e%2e%2fmkdocs.yml",
    "/.%2e/mkdocs.yml",
    "/topics/..%2f..%2fmkdocs.yml",
    "/topics/%2e%2e/%2e%2e/mkdocs.yml",
    "/%252e%252e/mkdocs.yml",  # double-encoded
    "/..%5cmkdocs.yml",  # backslash
    "/..\\mkdocs.yml",
    "/%c0%ae%c0%ae/mkdocs.yml",  # overlong UTF-8
    "/%00/../mkdocs.yml",
    "//etc/passwd",
    "/./../mkdocs.yml",
    "/docs/../../mkdocs.yml",
    "/.kb/index/kb-index.json",
    "/../.kb/index/kb-index.json",
    "/%2e%2e/.kb/index/kb-index.json",
    "/../references/sources.bib",
    "/%2e%2e/references/sources.bib",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_traversal(served, path):
    status, _, body = get(served.port, path)
    assert status in (400, 404), (path, status)
    for secret in (b"root:", b"site_name", b"@article", b"@misc", b"schema_version"):
        assert secret not in body, (path, secret)


def test_no_symlinks_out_of_site(kb, tmp_path):
    """A symlink inside site/ that points outside it is not followed (files, folders, and via a linked folder)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("TOP SECRET")
    site = kb / "site"
    links = {
        "link-file.txt": outside / "secret.txt",
        "link-dir": outside,
        "link-config.yml": kb / "mkdocs.yml",
        "link-root": Path("/"),
    }
    for name, target in links.items():
        (site / name).symlink_to(target)
    s = Served(kb)
    try:
        for path in ("/link-file.txt", "/link-dir/secret.txt", "/link-config.yml", "/link-root/etc/passwd"):
            status, _, body = get(s.port, path)
            assert status == 404, (path, status)
            assert b"TOP SECRET" not in body and b"site_name" not in body and b"root:" not in body
        assert get(s.port, "/topics/safety/")[0] == 200
    finally:
        s.stop()
        for name in links:
            (site / name).unlink()


def test_a_site_folder_that_is_itself_a_symlink_still_serves(kb, tmp_path):
    """Deployments often point site/ at a release folder; following that one link is fine."""
    real = tmp_path / "release"
    shutil.copytree(kb / "site", real)
    other = tmp_path / "kb2"
    shutil.copytree(kb, other, ignore=shutil.ignore_patterns("site"))
    os.symlink(real, other / "site")
    s = Served(other)
    try:
        assert get(s.port, "/topics/safety/")[0] == 200
    finally:
        s.stop()


def test_file_replaced_between_stat_and_open_is_served_whole(tmp_path):
    """The length, validators and bytes of a response all come from the file that was opened."""
    from kb_tools.serve import SiteFiles

    page = tmp_path / "index.html"
    page.write_text("<p>" + "old " * 100 + "</p>")
    stale = page.stat()
    replacement = tmp_path / "new.html"
    replacement.write_text("<p>new</p>")
    replacement.replace(page)  # what a rebuild does to every file between Starlette's stat and open
    scope = {"type": "http", "method": "GET", "headers": [], "path": "/"}
    response = SiteFiles(tmp_path).file_response(str(page), stale, scope)
    assert response.body == b"<p>new</p>"
    assert response.headers["content-length"] == str(len(b"<p>new</p>"))


def test_conditional_get_still_works(served):
    status, headers, _ = get(served.port, "/topics/safety/")
    assert status == 200 and headers.get("etag")
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    conn.request("GET", "/topics/safety/", headers={"If-None-Match": headers["etag"]})
    resp = conn.getresponse()
    assert resp.status == 304 and resp.read() == b""
    conn.close()
