"""What a claim's sources report, shown beside the claim: an expandable ``<details>`` line.

A clinician opens "What the source reports" to read the finding a claim rests on (its statement,
where in the source it is, and the quote, if any) without leaving the page. ``<details>`` needs no
script, opens with the keyboard and is announced by screen readers. Every value is escaped: statements,
locators and quotes come from the KB's YAML records.
"""

from __future__ import annotations

import html
import re

from ..check.matching import Support
from ..core import urls
from ..core.model import Source

_PREFIX = re.compile(r"[ \t]*(?:>[ \t]?)*")


def esc(text: str) -> str:
    """Escaped for HTML (attributes too), on one line, with no ``|`` to split a table row."""
    return html.escape(" ".join(text.split()), quote=True).replace("|", "&#124;")


def source_label(source: Source | None, key: str) -> str:
    """How the line names a source, e.g. "Wolfson et al., 2023"; its key when the entry gives no author."""
    if source is None or not source.authors:
        return key
    first, people = source.authors[0], source.authors
    name = first.last if not first.literal else str(first)
    etal = len(people) > 2 or any(p.last == "others" and not p.first for p in people[1:])  # BibTeX "and others"
    second = people[1] if len(people) == 2 else None
    more = " et al." if etal else (f" & {second.last if not second.literal else second}" if second else "")
    return f"{name}{more}, {source.year}" if source.year else f"{name}{more}"


def support_html(
    supports, sources: dict[str, Source], page_path: str, use_directory_urls: bool = True, names=None
) -> str:
    """The claim's "What the source reports" line: one item per finding (or outcome) it rests on; ``names``:
    each source's label as the page names it, already HTML (else "Wolfson et al., 2023")."""
    items = []
    for s in supports:
        s: Support
        href = urls.relative(page_path, urls.source_path(s.source), use_directory_urls)
        href += f"#finding-{s.finding}" if s.finding else ""  # the finding in the source page's record table
        where = f' <span class="kb-support-locator">({esc(s.locator)})</span>' if s.locator else ""
        quote = f' <q class="kb-support-quote">{esc(s.quote)}</q>' if s.quote else ""
        label = (names or {}).get(s.source) or esc(source_label(sources.get(s.source), s.source))
        items.append(f'<li><a href="{esc(href)}">{label}</a>: {esc(s.statement)}{where}{quote}</li>')
    label = "What the source reports" if len({s.source for s in supports}) == 1 else "What the sources report"
    return (
        f'<details class="kb-support"><summary>{label}</summary>'
        f'<ul class="kb-support-list">{"".join(items)}</ul></details>'
    )


def block_prefix(line: str) -> str:
    """The indentation and ``>`` markers a block's first line starts with (its container's prefix)."""
    return _PREFIX.match(line).group()
