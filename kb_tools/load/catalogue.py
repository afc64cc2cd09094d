"""Stage 1 of the pipeline: load the KB's sources, findings records and pages into a ``Catalogue``.

Problems found while loading (a BibTeX entry that cannot be read, a page whose front matter is
broken) become findings, never exceptions, so ``kb check`` reports them all at once. Sources and
records are cached by their files' contents (``kb_tools.store.loadcache``), pages by their text.
"""

from __future__ import annotations

from ..config.kbconfig import KbConfig
from ..core.model import Catalogue
from ..store import loadcache as cache
from .bibtex import load_sources
from .pagepool import start_pages
from .records import attach, load_records


def load_catalogue(config: KbConfig) -> Catalogue:
    """Load sources and pages; load-time problems become findings, never exceptions."""
    memo = cache.page_memo(config)
    before = set(memo)
    pending = start_pages(config, memo)  # pages the memo lacks are parsed on the other cores meanwhile
    try:
        bib = cache.cached_sources(config, config.bib_files(), load_sources)
        records = cache.cached_sources(config, config.record_files(), load_records, "records")
    except BaseException:
        pending.cancel()
        raise
    sources, records = attach(records, bib.sources)
    pages, page_findings = pending.result()
    if set(memo) != before:
        cache.save_page_memo(config, memo)
    return Catalogue(
        sources=sources,
        pages=tuple(pages),
        findings=tuple(bib.findings) + tuple(page_findings) + records.findings,
        bibtex=bib.clean_bibtex,
        records=records.records,
    )
