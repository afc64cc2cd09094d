"""Claims against what their sources report: ``unknown-finding``, ``unsupported-claim``, and each claim's
support (the findings the site shows beside it).

* ``unknown-finding``: a citation names a finding (``[@key, finding: id]``) that the source's record
  does not hold, or the source has no record;
* ``unsupported-claim``: a published claim shares no substantive content (``kb_tools.check.matching``) with
  what the records of the sources it cites report. A claim that names findings is compared with those
  findings only. A claim citing a known source without a record, or with a record that only classifies
  it (design, authority, notes), is not judged: ``missing-findings`` asks for records, once per source.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..config.kbconfig import KbConfig
from ..core.codes import UNKNOWN_FINDING, UNSUPPORTED_CLAIM, finding
from ..core.model import Catalogue, Claim, Finding
from ..load.layterms import read_lay_terms
from ..load.records import REPORTED_FIELDS, Record
from .commonwords import common_words
from .matching import Support, Vocabulary, distinct, keys, shared, supports

SHOWN = 2  # the most findings shown beside one claim


@dataclass(frozen=True)
class Candidate:
    """One thing a record reports, as the site would show it, and its units' keys."""

    support: Support
    keys: frozenset[str]
    naming: frozenset[str] = frozenset()  # the words that name the source: they count on neither side
    record: frozenset[str] = frozenset()  # every key of its record: where a claim's numbers are looked for


def lay_terms(config: KbConfig) -> dict:
    """The KB's ``lay_terms.yml`` terms, read within kb's bounds (``kb_tools.load.layterms``); an unreadable
    file counts as none (``bad-lay-terms`` reports it)."""
    _, terms, problems = read_lay_terms(config.root)
    return {} if problems else terms


def candidates(record: Record, vocab: Vocabulary, name: str = "") -> list[Candidate]:
    """Each finding, outcome and extraction field of a record, one candidate each; the words of the
    source's ``name`` (authors, publisher, journal) never count: "the NHS clinic says" names, not states."""
    out = [
        Support(record.key, f.id, f.statement, f.locator, f.quote) for f in record.findings
    ]  # findings first: they are what an editor extracted to be cited
    for o in record.outcomes:
        value = f"{o.outcome}: {o.value}" if o.value else o.outcome
        out.append(Support(record.key, "", value + (f" ({o.timepoint})" if o.timepoint else "")))
    for name in REPORTED_FIELDS:
        if getattr(record, name) and name != "setting":  # the setting says what the source is, not what it found
            out.append(Support(record.key, "", f"{name.replace('_', ' ').capitalize()}: {getattr(record, name)}"))
    if record.numbers:
        out.append(Support(record.key, "", "Numbers: " + ", ".join(record.numbers)))
    naming = {k for u in vocab.units(name) for k in u if len(u) == 1 and not k.startswith("#")}
    naming = frozenset(naming)
    made = [(s, frozenset(keys(vocab.units(f"{s.statement} {s.quote}")) - naming)) for s in out]
    whole = frozenset(k for _, ks in made for k in ks)
    return [Candidate(s, ks, naming, whole) for s, ks in made]


class SupportCheck:
    """Judges every claim of a catalogue; ``support`` holds each supported published claim's findings."""

    def __init__(self, config: KbConfig, cat: Catalogue) -> None:
        self.sources = cat.source_map()
        self.records: dict[str, Record] = {r.key: r for r in cat.records}
        terms = lay_terms(config)
        self.config, self.vocab = config, Vocabulary(config.conditions, terms)
        self._vocab_key = repr(sorted(terms.items()))
        self._cands: dict[str, list[Candidate]] = {}
        self._published = [p for p in cat.pages if not p.draft]
        self._common: frozenset[str] | None = None
        self.support: dict[str, tuple[Support, ...]] = {}

    @property
    def common(self) -> frozenset[str]:
        """The KB's common words, counted once the first claim is judged: a KB whose sources have no
        findings records judges none, and pays nothing for the check."""
        if self._common is None:
            self._common = common_words(self.config, self.vocab, self._vocab_key, self._published)
        return self._common

    def cands(self, key: str) -> list[Candidate]:
        if key not in self._cands:
            src = self.sources[key]
            name = " ".join([src.container, src.publisher, *(str(a) for a in src.authors)])
            self._cands[key] = candidates(self.records[key], self.vocab, name)
        return self._cands[key]

    def findings(self, claim: Claim, draft: bool) -> list[Finding]:
        named, out = self._named(claim)
        known = [k for k in claim.keys if k in self.sources]
        if draft or not known or out:
            return out
        if named:
            pool = named
        elif all(k in self.records and self.records[k].reported() for k in known):
            pool = [c for k in known for c in self.cands(k)]
        else:  # a cited source without a record, or whose record only classifies it (design, authority, notes):
            return out  # nothing was extracted to judge by; missing-findings asks for records, once per source
        # a cited source's year ("a 2022 review") names the source, as in tracing: it is no figure to back
        years = frozenset(f"#{int(y)}" for k in known if (y := self.sources[k].year).isdigit())
        units = distinct(self.vocab.units(claim.plain), self.common | years)
        if claim.lead_in and len(units) < 2:  # an item too short to judge alone ("psychosis;") reads with its lead-in
            units = distinct(self.vocab.units(claim.shown), self.common | years)
        own = {c.naming: [u for u in units if not u <= c.naming] for c in pool}  # the claim's words, not the name's
        scored = sorted(
            ((shared(own[c.naming], c.keys), n, c) for n, c in enumerate(pool)), key=lambda t: (-t[0], t[1])
        )
        backing = [c.support for _, _, c in scored if supports(own[c.naming], c.keys, c.record)]
        if named or backing:
            self.support[claim.id] = tuple(c.support for c in named) if named else tuple(backing[:SHOWN])
        if not backing:  # an empty pool: the records report nothing yet (no findings, outcomes, population)
            out.append(_unsupported(claim, known, scored[0][2].support if scored else None, bool(named)))
        return out

    def _named(self, claim: Claim) -> tuple[list[Candidate], list[Finding]]:
        """The findings the claim's citations name, and an ``unknown-finding`` for each that does not exist."""
        named, out = [], []
        for c in claim.citations:
            if not c.findings or c.key not in self.sources:
                continue  # an unknown key is unknown-source's
            record = self.records.get(c.key)
            for fid in c.findings:
                got = record.finding(fid) if record else None
                if got is not None:
                    named += [x for x in self.cands(c.key) if x.support.finding == fid]
                    continue
                out.append(_unknown(claim, c.key, fid, record))
        return named, out


def _unknown(claim: Claim, key: str, fid: str, record: Record | None) -> Finding:
    if record is None:
        msg = (
            f"the citation names finding '{fid}' of '{key}', which has no findings record; add the record with "
            f"that finding, or remove 'finding: {fid}'"
        )
    else:
        ids = [f.id for f in record.findings]
        close = difflib.get_close_matches(fid, ids, n=1, cutoff=0.5)
        hint = (
            f"did you mean '{close[0]}'?" if close else (f"its findings are {', '.join(ids)}" if ids else "it has none")
        )
        msg = (
            f"the citation names finding '{fid}', which {record.location.path} does not hold ({hint}); fix the id, "
            "or add the finding to the record"
        )
    return finding(UNKNOWN_FINDING, claim.location, msg, claim=claim.id, source=key)


def _unsupported(claim: Claim, known: list[str], closest: Support | None, named: bool) -> Finding:
    checked = ", ".join(known)
    if closest is None:
        near = "none: the records hold no findings, outcomes or population yet"
    else:
        what = f"finding '{closest.finding}'" if closest.finding else "record"
        near = f"{closest.source} {what}: '{_cut(closest.statement)}'"
    scope = "the finding its citation names" if named else f"what the records of {checked} report"
    return finding(
        UNSUPPORTED_CLAIM,
        claim.location,
        f"the claim '{_cut(claim.shown)}' shares nothing substantive with {scope} (sources checked: {checked}; "
        f"closest: {near}); add the finding to the record if the source says it, cite the source that does, "
        "or move the claim to the drafts",
        claim=claim.id,
        source=closest.source if closest else known[0],
    )


def _cut(text: str, n: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1].rstrip() + "…"
