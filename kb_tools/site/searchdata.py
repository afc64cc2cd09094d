"""``search-data.json``: what the browser's static search needs besides ``claims.json`` to answer as ``/api/search``.

* how the site names things (``search_labels``, also embedded in the search page): designs, authority
  statements, conditions, roles, source types and the facets, so results read as the rest of the site;
* each published page's title, and each cited source's citation, grading, year and the words the index searches it
  by (its authors, organisations and their acronyms, and its title);
* what the index has that ``claims.json`` does not say: the conditions each claim names in its own words
  (``named``) and a claim's indexed text where it is not ``claims.json``'s (``texts``: Markdown emphasis);
* ``stems``: the stem of each word of those texts, as the index's analyzer gives it, and ``rules``: the engine's
  own rules, generated from it (``kb_tools.search.browser``).

So the static search groups words, weighs fields and reads queries from what the build wrote, never from copies kept
by hand. Its size grows with the KB's vocabulary and its cited sources, and with the claims that name a condition.
"""

from __future__ import annotations

from ..config.kbconfig import SOURCE_TYPES, KbConfig
from ..core.errors import BuildError
from ..core.grading import AUTHORITY_LABELS, NO_DESIGN, SOURCETYPE_LABELS, design_label
from ..index.writer import QUESTION_WORDS, index_text, load_lay_terms, source_names
from ..load.conditions import ConditionMatcher
from ..search import browser
from ..search.facets import FACET_LABELS, FACETS, ROLE_LABELS
from ..search.params import MAX_QUERY_CHARS
from .data import SiteData
from .exports import claim_text


def search_labels(config: KbConfig, use_directory_urls: bool = True) -> dict:
    """How results and facets name things, as the rest of the site does (small: embedded in the search page)."""
    designs = [{"id": d, "label": design_label(d)} for d in config.designs]  # strongest first
    return {
        "designs": [*designs, {"id": NO_DESIGN, "label": design_label(NO_DESIGN)}],
        "authorities": AUTHORITY_LABELS,
        "conditions": [{"id": c.id, "label": c.name} for c in config.conditions],
        "roles": [{"id": r, "label": label} for r, label in ROLE_LABELS.items()],
        "sourcetypes": [{"id": t, "label": SOURCETYPE_LABELS[t]} for t in SOURCE_TYPES],
        "facets": [{"id": f, "label": FACET_LABELS[f]} for f in FACETS],
        "dirurls": use_directory_urls,
        "maxQuery": MAX_QUERY_CHARS,
    }


def index_vocabulary(config: KbConfig) -> dict:
    """The conditions and lay terms the index expands queries with (``kb_tools.index.writer.index_meta``)."""
    try:
        lay = load_lay_terms(config)
    except BuildError:  # reported, with its path, by the index build; the search still works without them
        lay = {"stop_words": sorted(set(QUESTION_WORDS)), "terms": {}}
    conditions = [{"id": c.id, "name": c.name, "synonyms": list(c.synonyms)} for c in config.conditions]
    return {"conditions": conditions, "lay_terms": lay}


def search_data(site: SiteData, use_directory_urls: bool = True) -> dict:
    """The contents of ``search-data.json``."""
    claims = site.published_claims
    cited = dict.fromkeys(k for c in claims for k in c.keys if k in site.sources)
    sources = {key: _source(site, key) for key in cited}
    texts = {c.id: index_text(c) for c in claims}
    matcher = ConditionMatcher(site.config.conditions)
    named: dict[str, list[str]] = {}
    for cid, conditions in zip(texts, matcher.match_many(list(texts.values())), strict=True):
        for condition in conditions:
            named.setdefault(condition, []).append(cid)
    vocabulary = index_vocabulary(site.config)
    pages = {p.path: p.title for p in site.published}
    words = [*texts.values(), *pages.values(), *(c.section for c in claims), *(s["cited"] for s in sources.values())]
    words += _vocabulary_words(vocabulary)
    return {
        **search_labels(site.config, use_directory_urls),
        "accept": list(site.config.accept),  # the source types a claim's source-type facet counts
        "pages": pages,
        "sources": sources,
        "texts": {c.id: texts[c.id] for c in claims if texts[c.id] != claim_text(c)},
        "named": named,
        "stems": browser.stems(words),
        "rules": browser.rules(vocabulary),
    }


def _source(site: SiteData, key: str) -> dict:
    """A cited source as results name it, and what the index searches it by (``cited``: who, and the title)."""
    s = site.sources[key]
    out = {
        "citation": site.styled.short(key),
        "sourcetype": s.sourcetype,
        "design": s.design,
        "authority": list(s.authority),
        "cited": " ".join(w for w in (source_names(s), s.title) if w),
    }
    if s.year:
        out["year"] = s.year
    return out


def _vocabulary_words(vocabulary: dict) -> list[str]:
    """The words of the conditions' names and of the lay terms' stand-ins, which results are highlighted by."""
    out = [w for c in vocabulary["conditions"] for w in (c["name"], *c["synonyms"])]
    return out + [s for standins in vocabulary["lay_terms"]["terms"].values() for s in standins]
