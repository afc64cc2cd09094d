"""The site's claim search: its page (``search.md``) and what the browser needs to search without a server.

The page and the header's search box are brought to life by ``assets/kb/kb-search-*.js``. Under
``kb serve`` they ask ``/api/search`` (synonyms, stemming, typo correction, facets); on static hosting
they search ``claims.json`` in the browser with ``search-data.json`` (``kb_tools.site.searchdata``: the
labels the site uses, page titles and cited sources, and the engine's own rules and the index's stems),
and say so.
"""

from __future__ import annotations

import json
from html import escape

from ..config.kbconfig import KbConfig
from ..core import urls
from ..search.params import MAX_QUERY_CHARS
from .data import SiteData
from .searchdata import search_data, search_labels

PAGE_PATH = "search.md"
DATA_PATH = "search-data.json"


def search_files(site: SiteData, use_directory_urls: bool = True) -> dict[str, str]:
    """The generated files of the search: docs path -> content."""
    data = json.dumps(search_data(site, use_directory_urls), ensure_ascii=False, separators=(",", ":"))
    return {PAGE_PATH: search_page_markdown(site.config, use_directory_urls), DATA_PATH: data}


def search_page_markdown(config: KbConfig, use_directory_urls: bool = True) -> str:
    """The Markdown of ``search.md``; its HTML block has no blank lines, so Markdown passes it through whole."""
    root = urls.relative(PAGE_PATH, "index.md", use_directory_urls)
    labels = escape(json.dumps(search_labels(config, use_directory_urls), ensure_ascii=False), quote=True)
    html = f"""<div id="kb-search" class="kb-search" data-root="{escape(root)}" data-labels="{labels}">
<form class="kb-search__form" role="search" action="" method="get">
<label class="kb-search__label" for="kb-search-q">Search the claims</label>
<div class="kb-search__bar"><input id="kb-search-q" class="kb-search__input" name="q" type="search"
 maxlength="{MAX_QUERY_CHARS}" autocomplete="off" placeholder="e.g. side effects, or a question" spellcheck="true">
<button class="md-button md-button--primary kb-search__submit" type="submit">Search</button></div>
</form>
<p class="kb-search__notice" hidden></p>
<div class="kb-search__layout">
<details class="kb-search__filters" hidden><summary class="kb-search__filters-toggle">Filters
<span class="kb-search__filters-count"></span></summary><div class="kb-search__facets"></div></details>
<div class="kb-search__main">
<div class="kb-search__toolbar"><p class="kb-search__status" role="status" aria-live="polite"></p>
<div class="kb-search__sort" hidden><label for="kb-search-sort">Sort by</label>
<select id="kb-search-sort" name="sort"><option value="relevance">Relevance</option>
<option value="design">Strength of study design</option></select></div></div>
<div class="kb-search__messages"></div>
<ol class="kb-search__results"></ol>
</div>
</div>
<noscript><p>Search needs JavaScript. Every claim is also listed, with its sources, on the topic pages and in
<a href="{escape(root)}claims.json">claims.json</a>.</p></noscript>
</div>"""
    return f"""---
title: Search claims
description: Find the knowledge base's cited claims by condition, word or question.
hide: [toc]
---

# Search claims

<!-- kb: not-a-claim -->
Type words or a question: results list the claims that have all of them (or, failing that, some), each
with its page, its evidence and its sources. Put "a phrase" in quotes. Narrow the results by condition,
the condition's role (treated or studied, a harm, an exclusion), study design or source type with the
filters, and sort them by relevance or by the strength of their study design. The search box at the top
of every page finds claims too; its last option searches the text of the pages instead, for what is not a
cited claim.

{html}
"""
