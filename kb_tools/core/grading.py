"""Grading evidence: a source's study design, apart from whether it is an authority's statement.

A study design (meta-analysis, RCT, case series …) says how a source's evidence was gathered. A
regulator's label, a guideline or a consensus statement is not a design: it is an authority's reading of
the evidence. Ranking the two on one ladder misleads either way (a four-patient case series outranked an
FDA warning, or a guideline hid the design of the studies behind a claim), so they are kept apart: a claim
shows the best design among its acceptable sources and, separately, every kind of authority it rests on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .model import tuple_state

# What a synthesis (meta-analysis or systematic review) pooled: its record or .bib entry says ``pooled:``.
SYNTHESES = ("meta-analysis", "systematic-review")
POOLED = ("randomised", "mixed", "observational")
_POOLED_SPELLINGS = {"randomized": "randomised", "non-randomised": "observational", "non-randomized": "observational"}

# Strongest first; ``designs:`` in the plugin options can reorder them and add designs of a KB's own.
# A synthesis ranks by what it pooled (GRADE starts randomised evidence high and observational evidence
# low, whatever the synthesis on top): of randomised trials above a single trial; of observational (or
# mixed) studies below it; one that does not say what it pooled (``missing-pooled``) no higher than the
# weakest synthesis it could be. See docs/editorial-policy.md.
DESIGNS = (
    "meta-analysis-randomised",
    "systematic-review-randomised",
    "rct",
    "meta-analysis-mixed",
    "systematic-review-mixed",
    "meta-analysis-observational",
    "systematic-review-observational",
    "meta-analysis",
    "systematic-review",
    "cohort",
    "case-control",
    "case-series",
    "narrative-review",
    "expert-opinion",
)
NO_DESIGN = "none"  # said explicitly: the source reports no study (a label, a service's web page, news)
AUTHORITIES = ("regulatory", "guideline", "consensus")
DESIGN_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")  # an id ``designs:`` may add

DESIGN_LABELS = {
    "meta-analysis-randomised": "Meta-analysis of randomised trials",
    "systematic-review-randomised": "Systematic review of randomised trials",
    "meta-analysis-mixed": "Meta-analysis of randomised and observational studies",
    "systematic-review-mixed": "Systematic review of randomised and observational studies",
    "meta-analysis-observational": "Meta-analysis of observational studies",
    "systematic-review-observational": "Systematic review of observational studies",
    "meta-analysis": "Meta-analysis (what it pooled not stated)",
    "systematic-review": "Systematic review (what it reviewed not stated)",
    "rct": "Randomised controlled trial",
    "cohort": "Cohort study",
    "case-control": "Case-control study",
    "case-series": "Case series",
    "narrative-review": "Narrative review",
    "expert-opinion": "Expert opinion",
    # designs a KB may add with ``designs:``, named as a reader expects
    "cross-sectional": "Cross-sectional study",
    "qualitative": "Qualitative study",
    "diagnostic-accuracy": "Diagnostic accuracy study",
    "modelling": "Modelling study",
    "non-randomised-trial": "Non-randomised trial",
    "case-report": "Case report",
    NO_DESIGN: "No study design",
}


def design_label(design: str) -> str:
    """A design as readers see it; a design a KB added reads as its id ("before-after" is "Before after")."""
    return DESIGN_LABELS.get(design) or design.replace("-", " ").capitalize()


def pooled_value(value: str) -> str:
    """``randomised``, ``observational`` or ``mixed`` from what an editor wrote ("" when it is none of them)."""
    word = re.sub(r"[\s_]+", "-", value.strip().lower())
    word = _POOLED_SPELLINGS.get(word, word)
    return word if word in POOLED else ""


def with_pooled(design: str, pooled: str) -> str:
    """A synthesis's design id with what it pooled: ("meta-analysis", "observational") is
    "meta-analysis-observational"; any other design, or no ``pooled``, is returned as given."""
    return f"{design}-{pooled}" if design in SYNTHESES and pooled in POOLED else design


def base_design(design: str) -> str:
    """The design without what a synthesis pooled: "meta-analysis-mixed" is "meta-analysis"."""
    for synthesis in SYNTHESES:
        if design.startswith(synthesis + "-") and design[len(synthesis) + 1 :] in POOLED:
            return synthesis
    return design


AUTHORITY_LABELS = {
    "regulatory": "Regulatory statement",
    "guideline": "Guideline",
    "consensus": "Consensus statement",
}
# One label per source type everywhere a reader sees one: the Sources table, source pages, findings
# records, the report and the search filters.
SOURCETYPE_LABELS = {
    "journal": "Journal article",
    "government": "Government",
    "university": "University",
    "professional": "Professional body",
    "journalism": "Journalism",
    "commercial": "Commercial",
    "other": "Other",
}


def sourcetype_label(sourcetype: str) -> str:
    """A source type as readers see it ("Professional body"); "Unclassified" when the source gives none."""
    return SOURCETYPE_LABELS.get(sourcetype, sourcetype) if sourcetype else "Unclassified"


# The deprecated single ``evidence`` ladder, strongest first, and how each of its levels maps onto a
# (design, authorities) pair. Kept so existing .bib files and the ``evidence`` field of claims.json and
# /api/search keep working for one release.
EVIDENCE_LEVELS = (
    "meta-analysis",
    "systematic-review",
    "rct",
    "cohort",
    "case-control",
    "case-series",
    "guideline",
    "regulatory",
    "narrative-review",
    "expert-opinion",
    "news",
)
_FROM_EVIDENCE = {
    "guideline": (NO_DESIGN, ("guideline",)),
    "regulatory": (NO_DESIGN, ("regulatory",)),
    "news": (NO_DESIGN, ()),
}


def from_evidence(level: str) -> tuple[str, tuple[str, ...]]:
    """The (design, authorities) an old ``evidence`` level stands for; ("", ()) when none is given."""
    if not level:
        return "", ()
    return _FROM_EVIDENCE.get(level, (level, ()))


def legacy_level(design: str, authorities: Iterable[str]) -> str:
    """The old single-ladder level of a (design, authorities) pair, for the deprecated ``evidence`` field."""
    design = base_design(design)  # the old ladder knew syntheses only as such
    candidates = [design] if design in EVIDENCE_LEVELS else []
    candidates += [a for a in authorities if a in EVIDENCE_LEVELS]
    if "consensus" in authorities:
        candidates.append("guideline")
    return min(candidates, key=EVIDENCE_LEVELS.index) if candidates else ""


@tuple_state
@dataclass(frozen=True, slots=True)
class Grade:
    """What a claim's acceptable sources show about its evidence."""

    design: str = ""  # the best study design among them; "" when none reports a study
    authorities: tuple[str, ...] = ()  # kinds of authority statement among them, in AUTHORITIES order
    evidence: str = ""  # deprecated: the old single-ladder level

    @property
    def graded(self) -> bool:
        return bool(self.design or self.authorities)


def design_rank(order: tuple[str, ...], design: str) -> int:
    """Lower is stronger; "none", unknown and missing designs rank after every listed design."""
    return order.index(design) if design in order else len(order)


def strongest_design(order: tuple[str, ...], designs: Iterable[str]) -> str:
    ranked = [d for d in designs if d in order]
    return min(ranked, key=order.index) if ranked else ""


def grade(order: tuple[str, ...], accept: tuple[str, ...], keys: Iterable[str], sources: dict) -> Grade:
    """A claim's grade from the sources it cites; sources the policy does not accept count for nothing."""
    usable = [sources[k] for k in keys if k in sources and sources[k].sourcetype in accept]
    design = strongest_design(order, (s.design for s in usable))
    kinds = {a for s in usable for a in s.authority}
    authorities = tuple(a for a in AUTHORITIES if a in kinds)
    legacy = [lv for s in usable if (lv := s.evidence or legacy_level(s.design, s.authority))]
    evidence = min(legacy, key=EVIDENCE_LEVELS.index) if legacy else ""
    return Grade(design, authorities, evidence)
