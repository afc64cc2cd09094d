"""Filling the generated pages' templates: the Jinja2 environment and a ``Renderer`` per site.

Autoescaping is on for every template, whatever its extension: text from BibTeX fields, claims and
front matter is escaped; only pandoc's reference HTML and claims rendered by ``claim_html`` (raw HTML
disabled) are trusted. The pages themselves are made in ``sitepages.py``.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from ..check.notices import mark_html
from ..core import scope, urls
from ..core.grading import AUTHORITIES, AUTHORITY_LABELS, NO_DESIGN, Grade, design_rank, sourcetype_label
from ..core.grading import design_label as _label
from ..core.model import Claim
from ..load.pageblocks import labelled_row
from ..references.citeproc import html_to_text
from ..store.memo import Memo
from .data import SiteData

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|>~-])")
_INLINE = MarkdownIt("commonmark", {"html": False})


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    # autoescape=True for all templates: they are ".md.j2", which select_autoescape would not escape.
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kb_tools", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = md_escape  # Jinja's own ``tojson`` is HTML-safe JSON, which is also valid YAML
    return env


def md_escape(text: str) -> Markup:
    """Text for a Markdown heading: HTML-escaped, and Markdown punctuation backslash-escaped."""
    return Markup(_MD_SPECIAL.sub(r"\\\1", html.escape(" ".join(str(text).split()), quote=False)))


def claim_html(claim: Claim, styled=None) -> Markup:
    """A claim's words as safe inline HTML: links removed, raw HTML shown as text.

    With ``styled``, citations read as their APA text ("as Smith & Doe (2022) reports");
    without, or in a numeric style (whose numbers mean nothing off the claim's page), they are removed.
    """
    text = claim.text
    if styled is not None and not styled.numeric:
        out, pos = [], 0
        for g in claim.groups:
            out += [text[pos : g.start], html_to_text(styled.citation_html(g))]
            pos = g.end
        text = scope.strip_tags("".join(out) + text[pos:])
    else:
        text = claim.plain
    if claim.headers:
        text = labelled_row(text, claim.headers)
    if claim.lead_in:  # a list item is read with its lead-in wherever it is shown out of place
        text = f"{claim.lead_in} {text}"
    text = _LINK.sub(r"\1", text)
    return Markup(_INLINE.renderInline(" ".join(text.split())).strip())


def design_label(design: str) -> str:
    return _label(design) if design else "not given"


def source_href(doi: str, url: str) -> str:
    """The address readers check a source at; only web links, never ``javascript:``."""
    if doi:
        doi = doi.strip()
        href = doi if doi.lower().startswith(("http://", "https://")) else f"https://doi.org/{doi}"
    else:
        href = url.strip()
    return href if re.match(r"^https?://", href, re.I) else ""


class Renderer:
    """Renders templates for one site; ``link`` targets are relative to the page being rendered."""

    def __init__(
        self, site: SiteData, use_directory_urls: bool = True, memo: Memo | None = None, page_order=None
    ) -> None:
        self.site = site
        self.page_order: dict[str, int] = dict(page_order or {})  # docs path -> place in the nav
        self.use_directory_urls = use_directory_urls
        # claims' words as HTML, kept from the last build (or for this build only): a claim shows on several
        # generated pages, and a memo keeps them on disk rather than in memory
        self.memo = memo if memo is not None else Memo(None, "generated-pages", "")
        self._links: dict[tuple[str, str], str] = {}
        self.style_name = site.config.style().label  # "APA": how pages name the reference style
        # a numeric style's numbers look on generated pages as on topic pages: superscript (AMA) or "[1]"
        self.superscript = any(
            html_.startswith("<sup>") for got in site.styled.pages.values() for html_ in got.citations.values()
        )

    def render(self, template: str, path: str, **context) -> str:
        site = self.site

        def link(to: str) -> str:
            return urls.relative(path, to, self.use_directory_urls)

        folder = path.rsplit("/", 1)[0] if "/" in path else ""
        # a numeric style: the page numbers its sources in order of first mention, as a topic page does
        numbers: dict[str, int] | None = {} if site.styled.numeric else None

        return (
            environment()
            .get_template(template)
            .render(
                link=link,
                source_path=urls.source_path,
                condition_path=urls.condition_path,
                short=site.styled.short,
                reference_text=site.styled.reference_text,
                claim_item=lambda c: self.claim_item(c, folder, numbers),
                page_references=lambda: self.page_references(folder, numbers),
                grade_badges=self.grade_badges,
                design_badge=self.design_badge,
                authority_badge=authority_badge,
                design_label=design_label,
                sourcetype_label=sourcetype_label,
                authority_label=AUTHORITY_LABELS.get,
                designs=site.config.designs,
                authorities=AUTHORITIES,
                style_name=self.style_name,
                numeric_style=site.styled.numeric,
                **context,
            )
        )

    def claim_item(self, claim: Claim, folder: str, numbers: dict[str, int] | None = None) -> Markup:
        """One claim in a list: its words linking to its anchor, its citations and its evidence level.

        Built in Python, not a template macro: a KB lists each claim on several generated pages. Under a
        numeric style (``numbers``, the page's numbering so far) its sources are their numbers on this page
        right after its words, as a topic page prints them ("...placebo.¹,²" or "...placebo. [1, 2]"), listed
        in the page's own references (``page_references``); otherwise their short forms ("(Smith, 2022)")
        beside the grade.
        """
        site = self.site
        href = self._link(folder, claim.page) + "#" + claim.id
        links = {k: escape(self._link(folder, urls.source_path(k))) for k in claim.keys}
        grade = self.grade_badges(site.grades.get(claim.id, Grade()))
        # the words depend only on the claim's text and the APA forms (the memo's context)
        words = self.memo.get(
            ("claim-words", claim.text, claim.headers, claim.lead_in), lambda: claim_html(claim, site.styled)
        )
        link = f'<li class="kb-claim-item"><a class="kb-claim-link" href="{escape(href)}">{words}</a>'
        if numbers is None:
            cites = "; ".join(
                f'<a class="kb-cite" href="{links[k]}">{escape(site.styled.short(k))}</a>'
                f"{mark_html(site.report.notices.get(k))}"
                for k in claim.keys
            )
            return Markup(f'{link}<br><span class="kb-claim-meta">{cites} · {grade}</span></li>')
        nums = ",".join(
            f'<a class="kb-cite" href="{links[k]}">{numbers.setdefault(k, len(numbers) + 1)}</a>'
            f"{mark_html(site.report.notices.get(k))}"
            for k in claim.keys
        )
        cites = f"<sup>{nums}</sup>" if self.superscript else f" [{nums.replace(',', ', ')}]"
        cited = f'<span class="kb-citation">{cites}</span>' if claim.keys else ""
        return Markup(f'{link}{cited}<br><span class="kb-claim-meta">{grade}</span></li>')

    def page_references(self, folder: str, numbers: dict[str, int] | None) -> Markup:
        """A numeric style's reference list of the sources ``claim_item`` numbered on this page, in number
        order, each entry in the KB's style and linking to its source page; "" otherwise or when none."""
        if not numbers:
            return Markup("")
        items = []
        for key, n in sorted(numbers.items(), key=lambda kv: kv[1]):
            href = escape(self._link(folder, urls.source_path(key)))
            entry = self.site.styled.reference_html(key) or escape(key)
            items.append(
                f'<li class="kb-reference"><div class="csl-left-margin">{n}.</div><div class="csl-right-inline">'
                f"{entry}{mark_html(self.site.report.notices.get(key))} "
                f'<a class="kb-source-link" href="{href}">Source details</a></div></li>'
            )
        head = '\n## References\n\n<ul class="kb-references kb-references-numbered">\n'
        return Markup(head + "\n".join(items) + "\n</ul>\n")

    def _link(self, folder: str, to: str) -> str:
        """A relative link from any page in ``folder`` (all generated pages of a kind share one)."""
        got = self._links.get((folder, to))
        if got is None:
            base = f"{folder}/x.md" if folder else "x.md"
            got = self._links[(folder, to)] = urls.relative(base, to, self.use_directory_urls)
        return got

    def design_badge(self, design: str) -> Markup:
        """A study design as a coloured label that always names the design in text."""
        order = self.site.config.designs
        if design not in order:
            text = "no study design" if design == NO_DESIGN else "design not given"
            return Markup(f'<span class="kb-level kb-level-none">{text}</span>')
        n = design_rank(order, design)
        return Markup(
            f'<span class="kb-level kb-level-{n}" title="Study design {n + 1} of {len(order)} '
            f'(1 is strongest)">{escape(design_label(design))}</span>'
        )

    def grade_badges(self, grade: Grade) -> Markup:
        """A claim's authority statements, then its best study design: "Regulatory statement · Case series"."""
        if not grade.graded:
            return Markup('<span class="kb-level kb-level-none">not graded</span>')
        parts = [authority_badge(a) for a in grade.authorities]
        if grade.design or not parts:
            parts.append(self.design_badge(grade.design))
        return Markup(" · ").join(parts)


def authority_badge(kind: str) -> Markup:
    """An authority statement's kind, as a label apart from the design colours."""
    return Markup(
        f'<span class="kb-authority kb-authority-{escape(kind)}" title="A statement by an authority, '
        f'not a study design">{escape(AUTHORITY_LABELS.get(kind, kind))}</span>'
    )
