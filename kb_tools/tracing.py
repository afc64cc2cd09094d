"""Every number traceable: claims' figures against their sources' findings records.

* ``missing-findings``: a source a published claim cites has no findings record;
* ``unsupported-number``: a claim states a number (see ``kb_tools.numbers``) that no findings record
  or bibliographic field of the sources it cites reports. Its own citations are blanked first, so a
  year in a citation is never a claim's number; claims citing no known source are left to the
  ``uncited-claim`` and ``unknown-source`` findings.
"""

from __future__ import annotations

from . import cache
from .codes import finding
from .config import KbConfig
from .model import Catalogue, Claim, Finding, Location, Source
from .numbers import extract, mask, values
from .records import Record, suggested_path

# identifiers and addresses: their digits are not figures a source reports
_NOT_FIGURES = frozenset({"doi", "url", "urldate", "isbn", "issn", "eprint", "pmid", "pmcid", "file", "sourcetype"})


def claim_numbers(claim: Claim) -> list[tuple[int, object]]:
    """The numbers a claim states, each with its line: its citations, code, links and URLs left out."""
    last = claim.line_end or claim.location.line
    return [(min(claim.location.line + down, last), n) for down, n in _numbers_in(claim)]


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
    """The numbers each source reports (its record's values and its bibliographic fields), computed once."""

    def __init__(self, sources: dict[str, Source], records: dict[str, Record]) -> None:
        self.sources, self.records = sources, records
        self._got: dict[str, set] = {}

    def __call__(self, key: str) -> set:
        got = self._got.get(key)
        if got is None:
            got = set()
            texts = [v for name, v in self.sources[key].fields if name not in _NOT_FIGURES]
            record = self.records.get(key)
            for text in texts + (record.texts() if record else []):
                got |= values(text)
            self._got[key] = got
        return got

    def where(self, key: str) -> str:
        record = self.records.get(key)
        bib = self.sources[key].location
        return f"{key} in {record.location.path} and {bib}" if record else f"{key} in {bib} (no findings record)"


def record_findings(config: KbConfig, cat: Catalogue) -> list[Finding]:
    """``missing-findings`` and ``unsupported-number`` for every claim that cites a known source."""
    sources = cat.source_map()
    records = {r.key: r for r in cat.records}
    reported = Reported(sources, records)
    numbers = NumberCache(config)
    out: list[Finding] = []
    cited_at: dict[str, Location] = {}
    for page in cat.pages:
        for claim in page.claims:
            known = [k for k in claim.keys if k in sources]
            if not known:
                continue
            if not page.draft:
                for k in known:
                    cited_at.setdefault(k, claim.location)
            out += _unsupported(claim, known, reported, numbers(claim))
    for key, at in cited_at.items():
        if key not in records:
            out.append(
                finding(
                    "missing-findings",
                    sources[key].location,
                    f"source '{key}' is cited (first at {at}) but has no findings record; extract its design, "
                    f"population, sample size and outcomes into {suggested_path(config.records, key)}",
                    source=key,
                )
            )
    numbers.save()
    return out


def _unsupported(claim: Claim, known: list[str], reported: Reported, numbers) -> list[Finding]:
    out, seen = [], set()
    for line, n in numbers:
        if n.key in seen or any(n.key in reported(k) for k in known):
            continue
        seen.add(n.key)
        checked = "; ".join(reported.where(k) for k in known)
        out.append(
            finding(
                "unsupported-number",
                Location(claim.location.path, line),
                f"the claim states '{n}', which no findings record or bibliographic field of its sources reports "
                f"(sources checked: {checked}); correct the number, or add it to the record's outcomes or numbers",
                claim=claim.id,
                source=known[0],
            )
        )
    return out
