"""Search results as text, as ``kb search`` prints them."""

from __future__ import annotations

from ..core.grading import AUTHORITY_LABELS, design_label
from .engine import Results


def format_text(results: Results) -> str:
    """Ranked claims, each with its page, conditions and sources in APA short form."""
    lines = []
    if results.suggestion:
        lines.append(f"Did you mean: {results.suggestion}")
    if results.relaxed and results.total:
        lines.append("No claim has all of the words; these have some of them.")
    shown = len(results.hits)
    lines.append(
        f"{results.total} claim{'s' if results.total != 1 else ''} found"
        + (f", showing {shown}" if shown < results.total else "")
        + (", strongest design first" if results.sort == "design" else "")
    )
    lines += [f"{_FACET_NAMES[name]}: {_counts(values)}" for name, values in results.facets if values]
    for n, hit in enumerate(results.hits, 1):
        lines.append("")
        lines.append(f"{n}. {hit.text}")
        lines.append(f"   Page: {hit.page} ({hit.url})")
        if hit.conditions:
            lines.append(
                f"   Conditions: {', '.join(_with_role(c, r) for c, r in zip(hit.conditions, hit.roles, strict=False))}"
            )
        if hit.sources:
            lines.append("   Sources: " + "; ".join(_source(s) for s in hit.sources))
        grade = [AUTHORITY_LABELS.get(a, a) for a in hit.authorities]
        grade += [design_label(hit.design)] if hit.design else []
        if grade:
            lines.append(f"   Evidence: {' · '.join(grade)}")
    return "\n".join(lines)


_FACET_NAMES = {"condition": "Conditions", "role": "Roles", "design": "Designs", "sourcetype": "Source types"}


def _with_role(condition: str, role: str) -> str:
    """ "asthma", or "liver-disease (harm)" for a condition not treated or studied in the claim."""
    return condition if role in ("treated", "") else f"{condition} ({role})"


def _counts(values) -> str:
    """Facet values as the search page shows them: "Low back pain (low-back-pain) 10, Sciatica (sciatica) 3"."""
    return ", ".join(f"{v.label} ({v.value}) {v.count}" for v in values)


def _source(s) -> str:
    kind = ", ".join(x for x in (s.sourcetype, s.design if s.design != "none" else "", *s.authority) if x)
    return f"{s.citation} [{kind}]" if kind else s.citation
