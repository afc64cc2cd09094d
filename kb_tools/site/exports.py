"""Machine-readable exports in the built site: ``claims.json`` and ``references.json``.

``claims.json`` lists every published claim (draft pages are never exported);
``references.json`` is CSL-JSON converted by pandoc from the same BibTeX that
formats the APA entries, so both agree.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

from ..core import urls
from ..core.errors import EntryError
from ..core.grading import design_label
from ..core.jsonout import dumps_indent1
from ..load.pageblocks import labelled_row
from ..references.citeproc import crossref_parents, split_bibtex
from ..references.pandoc import blame, pandoc_binary, pandoc_command
from ..store.files import cache_key, write_atomic
from .data import SiteData, at_entry


def claims_export(site: SiteData, use_directory_urls: bool = True) -> Iterator[dict]:
    """One record per published claim, in page and line order."""
    for claim in site.published_claims:
        yield {
            "id": claim.id,
            "text": claim_text(claim),  # a row with its headings, a list item with its lead-in
            "page": claim.page,
            "url": urls.claim_url(claim.page, claim.id, use_directory_urls),
            "section": claim.section,
            "conditions": list(claim.conditions),
            "roles": dict(claim.condition_roles),  # condition -> treated, harm or exclusion
            "sources": list(claim.keys),
            "design": site.grades[claim.id].design,
            "design_label": design_label(site.grades[claim.id].design) if site.grades[claim.id].design else "",
            "authorities": list(site.grades[claim.id].authorities),
            "evidence": site.grades[claim.id].evidence,  # deprecated: use design and authorities
            "support": [s.as_dict() for s in site.report.support.get(claim.id, ())],
        }


# CSL-JSON variables a reference list needs. Whatever else an export carries (a reference manager's
# abstract, note, keywords, annotations, language) is published only when ``publish_fields`` names it.
REFERENCE_FIELDS = frozenset(
    {
        "id", "type", "author", "editor", "translator", "container-author", "collection-editor", "director",
        "interviewer", "recipient", "reviewed-author", "original-author", "title", "title-short",
        "container-title", "container-title-short", "collection-title", "collection-number", "publisher",
        "publisher-place", "original-publisher", "original-date", "issued", "accessed", "event", "event-place",
        "event-date", "volume", "issue", "page", "number", "number-of-pages", "number-of-volumes", "edition",
        "chapter-number", "genre", "medium", "version", "status", "section", "DOI", "URL", "ISBN", "ISSN", "PMID",
        "PMCID",
    }
)  # fmt: skip
_CSL_NAMES = {"keywords": "keyword", "annotation": "annote", "langid": "language", "abstract": "abstract"}


def published_fields(extra: tuple[str, ...] = ()) -> frozenset[str]:
    """The CSL-JSON variables ``references.json`` carries: a reference list's, plus ``publish_fields``."""
    return REFERENCE_FIELDS | {_CSL_NAMES.get(name.lower(), name) for name in extra}


def claim_text(claim) -> str:
    """A claim's text as ``claims.json`` gives it: a row with its headings, a list item with its lead-in."""
    text = labelled_row(" ".join(claim.plain.split()), claim.headers)
    return f"{claim.lead_in} {text}" if claim.lead_in else text


CSL_CHUNK = 500  # entries per pandoc run: one run over 10,000 entries needs about 900 MB


def csl_json(bibtex: str, cache_dir: Path | None = None) -> Iterator[dict]:
    """CSL-JSON of every entry, in the bibliography's order, from ``pandoc -f bibtex -t csljson``.

    The entries are converted in chunks (each cached by its content), with the crossref parents they
    need; each chunk yields only its own entries, so the result is what one run over all of them gives.
    """
    macros, entries = split_bibtex(bibtex)
    keys = list(entries)
    for start in range(0, len(keys), CSL_CHUNK):
        owned = keys[start : start + CSL_CHUNK]
        helpers = sorted(crossref_parents(set(owned), entries))
        bib = "\n\n".join([macros, *(entries[k] for k in owned + helpers)])
        wanted = set(owned)
        yield from (item for item in _csl_chunk(bib, cache_dir) if item.get("id") in wanted)


def _csl_chunk(bibtex: str, cache_dir: Path | None) -> list:
    cache = cache_dir / f"csljson-{cache_key(bibtex, pandoc=True)}.json" if cache_dir else None
    if cache and cache.is_file():
        try:
            return json.loads(cache.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            pass  # a damaged cache entry is recomputed
    proc = subprocess.run(
        [*pandoc_command(pandoc_binary()), "-f", "bibtex", "-t", "csljson"],
        input=bibtex,
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    if proc.returncode != 0:
        raise blame(bibtex, proc.stderr)
    data = json.loads(proc.stdout or "[]")
    if cache:
        with contextlib.suppress(OSError):  # the cache is an optimisation; a read-only folder must not fail the build
            write_atomic(cache, json.dumps(data, ensure_ascii=False))
    return data


EXPORTS = ("claims.json", "references.json")


def _published(items: Iterator[dict], extra: tuple[str, ...]) -> Iterator[dict]:
    keep = published_fields(extra)
    for item in items:
        yield {k: v for k, v in item.items() if k in keep}


def write_exports(site: SiteData, site_dir: Path, use_directory_urls: bool = True, names=EXPORTS) -> None:
    """Write the export files into the built site, one record at a time.

    Streamed rather than built as strings: with 100,000 claims the whole ``claims.json`` in memory
    (and its list of records) would be a quarter of a gigabyte on top of the site being built.
    """
    records = {
        "claims.json": lambda: claims_export(site, use_directory_urls),
        "references.json": lambda: _published(
            csl_json(site.report.catalogue.bibtex, site.config.cache_path), site.config.publish_fields
        ),
    }
    for name, make in records.items():
        if name not in names:
            continue
        items = make()
        with open(site_dir / name, "w", encoding="utf-8") as fh:
            fh.write("[")
            try:
                for n, item in enumerate(items):
                    fh.write(",\n" if n else "\n")
                    fh.write(dumps_indent1(item))
            except EntryError as exc:  # what the check let through: named at the entry's path:line
                raise at_entry(site.report.catalogue, exc) from exc
            fh.write("\n]\n")
