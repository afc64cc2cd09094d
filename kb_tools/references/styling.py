"""The KB's citation style applied: author-date styles in one run over the KB, numeric styles per page.

An author-date style (APA, the default) reads the same on every page: ``apa.style_catalogue`` formats
every source and citation group of the KB at once. A numeric style (AMA, Vancouver) numbers a page's
sources in order of first citation, as pandoc does, so a number only means something on one page.
Each page that cites is formatted in a pandoc run of its own, over its citation groups in the order
the page has them: its in-text citations and its numbered reference list are then exactly what pandoc
gives for that page. Source pages, tooltips and the sources list show each source's entry without a
number, from one run over the whole bibliography; where a source is named on its own (the Sources list,
the evidence overview, search results) it is named and ordered as APA does ("Smith & Doe, 2022"), since a
number names nothing off its page, while generated pages that list claims number their sources per page
(``sitetemplates.Renderer.claim_item``). Every run is cached by its content and the style.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..config.styles import Style
from ..store import progress
from . import citeproc as apa
from .bibsplit import group_keys, unused_fields, without_fields

_NUMBERED = re.compile(r'^<div class="csl-left-margin">(.*?)</div><div class="csl-right-inline">(.*)</div>$', re.S)


@dataclass(frozen=True)
class PageCitations:
    """One page's citations as pandoc formats that page: in-text HTML by citation syntax, and its
    reference list (key -> pandoc's entry HTML with its number) in the page's order."""

    citations: dict[str, str]
    references: dict[str, str]


def split_number(entry: str) -> tuple[str, str]:
    """A numeric style's entry HTML as (its number as pandoc prints it, e.g. "1. ", the entry's own HTML)."""
    m = _NUMBERED.match(entry.strip())
    return (m.group(1), m.group(2).strip()) if m else ("", entry)


def unnumbered(formatted: apa.Formatted) -> dict[str, str]:
    """Each source's entry without the number a whole-bibliography run gave it."""
    return {key: split_number(entry)[1] for key, entry in formatted.references.items()}


def format_pages(
    bibtex: str, pages: Mapping[str, Sequence[str]], style: Style, cache_dir: Path | None
) -> dict[str, PageCitations]:
    """Format each page's citation groups (pandoc syntax, in page order) in a pandoc run of the page's own."""
    macros, entries = apa.split_bibtex(bibtex)
    unused = unused_fields(style.path.read_text(encoding="utf-8"))  # pandoc needs only what it prints
    entries = {k: without_fields(raw, unused) for k, raw in entries.items()}
    key = style.key()
    todo = [(path, list(groups)) for path, groups in pages.items() if groups]
    progress.stage(f"numbering citations ({style.label}, pandoc)", len(todo))

    def run(item: tuple[str, list[str]]) -> tuple[str, PageCitations]:
        path, groups = item
        cited = {k for g in groups for k in group_keys(g) if k in entries}
        keys = sorted(cited | apa.crossref_parents(cited, entries))
        bib = macros + "\n\n" + "\n\n".join(entries[k] for k in keys)
        distinct = list(dict.fromkeys(groups))
        # the page's groups in its order, repeats included: a repeat may read differently ("ibid.")
        formatted = apa._cached(
            cache_dir,
            ["numbered-page", key, bib, "\0", *groups],
            lambda: apa._run_pandoc(bib, groups, style.path, list_all=False),
        )
        progress.advance(1)
        first = {g: formatted.citations[groups.index(g)] for g in distinct}
        return path, PageCitations(first, dict(formatted.references))

    workers = max(1, min(len(todo), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:  # threads only wait on pandoc processes
        return dict(pool.map(run, todo))


def style_catalogue(
    bibtex: str,
    keys: Sequence[str],
    groups: Iterable[str],
    pages: Mapping[str, Sequence[str]],
    cache_dir: Path | None,
    style: Style,
) -> apa.Styled:
    """Every source and citation of a KB in ``style``, citations in pandoc syntax (``apa.citation_markdown``):
    ``groups`` the KB's distinct ones (for an author-date style), ``pages`` each page's in its order (numeric)."""
    if not style.numeric:
        return apa.style_catalogue(bibtex, keys, groups, cache_dir, csl=style.path, label=style.label)
    labels = apa.style_catalogue(bibtex, keys, (), cache_dir)  # APA names and orders sources ("Smith, 2022")
    own = apa.format_all(bibtex, [], cache_dir, csl=style.path, label=style.label)
    return apa.Styled(
        labels.formatted,
        labels.index,
        style=style.key(),
        entries=unnumbered(own),
        pages=format_pages(bibtex, pages, style, cache_dir),
    )
