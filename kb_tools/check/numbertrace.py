"""Every number traceable: claims' figures against their sources' findings records.

* ``missing-findings``: a source a published claim cites has no findings record, where a record matters:
  the source has a study design (not ``none``), or a claim citing it states a number;
* ``unsupported-number``: a claim states a number (see ``kb_tools.core.numbers``) that no findings record of
  the sources it cites reports (``Record.reported``: findings, outcomes, population, sample size and the
  other extraction fields, numbers). Bibliographic fields never count: a volume, issue or page range is
  not a result. Its own citations are blanked first, so a year in a citation is never a claim's number, and
  a cited source's own year of publication in the text ("a 2022 review") names the source, as a citation would.
  Where none of the cited sources has a record, no number is reported (``missing-findings`` covers it);
  claims citing no known source are left to the ``uncited-claim`` and ``unknown-source`` findings.
"""

from __future__ import annotations

from decimal import Decimal

from ..config.kbconfig import KbConfig
from ..core.codes import MISSING_FINDINGS, UNSUPPORTED_NUMBER, finding
from ..core.grading import NO_DESIGN
from ..core.model import Catalogue, Claim, Finding, Location, Source
from ..core.numbers import extract, mask, values
from ..load.records import Record, suggested_path
from ..store import loadcache as cache


def claim_numbers(claim: Claim) -> list[tuple[int, object]]:
    """The numbers a claim states, each with its line: its citations, code, links and URLs left out."""
    last = claim.line_end or claim.location.line
    return [(min(claim.location.line + down, last), n) for down, n in _numbers_in(claim)]


def lead_in_numbers(claim: Claim) -> list[tuple[int, object]]:
    """A list's lead-in is no claim of its own: its numbers are traced once, with its first item's sources."""
    return [(claim.location.line, n) for n in extract(mask(claim.lead_in), masked=True)]


def _numbers_in(claim: Claim) -> tuple:
    """``(lines below the claim's first, number)`` for each number in the claim's own words."""
    text = claim.text
    for g in claim.groups:  # blank rather than cut, so offsets and lines stay those of the page
        text = text[: g.start] + "".join(c if c == "\n" else " " for c in text[g.start : g.end]) + text[g.end :]
    text = mask(text)
    return tuple((text.count("\n", 0, n.start), n) for n in extract(text, masked=True))


class NumberCache:
    """Each claim's numbers by a hash of its text, kept in ``cache_dir`` like the parsed pages: a check
    reads every claim on every run, and most are unchanged."""

    def __init__(self, config: KbConfig) -> None:
        self.path, self.key = config.cache_path / "numbers.pickle", cache.fingerprint(config)
        stored = cache.read_pickle(self.path)
        ok = isinstance(stored, tuple) and len(stored) == 2 and stored[0] == self.key and isinstance(stored[1], dict)
        self.old, self.new = (stored[1] if ok else {}), {}

    def __call__(self, claim: Claim) -> list[tuple[int, object]]:
        k = cache.text_key("", claim.text)[1]
        got = self.old.get(k)
        if got is None:
            got = _numbers_in(claim)
        self.new[k] = got
        last = claim.line_end or claim.location.line
        return [(min(claim.location.line + down, last), n) for down, n in got]

    def save(self) -> None:
        if self.new.keys() != self.old.keys():
            cache.write_pickle(self.path, (self.key, self.new))


class Reported:
    """The numbers each source's findings record reports, computed once (never its .bib fields)."""

    def __init__(self, sources: dict[str, Source], records: dict[str, Record]) -> None:
        self.sources, self.records = sources, records
        self._got: dict[str, set] = {}

    def __call__(self, key: str) -> set:
        got = self._got.get(key)
        if got is None:
            got = set()
            record = self.records.get(key)
            for text in record.reported() if record else ():
                got |= values(text)
            self._got[key] = got
        return got

    def where(self, key: str) -> str:
        record = self.records.get(key)
        return f"{key} in {record.location.path}" if record else f"{key} (no findings record)"


def record_findings(config: KbConfig, cat: Catalogue) -> list[Finding]:
    """``missing-findings`` and ``unsupported-number`` for every claim that cites a known source."""
    sources = cat.source_map()
    records = {r.key: r for r in cat.records}
    reported = Reported(sources, records)
    numbers = NumberCache(config)
    out: list[Finding] = []
    cited_at: dict[str, Location] = {}
    with_numbers: dict[str, Location] = {}  # sources cited by a published claim that states a number
    lead_ins: set[tuple[str, str]] = set()
    for page in cat.pages:
        for claim in page.claims:
            known = [k for k in claim.keys if k in sources]
            if not known:
                continue
            first_item = bool(claim.lead_in) and (page.path, claim.lead_in) not in lead_ins
            if first_item:
                lead_ins.add((page.path, claim.lead_in))
            # a claim's numbers matter when a source it cites has a record, or when one without a record has
            # not yet been seen cited with a number (missing-findings names that claim); else skip reading them
            stated = []
            if any(k in records or (not page.draft and k not in with_numbers) for k in known):
                stated = numbers(claim) + (lead_in_numbers(claim) if first_item else [])
            if not page.draft:
                for k in known:
                    cited_at.setdefault(k, claim.location)
                    if stated:
                        with_numbers.setdefault(k, claim.location)
            if any(k in records for k in known):
                years = {Decimal(s.year) for k in known if (s := sources[k]).year.isdigit()}
                out += _unsupported(claim, [k for k in known if k in records], reported, stated, years)
    for key, at in cited_at.items():
        if key not in records and (key in with_numbers or sources[key].design not in ("", NO_DESIGN)):
            out.append(_missing(config, sources[key], at, with_numbers.get(key)))
    numbers.save()
    return out


def _missing(config: KbConfig, source: Source, at: Location, numbered: Location | None) -> Finding:
    why = (
        f"a claim citing it states a number (at {numbered})"
        if numbered
        else f"it reports a study ({source.design}), first cited at {at}"
    )
    return finding(
        MISSING_FINDINGS,
        source.location,
        f"source '{source.key}' has no findings record, and {why}; extract what it reports (design, population, "
        f"outcomes, findings) into {suggested_path(config.records, source.key)}",
        source=source.key,
    )


def _names_year(n, years: set) -> bool:
    """ "A 2022 review": a cited source's year of publication, written as a year, names the source (like the
    year in a citation); it is not a result. Any other field of the entry never traces a number."""
    return not n.percent and n.value in years and n.text.isdigit() and len(n.text) == 4


def _unsupported(claim: Claim, known: list[str], reported: Reported, numbers, years=frozenset()) -> list[Finding]:
    out, seen = [], set()
    for line, n in numbers:
        if n.key in seen or any(n.key in reported(k) for k in known) or _names_year(n, years):
            continue
        seen.add(n.key)
        checked = "; ".join(reported.where(k) for k in known)
        out.append(
            finding(
                UNSUPPORTED_NUMBER,
                Location(claim.location.path, line),
                f"the claim states '{n}', which no findings record of its sources reports (sources checked: "
                f"{checked}); correct the number, or add it to the record (a finding, an outcome or numbers) "
                "if the source reports it",
                claim=claim.id,
                source=known[0],
            )
        )
    return out
