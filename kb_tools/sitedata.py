"""What one site build knows: the check report, every page's citations, and their APA forms.

``prepare`` runs once per build: it loads and checks the KB (unless a report is
given), finds every citation group in every page, and formats all of them with
a single pandoc run. Renderers, generated pages, exports and the search index
all read the resulting ``SiteData``; nothing re-reads the KB.
"""

from __future__ import annotations

import contextlib
import gc
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from . import apa, citations, csl, storage
from .cache import fingerprint
from .check import Report, check, claim_grade
from .config import KbConfig
from .grading import Grade
from .memo import Memo, code_key, digest
from .model import CitationGroup, Claim, Page, Source
from .pages import Block, parse_page, read_text

_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")


@dataclass(frozen=True, slots=True)
class Segment:
    """A citation group at ``text[start:end]`` of a page's full text (front matter included)."""

    start: int
    end: int
    group: CitationGroup


@dataclass(frozen=True, slots=True)
class PageScan:
    """One page's text, its claim-shaped blocks and the citation groups inside them."""

    text: str
    blocks: tuple[Block, ...]
    segments: tuple[Segment, ...]
    line_starts: tuple[int, ...]  # offset of each line; line n (1-based) starts at line_starts[n - 1]

    def offset(self, line: int) -> int:
        """Offset of the start of a 1-based line (the end of the text past the last line)."""
        return self.line_starts[line - 1] if 0 < line <= len(self.line_starts) else len(self.text)

    def line_of(self, offset: int) -> int:
        return bisect_right(self.line_starts, offset)


def mask_code(text: str) -> str:
    """Blank out fenced code blocks, keeping every offset.

    A claim block's line range can enclose a fence (a list item with code between
    its paragraphs); ``citations.scan`` itself skips code spans, links and URLs.
    """
    out = list(text)
    pos, fence = 0, ""
    for line in text.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence or m:
            out[pos : pos + len(line)] = [c if c == "\n" else " " for c in line]
            if not fence:
                fence = m.group(1)
            elif m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = ""
        pos += len(line)
    return "".join(out)


def scan_page(text: str, page: Page | None = None) -> PageScan:
    """Find the citation groups inside the page's blocks, never inside code.

    When every block of ``page`` is a claim (claims on, nothing marked not-a-claim),
    its claims already are its blocks and the page is not parsed a second time.
    """
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())
    if starts[-1] == len(text) and len(starts) > 1:
        starts.pop()
    if page is not None and page.claims_enabled and not page.not_claims:
        blocks = tuple(
            Block(c.kind, c.location.line, c.line_end or c.location.line, c.text, c.section, False) for c in page.claims
        )
    else:
        blocks = parse_page(text).blocks
    scan = PageScan(text, blocks, (), tuple(starts))
    masked = mask_code(text)
    segments: list[Segment] = []
    for lo, hi in _merged_ranges(blocks):
        a, b = scan.offset(lo), scan.offset(hi + 1)
        for g in citations.scan(masked[a:b]):
            segments.append(Segment(a + g.start, a + g.end, g))
    return PageScan(text, blocks, tuple(segments), tuple(starts))


def _merged_ranges(blocks) -> list[tuple[int, int]]:
    ranges: list[list[int]] = []
    for lo, hi in sorted((b.line, b.line_end) for b in blocks):
        if ranges and lo <= ranges[-1][1] + 1:
            ranges[-1][1] = max(ranges[-1][1], hi)
        else:
            ranges.append([lo, hi])
    return [(lo, hi) for lo, hi in ranges]


@dataclass(frozen=True)
class SiteData:
    """Everything a build renders from, computed once."""

    config: KbConfig
    report: Report
    styled: apa.Styled
    scans: Scans

    @cached_property
    def pages(self) -> dict[str, Page]:
        return {p.path: p for p in self.report.catalogue.pages}

    @cached_property
    def sources(self) -> dict[str, Source]:
        return self.report.catalogue.source_map()

    @cached_property
    def records(self) -> dict:
        """Findings records (``kb_tools.records.Record``) by source key."""
        return {r.key: r for r in self.report.catalogue.records}

    @cached_property
    def records_digest(self) -> str:
        """What evidence tables show besides a page's own text: the records, and each source's design and
        authority (a .bib edit re-renders the tables that show them)."""
        cat = self.report.catalogue
        return digest(*(repr(r) for r in cat.records), *(f"{s.key}={s.design}/{s.authority}" for s in cat.sources))

    @cached_property
    def published(self) -> tuple[Page, ...]:
        return tuple(p for p in self.report.catalogue.pages if not p.draft)

    @cached_property
    def published_claims(self) -> tuple[Claim, ...]:
        return tuple(c for p in self.published for c in p.claims)

    @cached_property
    def grades(self) -> dict[str, Grade]:
        """Each published claim's grade (best study design, authority statements) by claim id."""
        return {c.id: claim_grade(self.config, c.keys, self.sources) for c in self.published_claims}

    @cached_property
    def evidence(self) -> dict[str, str]:
        """Deprecated: each published claim's level on the old single ladder ("" when it has none)."""
        return {cid: g.evidence for cid, g in self.grades.items()}

    @cached_property
    def claims_by_source(self) -> dict[str, tuple[Claim, ...]]:
        out: dict[str, list[Claim]] = {}
        for c in self.published_claims:
            for k in c.keys:
                out.setdefault(k, []).append(c)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def claims_by_condition(self) -> dict[str, tuple[Claim, ...]]:
        out: dict[str, list[Claim]] = {}
        for c in self.published_claims:
            for cid in c.conditions:
                out.setdefault(cid, []).append(c)
        return {k: tuple(v) for k, v in out.items()}

    def memo(self, name: str, use_directory_urls: bool) -> Memo:
        """A memo of values rendered from this site's data: valid while the code, the APA formatting, the
        policy and the URL style stay the same (each entry is keyed by its own page or claim)."""
        config = self.config
        policy = repr((config.accept, config.severity, config.conditions, config.csl, use_directory_urls))
        policy += repr(sorted(self.report.notices.items()))  # pages show retraction notices and marks
        return Memo(config.cache_path, name, digest(code_key(), fingerprint(config), self.styled.digest, policy))

    @cached_property
    def reference_order(self) -> dict[str, int]:
        """APA order (pandoc sorts the entries): position of each key."""
        return {k: n for n, k in enumerate(self.styled.formatted.references)}


class Scans:
    """Each page's scan, kept on disk in the "scans" memo rather than in memory (at 100,000 claims they
    are 150 MB): a page is rendered once per build, so its scan is read back once."""

    def __init__(self, memo: Memo) -> None:
        self._reader = memo.reader()

    def get(self, path: str, text: str) -> PageScan:
        """The scan of page ``path`` with this ``text`` (computed if the page changed since ``prepare``)."""
        scan = self._reader.get(_scan_key(path, text))
        if isinstance(scan, PageScan) and scan.text == text:
            return scan
        return scan_page(text)  # edited since the check (or the memo was unreadable): parse it afresh


def _scan_key(path: str, text: str) -> tuple[str, str]:
    return (path, digest(text))  # a page's scan depends on its text and its claims, which the text decides


def _give_back_memory() -> None:
    """Free the garbage of what ran before, and hand free memory back to the system.

    glibc keeps memory that Python freed for later use; a cold check of 100,000 claims leaves about 50 MB
    of it, which would otherwise count on top of the pandoc processes that run next.
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        storage.libc().malloc_trim(0)


def prepare(config: KbConfig, report: Report | None = None) -> SiteData:
    """Load and check the KB (unless ``report`` is given), scan its pages, and style every citation once."""
    report = report or check(config)
    cat = report.catalogue
    _give_back_memory()  # the check's garbage, before pandoc's processes start beside this one
    style = config.style()
    groups: dict[str, None] = {}  # each distinct citation, in pandoc syntax
    page_groups: dict[str, list[str]] = {}  # a numeric style numbers each page's citations in its order
    memo = Memo(config.cache_path, "scans", digest(code_key(), fingerprint(config)))
    for page in cat.pages:
        path = config.docs_path / page.path
        try:
            text = read_text(path)
        except OSError:
            continue  # the check already reported an unreadable page
        scan = memo.get(_scan_key(page.path, text), lambda: scan_page(text, page))  # noqa: B023
        cites = [apa.citation_markdown(s.group) for s in scan.segments]
        if style.numeric:
            page_groups[page.path] = cites
        else:
            groups.update(dict.fromkeys(cites))
    memo.save()
    keys = [s.key for s in cat.sources]
    styled = csl.style_catalogue(cat.bibtex, keys, groups, page_groups, config.cache_path, style)
    return SiteData(config, report, styled, Scans(memo))
