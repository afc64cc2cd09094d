"""Records that flow between the stages: sources, citations, claims, pages, findings.

All records are frozen dataclasses so a stage can never change what an
earlier stage produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date


def tuple_state(cls):
    """Pickle a frozen, slotted dataclass as a plain tuple of its fields: the caches hold hundreds of thousands
    of these records, and dataclasses' own ``__setstate__`` looks up the fields again for every one."""
    names = tuple(f.name for f in fields(cls))
    set_ = object.__setattr__

    def __getstate__(self):
        return tuple([getattr(self, n) for n in names])

    def __setstate__(self, state):
        for n, value in zip(names, state, strict=True):
            set_(self, n, value)

    cls.__getstate__, cls.__setstate__ = __getstate__, __setstate__
    return cls


@tuple_state
@dataclass(frozen=True, order=True, slots=True)
class Location:
    """A place in an input file; ``path`` is relative to the KB folder, ``line`` is 1-based."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@tuple_state
@dataclass(frozen=True, slots=True)
class Person:
    """One author or editor, split into BibTeX name parts."""

    last: str
    first: str = ""
    von: str = ""
    jr: str = ""
    literal: bool = False  # a braced corporate name: never abbreviate or split it

    def __str__(self) -> str:
        if self.literal or not self.first:
            return " ".join(p for p in (self.von, self.last) if p)
        return " ".join(p for p in (self.first, self.von, self.last, self.jr) if p)


@tuple_state
@dataclass(frozen=True, slots=True)
class Source:
    """One BibTeX entry, after LaTeX decoding, macro and crossref resolution."""

    key: str
    entry_type: str
    location: Location
    authors: tuple[Person, ...] = ()
    title: str = ""
    year: str = ""
    date: str = ""  # as precise as the entry allows: YYYY, YYYY-MM or YYYY-MM-DD
    container: str = ""  # journal, booktitle, publisher or institution
    publisher: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    url: str = ""
    sourcetype: str = ""  # "" when unclassified
    evidence: str = ""  # deprecated single ladder; "" when not given
    design: str = ""  # a study design from kb_tools.core.grading.DESIGNS, "none", or "" when not given
    authority: tuple[str, ...] = ()  # kinds of authority statement: regulatory, guideline, consensus
    fields: tuple[tuple[str, str], ...] = ()  # every decoded field, lower-case names

    def field(self, name: str) -> str:
        return dict(self.fields).get(name.lower(), "")


@tuple_state
@dataclass(frozen=True, slots=True)
class Citation:
    """One cited key inside a citation group."""

    key: str
    prefix: str = ""
    suffix: str = ""  # the locator and anything after the key, e.g. ", p. 4" (without any "finding: ...")
    suppress_author: bool = False  # Pandoc's ``[-@key]``
    findings: tuple[str, ...] = ()  # the finding ids named by ``finding: a, b`` at the end of the suffix


@tuple_state
@dataclass(frozen=True, slots=True)
class CitationGroup:
    """A bracketed ``[@a; @b]`` group or one in-text ``@a`` / ``@a [p. 4]`` citation.

    ``start``/``end`` are offsets into the string that was scanned, so a renderer
    can replace ``text[start:end]`` with the formatted citation.
    """

    citations: tuple[Citation, ...]
    start: int
    end: int
    in_text: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.citations)


@tuple_state
@dataclass(frozen=True, slots=True)
class Claim:
    """A paragraph, list item or table row in a page body that states facts."""

    id: str
    page: str  # page path relative to docs_dir, e.g. "risks.md"
    location: Location
    text: str  # plain text, citations kept as written
    kind: str  # "paragraph", "item" or "row"
    section: str = ""  # the nearest heading above the claim
    citations: tuple[Citation, ...] = ()  # its own and those inherited from a lead-in
    conditions: tuple[str, ...] = ()
    line_end: int = 0  # last source line of the claim (1-based, inclusive)
    plain: str = ""  # ``text`` with its citations removed, as readers and the search index see it
    groups: tuple[CitationGroup, ...] = ()  # its own citation groups, with offsets into ``text``
    headers: tuple[str, ...] = ()  # a table row's column headings, for display only (never in the id)
    roles: tuple[str, ...] = ()  # the role of each of ``conditions``: "treated", "harm" or "exclusion"
    lead_in: str = ""  # a list item's lead-in(s), plain, shown before it out of place (never in the id)

    def role(self, condition: str) -> str:
        """The condition's role in this claim ("" when the claim is not about it)."""
        if condition not in self.conditions:
            return ""
        n = self.conditions.index(condition)
        return self.roles[n] if n < len(self.roles) else "treated"

    @property
    def condition_roles(self) -> tuple[tuple[str, str], ...]:
        """(condition, role) for each condition the claim is about."""
        return tuple((c, self.role(c)) for c in self.conditions)

    @property
    def shown(self) -> str:
        """The claim's plain words as read out of place: a list item with its lead-in."""
        return f"{self.lead_in} {self.plain}" if self.lead_in else self.plain

    @property
    def keys(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for c in self.citations:
            seen.setdefault(c.key)
        return tuple(seen)

    @property
    def cited(self) -> bool:
        return bool(self.citations)


@tuple_state
@dataclass(frozen=True, slots=True)
class Page:
    """A topic page: its front matter and the claims in its body."""

    path: str  # relative to docs_dir, with forward slashes
    location: Location  # relative to the KB folder
    title: str = ""
    description: str = ""
    conditions: tuple[str, ...] = ()
    reviewed: date | None = None
    draft: bool = False
    claims_enabled: bool = True  # front matter ``claims: false`` makes a page claim-free
    claims: tuple[Claim, ...] = ()
    not_claims: int = 0  # blocks marked as deliberately not claims
    reviewed_invalid: bool = False  # front matter gives a 'reviewed' that is not a date (a bad-page finding)
    reviewed_line: int = 0  # the line of 'reviewed:' in the front matter (0: not given)
    text_digest: str = ""  # of the text the page was parsed from: later stages build from that text only
    # (first line, last line) of each block of the page that is no claim (a lead-in, a block marked
    # not-a-claim, every block of a page without claims): with the claims, the page's blocks, so the
    # renderer's citation scan need not parse the page again
    other_blocks: tuple[tuple[int, int], ...] = ()


@tuple_state
@dataclass(frozen=True, slots=True)
class Finding:
    """One problem an editor must look at."""

    code: str
    severity: str  # "error" or "warning"
    location: Location
    message: str
    claim: str | None = None
    source: str | None = None

    def __str__(self) -> str:
        return f"{self.location}: {self.severity} {self.code}: {self.message}"


@dataclass(frozen=True, slots=True)
class Condition:
    """A condition readers search by, with the synonyms that name it."""

    id: str
    name: str
    synonyms: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # phrases that contain a synonym but do not name it ("heat stroke" for stroke)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Everything loaded from one KB: the input of check, render and index."""

    sources: tuple[Source, ...]
    pages: tuple[Page, ...]
    findings: tuple[Finding, ...] = field(default=())  # load-time findings
    bibtex: str = ""  # the entries that loaded, as BibTeX, for pandoc to format
    records: tuple = ()  # findings records (``kb_tools.load.records.Record``) of known sources

    def source_map(self) -> dict[str, Source]:
        return {s.key: s for s in self.sources}

    @property
    def claims(self) -> tuple[Claim, ...]:
        return tuple(c for p in self.pages for c in p.claims)
