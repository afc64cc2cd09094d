"""Smoke run of the bounded load test (benchmarks/load.py) against kb serve: zero errors; timings are not judged."""

from __future__ import annotations

import shutil

import pytest

from benchmarks import load
from tests.conftest import KBS

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")


def test_load_smoke(tmp_path, capsys):
    kb = tmp_path / "search"
    shutil.copytree(KBS / "search", kb, ignore=shutil.ignore_patterns(".kb", "site"))
    res = load.main([str(kb), "--requests", "300", "--concurrency", "10", "--max-seconds", "120"])
    assert res["errors"] == 0, res["error_samples"]
    assert res["requests"] == 300 and not res["stopped_early"]
    assert res["api"]["n"] > 50 and res["static"]["n"] > 50  # the mix really mixes
    assert "300 requests, 0 errors" in capsys.readouterr().out


def test_load_refuses_unbounded_runs():
    for argv in (["--requests", "0"], ["--requests", "100000000"], ["--concurrency", "5000"], ["--max-seconds", "0"]):
        with pytest.raises(SystemExit):
            load.main(argv)
