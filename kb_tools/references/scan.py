"""Page scanning, part of stage 3 of the pipeline: where each page's citations are.

``scan_page`` finds the citation groups inside a page's claim-shaped blocks (never inside code), with
their offsets, so the renderer can replace each by its formatted citation. ``scan_pages`` scans every
page of the catalogue once per build and keeps the scans on disk in the "scans" memo (``Scans``),
where the renderer reads each back when MkDocs reaches its page.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from ..config.kbconfig import KbConfig
from ..core.model import CitationGroup, Page, tuple_state
from ..load import citations
from ..load.pageblocks import Block, mask_code, parse_page
from ..load.pages import changed_during_build, read_text
from ..store.loadcache import fingerprint
from ..store.memo import Memo, code_key, digest
from . import citeproc as apa


@tuple_state
@dataclass(frozen=True, slots=True)
class Segment:
    """A citation group at ``text[start:end]`` of a page's full text (front matter included)."""

    start: int
    end: int
    group: CitationGroup


@tuple_state
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


def scan_page(text: str, page: Page | None = None) -> PageScan:
    """Find the citation groups inside the page's blocks, never inside code.

    Given the ``page`` the check loaded from this text, its claims and ``other_blocks`` are its blocks, and
    the page is not parsed a second time.
    """
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())
    if starts[-1] == len(text) and len(starts) > 1:
        starts.pop()
    if page is not None:  # blocks that are no claim only bound where citations are looked for: their spans do
        others = tuple(Block("other", lo, hi, "", "", True) for lo, hi in page.other_blocks)
        blocks = others + tuple(
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


def scan_pages(config: KbConfig, pages, take: Callable[[str, list[str]], None]) -> Scans:
    """Scan every page (reusing the scans of pages whose text is unchanged), handing ``take`` each page's
    path and citations in pandoc syntax, in page order; the scans are kept on disk."""
    memo = Memo(config.cache_path, "scans", digest(code_key(), fingerprint(config)))
    for page in pages:
        try:
            text = read_text(config.docs_path / page.path)
        except OSError:
            continue  # the check already reported an unreadable page
        changed = changed_during_build(config, page, text)
        if changed is not None:  # the scan would pair this text with the check's claims: store nothing
            memo.discard()
            raise changed
        scan = memo.get(_scan_key(page.path, text), lambda: scan_page(text, page))  # noqa: B023
        take(page.path, [apa.citation_markdown(s.group) for s in scan.segments])
    memo.save()
    return Scans(memo)
