"""Findings records as HTML: the table on a source page, and evidence tables on topic pages.

A topic page asks for an evidence table with a comment on a line of its own, which MkDocs without
kb (and any Markdown previewer) simply hides:

    <!-- kb: evidence-table -->                              every source the page cites
    <!-- kb: evidence-table @alnefeesi2022 @wolfson2023 -->  these sources, in this order

The table is made from the records, so its figures are never a claim's: the comment is an HTML
block, which is never a claim, and its numbers are not checked. Everything from YAML and BibTeX is
escaped.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from ..core import urls
from ..core.grading import AUTHORITY_LABELS, NO_DESIGN, sourcetype_label, with_pooled
from ..core.grading import design_label as _label
from ..load.records import Record
from ..references.scan import PageScan, mask_code
from .data import SiteData
from .placeholders import placeholder

DIRECTIVE = re.compile(r"^ {0,3}<!--\s*kb:\s*evidence-table\b(?P<args>[^\n]*?)-->[ \t]*$", re.M)
_KEY = re.compile(r"-?@([^\s;,\[\]]+)")
COLUMNS = ("Source", "Design", "Population", "Sample size", "Intervention", "Outcomes")


def design_label(design: str) -> str:
    return _label(design)


def _grade_text(source) -> str:
    """The source's authority statements and design, as the rest of the site names them ("Regulatory
    statement", "Guideline · Systematic review"); its record's design already filled a missing one."""
    parts = [AUTHORITY_LABELS.get(a, a) for a in source.authority]
    if source.design and not (source.design == NO_DESIGN and parts):
        parts.append(design_label(source.design))
    return " · ".join(parts)


def outcomes_html(record: Record) -> Markup:
    """Each outcome as "Response: 45% (after treatment)", one per line."""
    items = []
    for o in record.outcomes:
        when = f" ({escape(o.timepoint)})" if o.timepoint else ""
        value = f": {escape(o.value)}" if o.value else ""
        items.append(f"{escape(o.outcome)}{value}{when}")
    return Markup("<br>".join(items))


def findings_html(record: Record) -> Markup:
    """Each finding as "statement (locator) “quote”", one per line, with an anchor (``#finding-<id>``)."""
    items = []
    for f in record.findings:
        quote = f" <q>{escape(f.quote)}</q>" if f.quote else ""
        items.append(f'<span id="finding-{escape(f.id)}">{escape(f.statement)} ({escape(f.locator)}){quote}</span>')
    return Markup("<br>".join(items))


def record_table(record: Record | None, design: str = "") -> Markup:
    """A source's findings record as a two-column table, one row per field it gives; ``design``: the source's
    design as graded (with what a synthesis pooled, which its .bib entry may give)."""
    if record is None:
        return Markup("")
    shown = design or with_pooled(record.design, record.pooled)
    rows = [
        ("Design", design_label(shown) if record.design else ""),
        ("Source type", sourcetype_label(record.sourcetype) if record.sourcetype else ""),
        ("Authority", ", ".join(record.authority)),
        ("Population", record.population),
        ("Sample size", record.sample_size),
        ("Setting", record.setting),
        ("Intervention", record.intervention),
        ("Comparator", record.comparator),
        ("Outcomes", outcomes_html(record)),
        ("Other figures", ", ".join(record.numbers)),
        ("Findings", findings_html(record)),
        ("Notes", record.notes),
    ]
    body = "".join(f'<tr><th scope="row">{name}</th><td>{escape(value)}</td></tr>' for name, value in rows if value)
    if not body:
        return Markup("")
    return Markup(
        '<div class="kb-scroll" role="region" aria-label="Findings record" tabindex="0">'
        f'<table class="kb-table kb-record"><caption>Findings record</caption><tbody>{body}</tbody></table></div>'
    )


_YEAR = re.compile(r",\s*(?:\d{4}[a-z]?|n\.d\.)$")


def source_name(site: SiteData, path: str, key: str) -> Markup:
    """A source in a table row: "Alder et al., 2022" (author-date); under a numeric style its authors and the
    page's number for it, as the page's citations print it ("Alder et al.¹", "Alder et al. [1]")."""
    name = site.styled.short(key).strip("()") or key
    numbered = site.styled.page_references(path)
    if numbered is None or key not in numbered:
        return escape(name)
    n = list(numbered).index(key) + 1
    cites = site.styled.pages[path].citations.values() if path in site.styled.pages else ()
    form = "<sup>{}</sup>" if any(c.startswith("<sup>") for c in cites) else " [{}]"
    return escape(_YEAR.sub("", name)) + Markup(form.format(n))


def evidence_table(site: SiteData, path: str, keys: list[str], use_directory_urls: bool = True) -> str:
    """The evidence table of ``keys`` for the page at ``path``: a row per source, from its record."""
    head = "".join(f'<th scope="col">{c}</th>' for c in COLUMNS)
    rows = []
    for key in keys:
        source, record = site.sources.get(key), site.records.get(key)
        if source is None:
            rows.append(f'<th scope="row">{escape(key)}</th><td colspan="5">No .bib file defines this key.</td>')
            continue
        href = urls.relative(path, urls.source_path(key), use_directory_urls)
        cell = f'<th scope="row"><a class="kb-cite" href="{escape(href)}">{source_name(site, path, key)}</a></th>'
        if record is None:
            rows.append(f'{cell}<td colspan="5">No findings record yet.</td>')
            continue
        cells = (_grade_text(source), record.population, record.sample_size, record.intervention)
        rows.append(cell + "".join(f"<td>{escape(v)}</td>" for v in cells) + f"<td>{outcomes_html(record)}</td>")
    if not rows:
        rows.append('<td colspan="6">This page cites no sources yet.</td>')
    body = "".join(f"<tr>{r}</tr>" for r in rows)
    # a region of its own that scrolls sideways on a phone, styled like every table kb writes (kb.css)
    return (
        '<div class="kb-scroll" role="region" aria-label="Evidence table" tabindex="0">'
        '<table class="kb-table kb-evidence-table"><caption>Evidence table, from the sources\' findings records'
        f"</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def table_edits(
    site: SiteData, path: str, scan: PageScan, cited: list[str], use_directory_urls: bool, stash: list[str] | None
) -> list[tuple[int, int, str]]:
    """An edit replacing each evidence-table comment (never one inside a code block) with its table."""
    if "evidence-table" not in scan.text:
        return []
    edits = []
    for m in DIRECTIVE.finditer(mask_code(scan.text)):
        keys = list(dict.fromkeys(_KEY.findall(m.group("args")))) or cited
        html = evidence_table(site, path, keys, use_directory_urls)
        if stash is not None:  # restored after Python-Markdown, as the citations are
            stash.append(html)
            html = placeholder(len(stash) - 1)
        edits.append((m.start(), m.end(), f"\n{html}\n"))
    return edits


def tables_key(site: SiteData, text: str) -> str:
    """What a page's evidence tables show besides its own text: "" for a page without one."""
    return site.records_digest if "evidence-table" in text else ""
