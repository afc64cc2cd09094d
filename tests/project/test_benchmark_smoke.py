"""Smoke test of the benchmark: size S, one run, few queries and requests. It checks figures, never speed."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

from benchmarks import generate, run

pytestmark = pytest.mark.slow


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _positive(value) -> bool:
    return isinstance(value, int | float) and value > 0 and math.isfinite(value)


def test_generator_is_deterministic_and_sized(tmp_path: Path):
    a = generate.generate("S", tmp_path / "a")
    b = generate.generate("S", tmp_path / "b")
    assert a == b
    assert (a["pages"], a["claims"], a["sources"]) == (50, 1000, 200)
    assert 0 < a["uncited"] < 30 and a["commercial_only"] > 0
    for rel in a["topic_pages"][:5]:
        assert (tmp_path / "a/docs" / rel).read_bytes() == (tmp_path / "b/docs" / rel).read_bytes()
    assert (tmp_path / "a/mkdocs-plain.yml").is_file()
    assert "- kb:" in (tmp_path / "a/mkdocs.yml").read_text()
    assert "- kb:" not in (tmp_path / "a/mkdocs-plain.yml").read_text()


def test_benchmark_smoke(tmp_path: Path, capsys):
    out = tmp_path / "out"
    rc = run.main(
        ["--sizes", "S", "--runs", "1", "--queries", "200", "--requests", "200", "--serve-seconds", "20"]
        + ["--out", str(out), "--workdir", str(tmp_path / "work")]
    )
    assert rc == 0
    printed = capsys.readouterr().out
    assert "kb check, warm (s)" in printed and "search p95, all (ms)" in printed
    data = json.loads((out / "results-S.json").read_text())
    s = data["sizes"]["S"]
    assert data["machine"]["cpus"] >= 1
    assert s["kb"]["claims"] == 1000

    for key in ("check_cold_s", "check_warm_s", "mkdocs_plain_build_s", "mkdocs_plain_peak_rss_mib"):
        assert _positive(s[key]), (key, s[key])
    assert _positive(s["fts5"]["all"]["p95_ms"]) and s["fts5"]["all"]["n"] == 200

    build_keys = (
        "kb_build_s",
        "kb_build_warm_s",
        "kb_rebuild_after_edit_s",
        "kb_build_peak_rss_mib",
        "kb_build_peak_tree_pss_mib",
        "build_ratio",
        "warm_build_ratio",
        "rebuild_share",
    )
    for key in build_keys:
        assert _positive(s[key]), (key, s[key])

    if _has("kb_tools.index.writer"):
        assert _positive(s["index_build_s"]) and _positive(s["index_bytes"])
    else:
        assert s["index_build_s"] == run.MISSING
    if _has("kb_tools.search.engine") and _has("kb_tools.index.writer"):
        for part in ("all", "no_filter", "condition_filter"):
            assert _positive(s["search"][part]["p50_ms"]) and _positive(s["search"][part]["p95_ms"])
        assert s["search"]["all"]["n"] == 200
    else:
        assert isinstance(s["search"], str) and s["search"].startswith("n/a")

    for key in ("serve_1_worker", "serve_2_workers"):
        v = s[key]
        if not _has("kb_tools.serve"):
            assert v == run.MISSING
        elif isinstance(v, dict):
            assert v["requests"] > 0 and _positive(v["rps"]) and _positive(v["p95_ms"]), (key, v)
        else:  # kb serve without --workers: only the second figure may be missing, and it says why
            assert key == "serve_2_workers" and v.startswith("n/a"), (key, v)
