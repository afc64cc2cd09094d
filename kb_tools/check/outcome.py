"""What ``kb check`` prints and exits with, small enough to keep: the findings and the summary's counts.

A ``Report`` holds the whole ``Catalogue`` (M: 100,000 records); an ``Outcome`` holds only what the text,
JSON and GitHub formats (``check.report``) and the exit status read. ``kb check`` keeps the last one in
``cache_dir`` (``check.pickle``, sealed like every kb cache) under the key of every input it read
(``load.inputs``), so a check of an unchanged KB loads neither the catalogue nor the checking code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..config.kbconfig import KbConfig
from ..core.model import Finding
from ..load import inputs
from ..store.loadcache import read_pickle, write_pickle
from .tally import Tally

if TYPE_CHECKING:
    from .policy import Report

CACHE_FILE = "check.pickle"


@dataclass(frozen=True)
class Outcome(Tally):
    """A check's findings, in file order, and the counts of its summary line (``summary``)."""

    findings: tuple[Finding, ...]
    draft_findings: tuple[Finding, ...]
    counts: tuple[tuple[str, int], ...]  # the catalogue's counts: pages, claims, cited claims, sources, ...

    @property
    def summary(self) -> dict[str, int]:
        """The JSON format's ``summary``, in its order."""
        counts = dict(self.counts)
        return {
            "pages": counts["pages"],
            "claims": counts["claims"],
            "cited_claims": counts["cited_claims"],
            "sources": counts["sources"],
            "errors": self.errors,
            "warnings": self.warnings,
            "not_claims": counts["not_claims"],
            "draft_pages": counts["draft_pages"],
            # findings on draft pages, counted apart: they never fail the check
            "draft_errors": sum(f.severity == "error" for f in self.draft_findings),
            "draft_warnings": sum(f.severity != "error" for f in self.draft_findings),
        }


def outcome(report: Report | Outcome) -> Outcome:
    """The outcome of a check (an ``Outcome`` is its own)."""
    if isinstance(report, Outcome):
        return report
    pages = report.catalogue.pages
    published = [p for p in pages if not p.draft]
    claims = [c for p in published for c in p.claims]
    counts = {
        "pages": len(published),
        "claims": len(claims),
        "cited_claims": sum(c.cited for c in claims),
        "sources": len(report.catalogue.sources),
        "not_claims": sum(p.not_claims for p in published),
        "draft_pages": len(pages) - len(published),
    }
    return Outcome(report.findings, report.draft_findings, tuple(counts.items()))


def check_outcome(
    config: KbConfig, check_kb: Callable[[KbConfig, dt.date], Report], today: dt.date | None = None
) -> Outcome:
    """The outcome of ``check_kb(config, today)`` (the pipeline's stages 1 and 2), kept from the last check
    while every input is unchanged (``load.inputs``).

    A new outcome is kept only if no input changed while the check ran (the inputs' snapshots before and
    after are equal): else it might describe files that no longer hold what the key says.
    """
    today = today or dt.date.today()  # one date for the key and the check, even across midnight
    before = inputs.snapshot(config, today)
    kept = _cached(config, before.key)
    if kept is not None:
        return kept
    result = outcome(check_kb(config, today))
    if before.stable(inputs.snapshot(config, today)):
        _keep(config, before.key, result)
    return result


def _cached(config: KbConfig, key: str) -> Outcome | None:
    stored: Any = read_pickle(config.cache_path / CACHE_FILE)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key and isinstance(stored[1], Outcome):
        return stored[1]
    return None


def _keep(config: KbConfig, key: str, result: Outcome) -> None:
    # sealed and replaced in one step (store.loadcache): a run stopped half-way leaves the old entry or none
    write_pickle(config.cache_path / CACHE_FILE, (key, result))
