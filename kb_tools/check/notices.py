"""Retraction and correction notices on the KB's sources: their state, the editors' acknowledgement, the findings.

A source's notices come from the Retraction Watch data (``kb_tools.load.retractions``), matched by DOI or
PMID (BibTeX field ``pmid``). Its *state* is the most serious of them:

* ``retracted``: it has a retraction, and no reinstatement dated after every retraction (an undated
  retraction or reinstatement cannot be ordered, so the paper counts as retracted);
* ``reinstated``: retracted, then reinstated later; still a notice readers should see;
* ``concern``: an expression of concern; ``corrected``: a correction.

Each published claim that cites a retracted source gets a ``retracted-source`` finding; one that cites a
source in another state gets ``source-notice``. An editor who has read the notice and keeps the citation
acknowledges it on the BibTeX entry::

    notice_acknowledged = {2026-11-20: the correction changes table 2 only; the claim cites table 1}

The acknowledgement covers every notice dated on or before its date (and undated ones): those no longer
make findings, but the site still shows them. A notice dated after it makes its finding again. A malformed
or future-dated acknowledgement is a ``bib-syntax`` finding and acknowledges nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..config.kbconfig import KbConfig
from ..core.codes import BIB_SYNTAX, RETRACTED_SOURCE, SOURCE_NOTICE, finding
from ..core.model import Catalogue, Claim, Finding, Location, Source
from ..load import retractions
from ..load.retractions import CONCERN, CORRECTION, REINSTATEMENT, RETRACTION, Notice

ACK_FIELD = "notice_acknowledged"
_ACK = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*:\s*(\S.*?)\s*$", re.S)
TITLES = {
    "retracted": "Retracted",
    "reinstated": "Retracted, then reinstated",
    "concern": "Expression of concern",
    "corrected": "Correction",
}
EXPLANATIONS = {
    "retracted": "The paper was retracted: its results should not be relied on.",
    "reinstated": "The paper was retracted and later reinstated: read the notices before relying on it.",
    "concern": "The publisher has raised concerns about the paper's reliability.",
    "corrected": "The publisher has published a correction to the paper.",
}
ADMONITIONS = {"retracted": "danger", "reinstated": "warning", "concern": "warning", "corrected": "note"}


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """An editor's note on a BibTeX entry that they read its notices up to ``date``."""

    date: dt.date
    reason: str


@dataclass(frozen=True, slots=True)
class SourceNotices:
    """A source's notices, oldest first, its state, and the editors' acknowledgement if any."""

    key: str
    notices: tuple[Notice, ...]
    state: str  # "retracted", "reinstated", "concern" or "corrected"
    acknowledged: Acknowledgement | None = None

    @property
    def retracted(self) -> bool:
        return self.state == "retracted"

    @property
    def title(self) -> str:
        return TITLES[self.state]

    @property
    def explanation(self) -> str:
        return EXPLANATIONS[self.state]

    @property
    def admonition(self) -> str:
        return ADMONITIONS[self.state]

    def covered(self, notice: Notice) -> bool:
        """True when the acknowledgement covers this notice (it is not dated after it)."""
        ack = self.acknowledged
        return ack is not None and (notice.date is None or notice.date <= ack.date)

    @property
    def open(self) -> tuple[Notice, ...]:
        """The notices no acknowledgement covers."""
        return tuple(n for n in self.notices if not self.covered(n))


def state(notices: tuple[Notice, ...]) -> str:
    """The most serious state these notices (one paper's, at least one) put it in."""
    natures = {n.nature for n in notices}
    if RETRACTION in natures:
        retracted = [n.date for n in notices if n.nature == RETRACTION]
        reinstated = [n.date for n in notices if n.nature == REINSTATEMENT]
        if None in retracted or not any(d is not None and d > max(retracted) for d in reinstated):
            return "retracted"  # a tie or an undated notice cannot prove a reinstatement
        return "reinstated"
    if CONCERN in natures:
        return "concern"
    if CORRECTION in natures:
        return "corrected"
    return "reinstated"  # a reinstatement without a retraction in the data: shown, never hidden


def acknowledgement(source: Source, today: dt.date) -> tuple[Acknowledgement | None, Finding | None]:
    """The entry's ``notice_acknowledged`` field, or a ``bib-syntax`` finding when it is malformed."""
    raw = source.field(ACK_FIELD)
    if not raw:
        return None, None
    m = _ACK.match(raw)
    problem = ""
    if m is None:
        problem = "is not 'YYYY-MM-DD: reason'"
    else:
        try:
            when = dt.date.fromisoformat(m.group(1))
        except ValueError:
            when, problem = None, f"has no valid date ('{m.group(1)}')"
        else:
            if when > today:
                problem = f"is dated {when.isoformat()}, in the future"
    if problem:
        return None, finding(
            BIB_SYNTAX,
            source.location,
            f"source '{source.key}': {ACK_FIELD} {problem}; write the date you read the notice and why the "
            f"citation stays, e.g. {ACK_FIELD} = {{{today.isoformat()}: the correction does not touch the "
            "cited result}",
            source=source.key,
        )
    return Acknowledgement(when, " ".join(m.group(2).split())), None


def source_notices(
    config: KbConfig, catalogue: Catalogue, today: dt.date
) -> tuple[dict[str, SourceNotices], list[Finding]]:
    """Each source's notices (by key, only sources that have some) and every finding about them."""
    findings: list[Finding] = []
    acks: dict[str, Acknowledgement] = {}
    for s in catalogue.sources:
        ack, bad = acknowledgement(s, today)
        if bad is not None:
            findings.append(bad)
        elif ack is not None:
            acks[s.key] = ack
    if not config.retractions:
        return {}, findings
    data = retractions.load(config, (s.doi for s in catalogue.sources), (s.field("pmid") for s in catalogue.sources))
    findings += data.findings
    out: dict[str, SourceNotices] = {}
    for s in catalogue.sources:
        found = data.notices(s.doi, s.field("pmid"))
        if found:
            out[s.key] = SourceNotices(s.key, found, state(found), acks.get(s.key))
    if out:
        findings += claim_findings(catalogue, out)
    return out, findings


def claim_findings(catalogue: Catalogue, notices: Mapping[str, SourceNotices]) -> list[Finding]:
    """A finding per claim and cited source with a notice no acknowledgement covers."""
    where = {s.key: s.location for s in catalogue.sources}
    out = []
    for claim in catalogue.claims:
        for key in claim.keys:
            sn = notices.get(key)
            if sn is None or not sn.open:
                continue
            if sn.retracted and any(n.nature == RETRACTION for n in sn.open):
                code, todo = RETRACTED_SOURCE, "remove or replace the citation; if the claim still stands,"
            else:
                code, todo = SOURCE_NOTICE, "re-read the claim against the notices, then"
            out.append(
                finding(
                    code,
                    Location(claim.location.path, claim.location.line),
                    f"claim '{_excerpt(claim)}' cites '{key}', which {describe(sn)}; {todo} acknowledge it "
                    f"on the entry at {where[key]} with {ACK_FIELD} = {{YYYY-MM-DD: reason}}",
                    claim.id,
                    key,
                )
            )
    return out


def describe(sn: SourceNotices) -> str:
    """What happened to the paper, in words: 'was retracted on 2026-03-09 (notice https://doi.org/…)'."""
    parts = []
    for n in sn.notices:
        verb = {
            RETRACTION: "was retracted",
            REINSTATEMENT: "was reinstated",
            CONCERN: "got an expression of concern",
            CORRECTION: "was corrected",
        }[n.nature]
        when = f" on {n.date.isoformat()}" if n.date else ""
        ref = f"notice https://doi.org/{n.doi}" if n.doi else f"Retraction Watch record {n.record}"
        parts.append(f"{verb}{when} ({ref})")
    return ", then ".join(parts)


def _excerpt(claim: Claim, n: int = 60) -> str:
    flat = " ".join(claim.text.split())
    return flat if len(flat) <= n else flat[: n - 1].rstrip() + "…"


def mark_html(sn: SourceNotices | None) -> Markup:
    """The label shown next to a citation of a retracted source ("" for any other): words, not colour alone."""
    if sn is None or not sn.retracted:
        return Markup("")
    dates = [n.date for n in sn.notices if n.nature == RETRACTION and n.date]
    when = f" on {max(dates).isoformat()}" if dates else ""
    return Markup(
        f' <span class="kb-notice-mark kb-retracted" title="{escape(f"This source was retracted{when}")}">'
        "Retracted</span>"
    )
