"""The site's claim search page: a form that ``assets/kb/kb-search.js`` brings to life.

The page works two ways: under ``kb serve`` it asks ``/api/search`` (synonyms,
stemming, typo correction); on static hosting it falls back to a plain word
filter over ``claims.json`` in the browser and says so.
"""

from __future__ import annotations

from html import escape

from . import urls
from .config import KbConfig
from .search import MAX_QUERY_CHARS

PAGE_PATH = "search.md"


def search_page_markdown(config: KbConfig, use_directory_urls: bool = True) -> str:
    """The Markdown of ``search.md``; its HTML block has no blank lines, so Markdown passes it through whole."""
    root = urls.relative(PAGE_PATH, "index.md", use_directory_urls)
    options = "".join(f'<option value="{escape(c.id)}">{escape(c.name)}</option>' for c in config.conditions)
    designs = " ".join(config.designs)  # strongest first: the badges' colours, as on the rest of the site
    html = f"""<div id="kb-search" class="kb-search" data-root="{escape(root)}" data-designs="{escape(designs)}">
<form class="kb-search__form" role="search" action="" method="get">
<div class="kb-search__field"><label for="kb-search-q">Words to look for</label>
<input id="kb-search-q" name="query" type="search" maxlength="{MAX_QUERY_CHARS}" autocomplete="off"
 placeholder="e.g. side effects, or a question" spellcheck="true"></div>
<div class="kb-search__field"><label for="kb-search-condition">Condition</label>
<select id="kb-search-condition" name="condition"><option value="">All conditions</option>{options}</select></div>
<button type="submit">Search</button>
</form>
<p class="kb-search__notice" hidden></p>
<p class="kb-search__status" role="status" aria-live="polite"></p>
<ol class="kb-search__results"></ol>
<noscript><p>Search needs JavaScript. Every claim is also listed, with its sources, on the topic pages and in
<a href="{escape(root)}claims.json">claims.json</a>.</p></noscript>
</div>"""
    return f"""---
title: Search claims
description: Find the knowledge base's cited claims by condition, word or question.
---

# Search claims

<!-- kb: not-a-claim -->
Type words or a question. All words must match; put "a phrase" in quotes, and
narrow results to one condition with the list. Each result links to the claim
on its page and to its sources.

{html}
"""
