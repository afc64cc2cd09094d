"""The regression guard's comparison on made-up figures (it times nothing here)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import guard

RECORDED = {
    "M": {
        "check_cold_s": 4.0,
        "check_warm_s": 0.5,
        "kb_build_s": 40.0,
        "kb_build_warm_s": 5.0,
        "kb_rebuild_after_edit_s": 3.0,
        "kb_build_peak_tree_pss_mib": 600.0,
        "search_p95_ms": 5.0,
        "mkdocs_plain_build_s": 15.0,
    }
}


def _flagged(rows):
    return {r.label for r in rows if r.flagged}


def test_a_figure_15_percent_slower_is_flagged_and_5_percent_is_not():
    now = {"M": dict(RECORDED["M"], kb_build_s=46.0, check_warm_s=0.525)}
    rows = guard.compare(RECORDED, now)
    assert _flagged(rows) == {"kb build, cold (s)"}
    cold = next(r for r in rows if r.label == "kb build, cold (s)")
    assert round(cold.ratio, 2) == 1.15
    assert "SLOWER" in guard.report(rows).splitlines()[3]


def test_faster_figures_and_a_slower_machine_are_not_flagged():
    now = {"M": {k: v * 0.5 for k, v in RECORDED["M"].items()}}
    now["M"]["mkdocs_plain_build_s"] = 30.0  # the machine itself slower: shown, never flagged
    assert not _flagged(guard.compare(RECORDED, now))


def test_a_figure_that_failed_is_flagged_and_one_without_record_is_not():
    now = {"M": dict(RECORDED["M"], kb_build_warm_s="failed (exit 1): boom"), "S": {"kb_build_s": 3.0}}
    rows = guard.compare(RECORDED, now)
    assert _flagged(rows) == {"kb build, nothing changed (s)"}
    assert all(r.ratio is None for r in rows if r.size == "S")


def test_recorded_figures_are_kept_per_machine(tmp_path: Path):
    path = tmp_path / "figures.json"
    guard.record(path, "machine A", RECORDED)
    guard.record(path, "machine B", {"S": {"kb_build_s": 1.0}})
    data = json.loads(path.read_text())
    assert data["machine A"]["sizes"] == RECORDED and data["machine B"]["sizes"]["S"]["kb_build_s"] == 1.0
    assert "cores" in guard.machine_key()
