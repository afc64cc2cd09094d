"""The generated pages' Markdown: sources, conditions, the evidence overview and the editorial report.

Each page is a Jinja2 template in ``kb_tools/templates/`` rendered to
Markdown whose body is headings and raw HTML blocks; under MkDocs, kb writes
its HTML itself (``pagehtml``) rather than Python-Markdown, where it can.
``sitetemplates.py`` fills the templates (and escapes what they show);
this module gathers each page's data and stashes its raw HTML.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from functools import partial

from markupsafe import Markup

from ..check.report import summary
from ..check.sourcerules import source_url
from ..core import urls
from ..core.grading import AUTHORITIES, AUTHORITY_LABELS, Grade, design_rank, sourcetype_label, strongest_design
from ..core.model import Claim, Page
from ..core.scope import EXCLUSION, HARM, ROLES, TREATED
from ..store.memo import Memo
from .data import SiteData
from .evidence import record_table
from .templating import Renderer, design_label, source_href


def _by_page(site: SiteData, claims, order: dict[str, int] | None = None) -> list[tuple[Page, list[Claim]]]:
    """Claims grouped by page, pages in the nav's order (``order``), then in file order."""
    groups: dict[str, list[Claim]] = {}
    for c in claims:
        groups.setdefault(c.page, []).append(c)
    ranked = sorted(groups, key=lambda p: (order or {}).get(p, len(order or ())))  # stable: file order breaks ties
    return [(site.pages[p], groups[p]) for p in ranked]


def source_page(r: Renderer, key: str) -> str:

    site = r.site
    s = site.sources[key]
    path = urls.source_path(key)
    return r.render(
        "source.md.j2",
        path,
        title=site.styled.short(key).strip("()") or key,
        source=s,
        reference_html=Markup(site.styled.reference_html(key)),
        href=source_href(s.doi, source_url(s)),
        accepted=s.sourcetype in site.config.accept,
        record_table=record_table(site.records.get(key), s.design),
        groups=_by_page(site, site.claims_by_source.get(key, ()), r.page_order),
        notices=site.report.notices.get(key),
        notice_href=lambda doi: source_href(doi, ""),
    )


def _source_page_key(site: SiteData, key: str, order: dict[str, int] | None = None) -> tuple:
    """Everything a source page shows besides the APA forms and the policy (the memo's context)."""
    order = order or {}
    claims = tuple(
        (
            c.id,
            c.text,
            c.headers,
            c.lead_in,
            c.page,
            order.get(c.page),
            c.keys,
            site.grades.get(c.id),
            site.pages[c.page].title,
        )
        for c in site.claims_by_source.get(key, ())
    )
    return ("source-page", key, repr(site.sources[key]), repr(site.records.get(key)), claims)


def sources_index(r: Renderer) -> str:
    site = r.site
    rows = []
    for key in sorted(site.sources, key=lambda k: site.reference_order.get(k, len(site.sources))):
        s = site.sources[key]
        rows.append(
            {
                "source": s,
                "short": site.styled.short(key).strip("()") or key,
                "reference_html": Markup(site.styled.reference_html(key)),
                "accepted": s.sourcetype in site.config.accept,
                "grade": Grade(s.design, s.authority),
                "claims": len(site.claims_by_source.get(key, ())),
            }
        )
    return r.render("sources_index.md.j2", "sources/index.md", rows=rows)


def _strongest(site: SiteData, claims) -> str:
    """The strongest study design among the claims' grades ("" when none reports a study)."""
    return strongest_design(site.config.designs, (site.grades[c.id].design for c in claims))


def _authority_counts(site: SiteData, claims) -> list[tuple[str, int]]:
    """(kind, claims resting on a statement of that kind), for the kinds that occur."""
    counts = Counter(a for c in claims for a in site.grades[c.id].authorities)
    return [(a, counts[a]) for a in AUTHORITIES if counts[a]]


def by_role(site: SiteData, condition: str) -> dict[str, tuple[Claim, ...]]:
    """The published claims about a condition, by the role it plays in them (treated, harm, exclusion)."""
    out: dict[str, list[Claim]] = {role: [] for role in ROLES}
    for c in site.claims_by_condition.get(condition, ()):
        out[c.role(condition)].append(c)
    return {role: tuple(v) for role, v in out.items()}


def condition_page(r: Renderer, condition) -> str:
    """Claims treating or studying the condition first, graded; its harms and exclusions apart, never graded
    as evidence about treating it (a boxed warning is no regulatory statement on an indication)."""
    site = r.site
    roles = by_role(site, condition.id)
    claims = roles[TREATED]
    return r.render(
        "condition.md.j2",
        urls.condition_path(condition.id),
        condition=condition,
        total=len(claims),
        strongest=_strongest(site, claims),
        authority_counts=_authority_counts(site, claims),
        statements=[c for c in claims if site.grades[c.id].authorities],
        groups=_by_page(site, claims, r.page_order),
        harms=_in_page_order(site, roles[HARM], r.page_order),
        exclusions=_in_page_order(site, roles[EXCLUSION], r.page_order),
    )


def _condition_page_key(site: SiteData, condition, order: dict[str, int]) -> tuple:
    """Everything a condition page shows besides the APA forms and the policy (the memo's context): the claims
    in each role with what their items show, and the designs' order, by which its strongest design is chosen."""
    claims = tuple(
        (role, c.id, c.text, c.headers, c.lead_in, c.page, order.get(c.page), c.keys, site.grades.get(c.id))
        for role, group in by_role(site, condition.id).items()
        for c in group
    )
    titles = tuple(sorted({(c[5], site.pages[c[5]].title) for c in claims}))  # each page it groups claims under
    return ("condition-page", repr(condition), site.config.designs, claims, titles)


def _in_page_order(site: SiteData, claims, order) -> list[Claim]:
    return [c for _, group in _by_page(site, claims, order) for c in group]


def conditions_index(r: Renderer) -> str:
    site = r.site
    rows = []
    for cond in site.config.conditions:
        roles = by_role(site, cond.id)
        claims = roles[TREATED]
        rows.append(
            {
                "condition": cond,
                "claims": len(claims),
                "harms": len(roles[HARM]),
                "exclusions": len(roles[EXCLUSION]),
                "sources": len({k for c in claims for k in c.keys}),
                "strongest": _strongest(site, claims),
                "authority_counts": _authority_counts(site, claims),
            }
        )
    return r.render("conditions_index.md.j2", "conditions/index.md", rows=rows)


def evidence_page(r: Renderer) -> str:
    site = r.site
    conds = site.config.conditions
    order = site.config.designs
    summary_rows = []
    for cond in conds:
        roles = by_role(site, cond.id)
        claims = roles[TREATED]  # harms and exclusions are no evidence of treating it: counted apart
        counts = [0] * (len(order) + 1)  # one column per design, then "no study design"
        for c in claims:
            counts[design_rank(order, site.grades[c.id].design)] += 1
        by_kind = dict(_authority_counts(site, claims))
        summary_rows.append(
            {
                "condition": cond,
                "counts": counts,
                "authorities": [by_kind.get(a, 0) for a in AUTHORITIES],
                "harms": len(roles[HARM]),
                "exclusions": len(roles[EXCLUSION]),
            }
        )
    matrix = []
    for key in sorted(site.claims_by_source, key=lambda k: (_source_rank(site, k), site.reference_order.get(k, 0))):
        if key not in site.sources:
            continue
        s = site.sources[key]
        accepted = s.sourcetype in site.config.accept
        source_grade = Grade(s.design if accepted else "", tuple(s.authority) if accepted else ())
        cells = [_matrix_cell(site.claims_by_source[key], cond.id, source_grade) for cond in conds]
        if any(cells):
            matrix.append({"key": key, "short": site.styled.short(key).strip("()") or key, "cells": cells})
    return r.render("evidence.md.j2", "evidence.md", conditions=conds, summary=summary_rows, matrix=matrix)


def _matrix_cell(claims, condition: str, grade: Grade) -> dict | None:
    """A source's claims about a condition: those treating or studying it, and its harms and exclusions."""
    roles = Counter(c.role(condition) for c in claims if condition in c.conditions)
    if not roles:
        return None
    return {"claims": roles[TREATED], "harms": roles[HARM], "exclusions": roles[EXCLUSION], "grade": grade}


def _source_rank(site: SiteData, key: str) -> tuple[int, int]:
    """Sources with a stronger design first; among equals, authorities first."""
    s = site.sources.get(key)
    if not s or s.sourcetype not in site.config.accept:
        return (len(site.config.designs) + 1, 1)
    return (design_rank(site.config.designs, s.design), 0 if s.authority else 1)


def report_page(r: Renderer, today: dt.date | None = None) -> str:
    site = r.site
    s = summary(site.report)
    share = f"{100 * s['cited_claims'] / s['claims']:.0f}%" if s["claims"] else "no claims"
    types = Counter(src.sourcetype for src in site.sources.values())
    order = site.config.designs
    designs = Counter(src.design for src in site.sources.values())
    kinds = Counter(a for src in site.sources.values() for a in src.authority)
    return r.render(
        "report.md.j2",
        "report.md",
        built=(today or dt.date.today()).isoformat(),
        summary=s,
        share=share,
        by_type=[(sourcetype_label(t), t in site.config.accept, n) for t, n in sorted(types.items())],
        by_design=[
            (design_label(d), n) for d, n in sorted(designs.items(), key=lambda kv: (design_rank(order, kv[0]), kv[0]))
        ],
        by_authority=[(AUTHORITY_LABELS[a], kinds[a]) for a in AUTHORITIES if kinds[a]],
        findings=site.report.findings,
        drafts=site.report.draft_findings,
    )


def generated_page_makers(
    site: SiteData, use_directory_urls: bool = True, memo: Memo | None = None, page_order=None
) -> dict[str, Callable[[], str]]:
    """A function per generated page, by docs-relative path, that returns the page's Markdown.

    Pages are made one at a time, when MkDocs reaches them, so a KB's thousands of source pages are
    never all in memory at once. ``memo`` keeps source pages and claims' words from the last build.
    """
    r = Renderer(site, use_directory_urls, memo, page_order)

    def source(key: str) -> str:  # reused while its source and the claims citing it are unchanged
        return r.memo.get(_source_page_key(site, key, r.page_order), lambda: source_page(r, key))

    def condition(cond) -> str:  # reused while the claims about it and what their items show are unchanged
        return r.memo.get(_condition_page_key(site, cond, r.page_order), lambda: condition_page(r, cond))

    out: dict[str, Callable[[], str]] = {urls.source_path(k): partial(source, k) for k in site.sources}
    out["sources/index.md"] = partial(sources_index, r)
    for cond in site.config.conditions:
        out[urls.condition_path(cond.id)] = partial(condition, cond)
    out["conditions/index.md"] = partial(conditions_index, r)
    out["evidence.md"] = partial(evidence_page, r)
    out["report.md"] = partial(report_page, r)
    return out
