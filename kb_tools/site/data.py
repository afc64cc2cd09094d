"""Stage 3 of the pipeline: what one site build knows, the check report, every page's citations and
their APA forms.

``prepare`` runs once per build: it scans every page for its citation groups (``kb_tools.references.scan``) and
formats all of them with a single pandoc run. Renderers, generated pages, exports and the search index
all read the resulting ``SiteData``; nothing re-reads the KB.
"""

from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass
from functools import cached_property

from ..check.policy import Report, claim_grade
from ..config.kbconfig import KbConfig
from ..core.errors import BuildError, EntryError
from ..core.grading import Grade
from ..core.model import Claim, Page, Source
from ..references import citeproc as apa
from ..references import styling as csl
from ..references.scan import Scans, scan_pages
from ..store import files as storage
from ..store.loadcache import fingerprint
from ..store.memo import Memo, code_key, digest


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
        """Findings records (``kb_tools.load.records.Record``) by source key."""
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


def _give_back_memory() -> None:
    """Free the garbage of what ran before, and hand free memory back to the system.

    glibc keeps memory that Python freed for later use; a cold check of 100,000 claims leaves about 50 MB
    of it, which would otherwise count on top of the pandoc processes that run next.
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        storage.libc().malloc_trim(0)


def at_entry(cat, exc: EntryError) -> BuildError:
    """What the check let through and pandoc refused, named where the editor can fix it (path:line)."""
    source = cat.source_map().get(exc.key)
    at = source.location if source is not None else None
    where = f"{at.path}:{at.line + exc.line - 1}: " if at is not None else ""
    return BuildError(f"{where}error bib-syntax: {exc}; fix this entry (kb check could not tell)")


def prepare(config: KbConfig, report: Report) -> SiteData:
    """Scan the checked KB's pages and style every citation once."""
    cat = report.catalogue
    _give_back_memory()  # the check's garbage, before pandoc's processes start beside this one
    style = config.style()
    groups: dict[str, None] = {}  # each distinct citation, in pandoc syntax
    page_groups: dict[str, list[str]] = {}  # a numeric style numbers each page's citations in its order

    def take(path: str, cites: list[str]) -> None:
        if style.numeric:
            page_groups[path] = cites
        else:
            groups.update(dict.fromkeys(cites))

    scans = scan_pages(config, cat.pages, take)
    keys = [s.key for s in cat.sources]
    try:
        styled = csl.style_catalogue(cat.bibtex, keys, groups, page_groups, config.cache_path, style)
    except EntryError as exc:
        raise at_entry(cat, exc) from exc
    return SiteData(config, report, styled, scans)
