"""What a claim search returns: ranked hits with highlights, the total, facet counts, and their JSON."""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..core.grading import design_label
from ..index.schema import SourceRef
from .facets import FacetValue

HIGHLIGHT_CACHE = 20_000  # analysed claim texts kept for highlighting
MARK_JOINERS = " -\u2010\u2011"  # marked words with only these between them are one mark: "blood pressure"


@dataclass(frozen=True)
class Hit:
    """One matching claim, as a result lists it."""

    claim: str
    text: str
    highlight: str  # HTML: the escaped claim text with matched words in <mark>
    url: str
    page: str  # the page's title
    conditions: tuple[str, ...]
    sources: tuple[SourceRef, ...]
    evidence: str  # deprecated: the old single ladder
    score: float
    design: str = ""  # the best study design among the claim's accepted sources
    authorities: tuple[str, ...] = ()  # kinds of authority statement it rests on
    section: str = ""  # the heading it sits under ("" before the page's first heading)
    page_url: str = ""  # the page's URL, relative to the site's root
    roles: tuple[str, ...] = ()  # the role of each of ``conditions``: treated, harm or exclusion
    support: tuple = ()  # what its sources report that it rests on (dicts: source, finding, statement, ...)

    def to_json(self) -> dict:
        return {
            "claim": self.claim,
            "text": self.text,
            "highlight": self.highlight,
            "url": self.url,
            "page": self.page,
            "page_url": self.page_url,
            "section": self.section,
            "conditions": list(self.conditions),
            "roles": dict(zip(self.conditions, self.roles, strict=False)),
            "sources": [
                {
                    "key": s.key,
                    "citation": s.citation,
                    "sourcetype": s.sourcetype,
                    "design": s.design,
                    "authority": list(s.authority),
                    "evidence": s.evidence,
                }
                for s in self.sources
            ],
            "design": self.design,
            "design_label": design_label(self.design) if self.design else "",
            "authorities": list(self.authorities),
            "evidence": self.evidence,
            "score": self.score,
            "support": [dict(s) for s in self.support],
        }


@dataclass(frozen=True)
class Results:
    """The ranked claims for one query.

    ``total`` is the exact number of matching claims, not just those listed: the engine counts matches on
    cached sets of claim numbers (per word, phrase and filter), never by walking Whoosh's matchers.
    """

    query: str
    total: int
    hits: tuple[Hit, ...]
    suggestion: str | None = None
    relaxed: bool = False  # no claim had every word; these have some of them
    sort: str = "relevance"
    facets: tuple[tuple[str, tuple[FacetValue, ...]], ...] = ()  # (facet, values with counts), in FACETS order

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "total": self.total,
            "results": [h.to_json() for h in self.hits],
            "suggestion": self.suggestion,
            "relaxed": self.relaxed,
            "sort": self.sort,
            "facets": {name: [v.to_json() for v in values] for name, values in self.facets},
        }


def highlight(
    text: str, marks: tuple[frozenset[str], frozenset[tuple[str, ...]]], tokenize, cache: dict | None = None
) -> str:
    """Escape ``text`` for HTML, then wrap the matched words (and matched phrases) in <mark>.

    ``tokenize`` gives the text's indexed words with where they stand (``kb_tools.search.spans.tokenizer``)."""
    singles, phrases = marks
    toks = cache.get(text) if cache is not None else None
    if toks is None:
        toks = tokenize(text)
        if cache is not None and len(cache) < HIGHLIGHT_CACHE:
            cache[text] = toks
    stems = [t[0] for t in toks]
    hit = [s in singles for s in stems]
    for p in phrases:
        for i in range(len(stems) - len(p) + 1):
            if tuple(stems[i : i + len(p)]) == p:
                hit[i : i + len(p)] = [True] * len(p)
    spans: list[list[int]] = []
    for (_, start, end), on in zip(toks, hit, strict=True):
        if not on:
            continue
        if spans and not text[spans[-1][1] : start].strip(MARK_JOINERS):
            spans[-1][1] = end  # "blood pressure" is one mark, not two
        else:
            spans.append([start, end])
    out, pos = [], 0
    for start, end in spans:
        out += [html.escape(text[pos:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def make_hit(f: dict, score, marks, tokenize, spans: dict | None, scored: bool) -> Hit:
    """A result from a claim's stored fields."""
    refs = tuple(SourceRef(**{**r, "authority": tuple(r.get("authority") or ())}) for r in f.get("refs") or ())
    score = score if scored and score is not None else 0.0  # sorted listings have no relevance
    return Hit(
        claim=f["id"],
        text=f["text"],
        highlight=highlight(f["text"], marks, tokenize, spans),
        url=f["url"],
        page=f.get("title", ""),
        conditions=tuple(c for c in (f.get("conditions") or "").split(",") if c),
        sources=refs,
        evidence=f.get("evidence", ""),
        score=round(float(score), 4),
        design=f.get("design", ""),
        authorities=tuple(a for a in (f.get("authorities") or "").split(",") if a),
        section=f.get("section") or "",
        page_url=f["url"].split("#", 1)[0],
        roles=_roles(f),
        support=tuple(f.get("support") or ()),
    )


def _roles(f: dict) -> tuple[str, ...]:
    """Each condition's role, from the stored "asthma:treated,…" (an index without roles: all treated)."""
    conditions = [c for c in (f.get("conditions") or "").split(",") if c]
    given = dict(p.split(":", 1) for p in (f.get("roles") or "").split(",") if ":" in p)
    return tuple(given.get(c, "treated") for c in conditions)
