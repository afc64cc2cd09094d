"""Topic pages: Pandoc citations become APA links, claims get anchors, each page gets its references.

The renderer edits the page's Markdown text, never its HTML: the result is
still Markdown (with small inline HTML fragments) that MkDocs renders as
usual. Every edit is placed by offsets from ``scan.scan_page``, i.e. only
inside claim-shaped blocks and never inside code.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from ..check.notices import mark_html
from ..core import urls
from ..core.model import CitationGroup, Claim
from ..load.pageblocks import Block
from ..references.scan import PageScan, mask_code
from .data import SiteData
from .evidence import source_name, table_edits
from .htmltext import inert
from .placeholders import placeholder
from .supporthtml import block_prefix, support_html

_REF_LINK = re.compile(r'<a href="#ref-([^"]+)" role="doc-biblioref">')
_MARKER = re.compile(r"^[ \t]*(?:>[ \t]?)*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?(?:\|[ \t]*)?")
_H1 = re.compile(r"^# \S.*$", re.M)
_SUPERSCRIPT = re.compile(r'<span class="kb-citation"><sup>')


def attr(text: str) -> str:
    """Text for an HTML attribute inside Markdown: escaped, and no ``|`` to split a table row."""
    return html.escape(" ".join(text.split()), quote=True).replace("|", "&#124;")


def tooltip_attr(text: str) -> str:
    """Text for a ``title`` attribute, which a theme may render as HTML (Material's ``content.tooltips`` puts it
    into ``innerHTML``): escaped, and inert when parsed again (``htmltext.inert``)."""
    return attr(inert(text))


def citation_html(site: SiteData, group: CitationGroup, page_path: str, use_directory_urls: bool = True) -> str:
    """A group's in-text citation in the KB's style; each key links to its source page and shows its full
    reference. A numeric style's numbers are those of the page at ``page_path``."""
    formatted = mark_retracted(site, site.styled.citation_html(group, page_path))

    def link(m: re.Match[str]) -> str:
        key = html.unescape(m.group(1))
        href = urls.relative(page_path, urls.source_path(key), use_directory_urls)
        title = site.styled.reference_text(key) or key
        return f'<a class="kb-cite" href="{attr(href)}" title="{tooltip_attr(title)}">'

    return f'<span class="kb-citation">{_REF_LINK.sub(link, formatted)}</span>'


def mark_retracted(site: SiteData, formatted: str) -> str:
    """Pandoc's citation HTML with a "Retracted" label after the last link to each retracted source."""
    notices = site.report.notices
    if not notices:
        return formatted
    last: dict[str, int] = {}
    for m in _REF_LINK.finditer(formatted):
        last[html.unescape(m.group(1))] = m.end()
    marks = []
    for key, at in last.items():
        mark = mark_html(notices.get(key))
        end = formatted.find("</a>", at)
        if mark and end >= 0:
            marks.append((end + len("</a>"), str(mark)))
    for at, mark in sorted(marks, reverse=True):
        formatted = formatted[:at] + mark + formatted[at:]
    return formatted


def claim_anchor(claim: Claim) -> str:
    return f'<span class="kb-claim" id="{attr(claim.id)}"></span>'


CITATION_NEEDED = (
    '<span class="kb-citation-needed" title="This statement cites no source yet; '
    'it cannot be published until it does.">[citation needed]</span>'
)


def _anchor_offset(scan: PageScan, block: Block) -> int:
    """Where the block's own text starts on its first line (after list, quote or table markers)."""
    start = scan.offset(block.line)
    line = scan.text[start : scan.offset(block.line + 1)]
    first = block.text.lstrip().split("\n", 1)[0][:24]
    at = line.find(first) if first else -1
    if at < 0:
        at = _MARKER.match(line).end()
    return start + at


def _end_offset(scan: PageScan, line: int) -> int:
    """Just after a line's last text; before a table row's closing ``|``."""
    start, end = scan.offset(line), scan.offset(line + 1)
    text = scan.text[start:end].rstrip()
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1].rstrip()
    return start + len(text)


def _hug(text: str, start: int) -> int:
    """Where a superscript citation (AMA) starts once the spaces before it go: "minutes¹", not "minutes ¹".
    Only after a word or closing punctuation on the same line, never after a list marker or line start."""
    at = start
    while at > 0 and text[at - 1] in " \t":
        at -= 1
    before = text[text.rfind("\n", 0, at) + 1 : at]
    if at == start or not before.strip() or _MARKER.match(before + " ").end() > len(before):
        return start  # nothing to remove, or only a list, quote or table marker before it
    return at if before[-1].isalnum() or before[-1] in ".,;:)]%'\"’”" else start


def _edits(site: SiteData, path: str, scan: PageScan, use_directory_urls: bool, stash) -> list[tuple[int, int, str]]:
    edits = []
    for s in scan.segments:
        html_ = citation_html(site, s.group, path, use_directory_urls)
        start = _hug(scan.text, s.start) if _SUPERSCRIPT.match(html_) else s.start
        if stash is not None:  # the plugin restores it after Python-Markdown, which need not parse it
            stash.append(html_)
            html_ = placeholder(len(stash) - 1, inline=True)
        edits.append((start, s.end, html_))
    page = site.pages.get(path)
    blocks = {b.line: b for b in scan.blocks}
    for claim in page.claims if page else ():
        block = blocks.get(claim.location.line)
        if block is None:
            continue  # the file changed since it was checked; the next build places it
        edits.append((_anchor_offset(scan, block), _anchor_offset(scan, block), claim_anchor(claim)))
        if not claim.cited:
            at = _end_offset(scan, block.line_end)
            edits.append((at, at, " " + CITATION_NEEDED))
        supports = site.report.support.get(claim.id)
        if supports:
            edits.append(_support_edit(site, path, scan, block, claim, supports, use_directory_urls, stash))
    return sorted(edits, key=lambda e: (e[0], e[1]))


def _support_edit(site, path, scan: PageScan, block: Block, claim: Claim, supports, use_dir, stash) -> tuple:
    """The claim's "What the source reports" line: a block after a paragraph, at the end of an item or row
    (where ``<details>`` is allowed: inside ``<li>`` and ``<td>``, never inside ``<p>``)."""
    # under a numeric style the line names a source as the page's citations number it ("Alder et al.¹")
    names = {s.source: str(source_name(site, path, s.source)) for s in supports}
    html_ = support_html(supports, site.sources, path, use_dir, names)
    inline = claim.kind != "paragraph"
    if stash is not None:
        stash.append(html_)
        html_ = placeholder(len(stash) - 1, inline=inline)
    if inline:
        at = _end_offset(scan, block.line_end)
        return (at, at, " " + html_)
    at = scan.offset(block.line_end + 1)
    first = scan.text[scan.offset(block.line) : scan.offset(block.line + 1)]
    before = "" if scan.text[:at].endswith("\n") else "\n"
    return (at, at, f"{before}\n{block_prefix(first)}{html_}\n\n")


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply non-overlapping (start, end, replacement) edits given in order."""
    out, pos = [], 0
    for start, end, new in edits:
        if start < pos:
            continue  # overlapping edit: keep the text as written rather than garble it
        out += [text[pos:start], new]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def cited_keys(site: SiteData, path: str, scan: PageScan) -> list[str]:
    """Keys of the known sources a page cites, in reference-list order: APA's, or a numeric style's numbers."""
    numbered = site.styled.page_references(path)
    if numbered is not None:
        return [k for k in numbered if k in site.sources]
    keys = {k for s in scan.segments for k in s.group.keys}
    page = site.pages.get(path)
    keys.update(k for c in (page.claims if page else ()) for k in c.keys)
    order = site.reference_order
    return sorted((k for k in keys if k in order), key=lambda k: order[k])


def references_section(site: SiteData, path: str, keys: list[str], use_directory_urls: bool = True) -> str:
    """The page's own "References" list: pandoc's entries in the KB's style, each linking to its source page.

    A numeric style's entries carry the page's numbers (pandoc's number and entry as two divs)."""
    if not keys:
        return ""
    numbered = site.styled.page_references(path)
    items = []
    for key in keys:
        href = urls.relative(path, urls.source_path(key), use_directory_urls)
        link = f'<a class="kb-source-link" href="{attr(href)}">Source details</a>'
        after = f"{mark_html(site.report.notices.get(key))} {link}"
        entry = numbered.get(key, "") if numbered is not None else site.styled.reference_html(key)
        if numbered is not None and entry.endswith("</div>"):
            entry = entry[: -len("</div>")] + after + "</div>"  # inside the entry's text, beside its number
        else:
            entry += after
        items.append(f'<li class="kb-reference" id="ref-{attr(key)}">{entry}</li>')
    kind = "kb-references kb-references-numbered" if numbered is not None else "kb-references"
    return "\n\n## References\n\n" + f'<ul class="{kind}">\n' + "\n".join(items) + "\n</ul>\n"


def reviewed_html(reviewed: dt.date | None) -> str:
    if reviewed is None:
        return '<p class="kb-reviewed">Not yet reviewed.</p>'
    label = f"{reviewed.day} {reviewed:%B %Y}"
    return f'<p class="kb-reviewed">Last reviewed <time datetime="{reviewed.isoformat()}">{label}</time></p>'


def add_reviewed(body: str, reviewed: dt.date | None) -> str:
    """Put the review date under the page's title (or at the top when the title is only in front matter)."""
    line = reviewed_html(reviewed)
    m = _H1.search(mask_code(body))  # a "# comment" inside a code block is not the title
    if m is None:
        return line + "\n\n" + body
    return body[: m.end()] + "\n\n" + line + "\n" + body[m.end() :]


def render_page(
    site: SiteData, path: str, text: str, markdown: str, use_directory_urls: bool = True, stash: list[str] | None = None
) -> str:
    """The Markdown MkDocs should render for a KB page.

    ``text`` is the page file's full text (front matter included) and ``markdown``
    what MkDocs passes after removing the front matter; edits are placed in
    ``text`` by line and offset, then the same front matter is removed again.
    With ``stash``, citations become placeholders whose HTML is appended to it
    (``placeholders.restore_html`` puts them back into the page's HTML).
    """
    scan = site.scans.get(
        path, text
    )  # if edited since prepare (mkdocs serve), new citations show as keys until rebuilt
    edits = _edits(site, path, scan, use_directory_urls, stash)
    edits += table_edits(site, path, scan, cited_keys(site, path, scan), use_directory_urls, stash)
    full = apply_edits(text, sorted(edits, key=lambda e: (e[0], e[1])))
    body = full[len(text) - len(markdown) :] if text.endswith(markdown) else markdown
    page = site.pages.get(path)
    if page is not None:
        body = add_reviewed(body, page.reviewed)
    return body.rstrip("\n") + "\n" + references_section(site, path, cited_keys(site, path, scan), use_directory_urls)
