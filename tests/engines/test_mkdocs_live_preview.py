"""``mkdocs serve`` watches the bibliography: a .bib edit reaches the served page without touching a page."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from kb_tools.config.kbconfig import load_config, watched_paths
from tests.conftest import make_kb

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")

OLD_TITLE = "Safety communication about compounded products"
NEW_TITLE = "Safety notice about compounded ketamine products"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.read().decode("utf-8", "replace") if resp.status == 200 else ""
    finally:
        conn.close()


def poll(port: int, path: str, wanted: str, seconds: float) -> float | None:
    """Seconds until ``path`` holds ``wanted`` (polled every 0.2 s), or None after ``seconds``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            if wanted in get(port, path):
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.2)
    return None


def test_watched_paths_cover_every_bib_and_record_file_and_their_folders(tmp_path):
    kb = make_kb(tmp_path, "bib-warning")
    paths = {p.relative_to(kb).as_posix() for p in watched_paths(load_config(kb))}
    assert paths == {
        *("references", "references/sources.bib", "references/extra.bib"),
        *("references/records", "references/records/smith2022.yml", "references/records/agency2023.yml"),
        "references/records/twice2019.yml",
    }


def test_bib_edit_reloads_the_served_page(tmp_path):
    kb = make_kb(tmp_path)
    port = free_port()
    cmd = [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(
        cmd, cwd=kb, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        page = "/sources/agency2023/"
        assert poll(port, page, OLD_TITLE, 90) is not None, "mkdocs serve did not come up"
        bib = kb / "references" / "sources.bib"
        bib.write_text(bib.read_text(encoding="utf-8").replace(OLD_TITLE, NEW_TITLE), encoding="utf-8")
        latency = poll(port, page, NEW_TITLE, 60)
        print(f"\n.bib edit -> served source page: {latency if latency is None else round(latency, 2)} s")
        assert latency is not None, "the .bib edit never reached the served page"
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # mkdocs serve's own session only
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
