"""Grading: a claim's best study design among its accepted sources, and its authority statements apart."""

from __future__ import annotations

import pytest

from kb_tools.core.grading import (
    DESIGNS,
    EVIDENCE_LEVELS,
    base_design,
    design_label,
    grade,
    legacy_level,
    pooled_value,
    strongest_design,
    with_pooled,
)
from kb_tools.core.model import Location, Source

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

    from kb_tools.config.kbconfig import config_from_options

    return config_from_options(Path("."), Path("mkdocs.yml"), {}, {"designs": designs})


def test_designs_option_reorders():
    order = ["rct", *[d for d in DESIGNS if d != "rct"]]
    assert _config(order).designs == tuple(order)


@pytest.mark.parametrize(
    "bad", [[], "rct", [*DESIGNS, "guideline"], [*DESIGNS[:-1], "rct"], ["none"], ["Cross sectional!"], [3]]
)
def test_designs_option_rejects_what_is_no_design_list(bad):
    from kb_tools.core.errors import ConfigError

    with pytest.raises(ConfigError, match="designs: "):
        _config(bad)


def _after(design: str, added: str) -> list[str]:
    n = DESIGNS.index(design) + 1
    return [*DESIGNS[:n], added, *DESIGNS[n:]]


# (designs: as written, the order kb uses): a default design left out goes right after the one it follows
ADDED = [
    (["cohort", "cross-sectional", "case-control"], _after("cohort", "cross-sectional")),
    (["expert-opinion", "modelling"], _after("expert-opinion", "modelling")),
    (list(DESIGNS), list(DESIGNS)),
    # the eight designs of the old ladder, as a KB wrote them before kb knew what a synthesis pooled: kept in
    # its order ("meta-analysis" now means one that does not say what it pooled, and missing-pooled says so)
    (
        ["meta-analysis", "systematic-review", "rct", "cohort", "case-control", "case-series",
         "narrative-review", "expert-opinion"],
        ["meta-analysis-randomised", "systematic-review-randomised", "meta-analysis", "systematic-review", "rct",
         "meta-analysis-mixed", "systematic-review-mixed", "meta-analysis-observational",
         "systematic-review-observational", "cohort", "case-control", "case-series", "narrative-review",
         "expert-opinion"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("given", "order"), ADDED)
def test_designs_option_adds_designs_and_keeps_left_out_ones(given, order):
    assert list(_config(given).designs) == order


def test_default_ladder_ranks_syntheses_by_what_they_pooled():
    rank = DESIGNS.index
    assert rank("meta-analysis-randomised") < rank("rct") < rank("meta-analysis-mixed")
    assert rank("meta-analysis-mixed") < rank("meta-analysis-observational") < rank("meta-analysis") < rank("cohort")
    assert design_label("meta-analysis-observational") == "Meta-analysis of observational studies"
    assert design_label("cross-sectional") == "Cross-sectional study"
    assert design_label("before-after") == "Before after"


@pytest.mark.parametrize(
    ("design", "pooled", "graded"),
    [
        ("meta-analysis", "observational", "meta-analysis-observational"),
        ("systematic-review", "Randomized", "systematic-review-randomised"),
        ("meta-analysis", "mixed", "meta-analysis-mixed"),
        ("meta-analysis", "", "meta-analysis"),
        ("meta-analysis", "some", "meta-analysis"),
        ("rct", "randomised", "rct"),
    ],
)
def test_with_pooled(design, pooled, graded):
    assert with_pooled(design, pooled_value(pooled)) == graded
    assert base_design(graded) == design
