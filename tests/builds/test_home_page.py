"""A KB without a home page: ``kb check`` says what is missing and ``kb serve`` serves the site it has
(issue 22, item 17)."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from kb_tools.cli import cli
from tests.conftest import make_kb
from tests.serve.test_serve import free_port
from tests.site_helpers import wait_listening

KB = str(Path(sys.executable).parent / "kb")


def test_a_kb_without_a_home_page_builds_and_is_served_with_the_gap_named(tmp_path):
    kb = make_kb(tmp_path, "missing-home-page")  # docs_dir: pages, with no index.md
    build = CliRunner().invoke(cli, ["build", str(kb)])
    assert build.exit_code == 0, build.output  # a warning: the site builds
    assert "pages/index.md:1: warning missing-home-page: the KB has no home page" in build.output
    assert not (kb / "site/index.html").exists() and (kb / "site/topic/index.html").is_file()
    port = free_port()
    proc = subprocess.Popen(
        [KB, "serve", str(kb), "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_listening(proc, port, 30)
        assert proc.poll() is None, proc.communicate()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/topic/", timeout=10) as page:
            assert page.status == 200
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10)
            raise AssertionError("/ should be missing")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "the site has no home page (pages/index.md is missing)" in err
    assert "no built site here" not in err


def test_kb_serve_still_refuses_when_nothing_was_built(tmp_path):
    kb = make_kb(tmp_path)
    result = CliRunner().invoke(cli, ["serve", str(kb)])
    assert result.exit_code == 1 and "no built site here; run kb build first" in result.output
