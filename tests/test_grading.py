"""Grading: a claim's best study design among its accepted sources, and its authority statements apart."""

from __future__ import annotations

import pytest

from kb_tools.grading import DESIGNS, EVIDENCE_LEVELS, grade, legacy_level, strongest_design
from kb_tools.model import Location, Source

ACCEPT = ("journal", "government")


def src(key: str, design: str = "", authority: tuple[str, ...] = (), sourcetype: str = "journal", evidence: str = ""):
    return Source(key, "article", Location("r.bib", 1), sourcetype=sourcetype, design=design, authority=authority,
                  evidence=evidence)  # fmt: skip


SOURCES = {
    s.key: s
    for s in (
        src("meta", "meta-analysis"),
        src("series", "case-series"),
        src("fda", "none", ("regulatory",), "government"),
        src("nice", "none", ("guideline",), "government"),
        src("canmat", "systematic-review", ("guideline", "consensus")),
        src("ad", "rct", (), "commercial"),
        src("old", evidence="cohort"),
    )
}

# (cited keys, design, authorities, deprecated evidence)
CASES = [
    # an FDA warning and a case series: both shown, neither outranks the other
    (("fda", "series"), "case-series", ("regulatory",), "case-series"),
    (("fda",), "", ("regulatory",), "regulatory"),  # "" : no cited source reports a study
    (("nice", "fda"), "", ("regulatory", "guideline"), "guideline"),
    (("series", "meta"), "meta-analysis", (), "meta-analysis"),
    (("canmat",), "systematic-review", ("guideline", "consensus"), "systematic-review"),
    # a source the policy does not accept counts for nothing
    (("ad",), "", (), ""),
    (("ad", "series"), "case-series", (), "case-series"),
    (("missing",), "", (), ""),
    # a source graded only with the old field keeps its old level, and its design is what the loader mapped
    (("old",), "", (), "cohort"),
]


@pytest.mark.parametrize(("keys", "design", "authorities", "evidence"), CASES)
def test_claim_grade(keys, design, authorities, evidence):
    got = grade(DESIGNS, ACCEPT, keys, SOURCES)
    assert (got.design, got.authorities, got.evidence) == (design, authorities, evidence)


def test_design_order_is_configurable():
    reordered = ("case-series", *[d for d in DESIGNS if d != "case-series"])
    assert grade(reordered, ACCEPT, ("meta", "series"), SOURCES).design == "case-series"
    assert strongest_design(reordered, ["meta-analysis", "none", ""]) == "meta-analysis"
    assert strongest_design(DESIGNS, ["none", ""]) == ""


@pytest.mark.parametrize(
    ("design", "authorities", "level"),
    [("rct", (), "rct"), ("none", ("regulatory",), "regulatory"), ("none", ("consensus",), "guideline"), ("", (), "")],
)
def test_legacy_level(design, authorities, level):
    assert legacy_level(design, authorities) == level
    assert level == "" or level in EVIDENCE_LEVELS


def _config(designs):
    from pathlib import Path

    from kb_tools.config import config_from_options

    return config_from_options(Path("."), Path("mkdocs.yml"), {}, {"designs": designs})


def test_designs_option_reorders():
    order = ["rct", *[d for d in DESIGNS if d != "rct"]]
    assert _config(order).designs == tuple(order)


@pytest.mark.parametrize("bad", [["rct"], [*DESIGNS, "guideline"], "rct", [*DESIGNS[:-1], "rct"]])
def test_designs_option_must_list_every_design_once(bad):
    from kb_tools.errors import ConfigError

    with pytest.raises(ConfigError, match="designs: list every study design once"):
        _config(bad)
