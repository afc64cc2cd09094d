"""The KB's common words (``matching.COMMON_SHARE``), counted per page and kept by each page's text.

Counting every published claim's words takes about 1.5 s per 18,000 claims, on every check of a KB whose
sources have records; a page's counts depend only on its text (its claims), the KB's vocabulary and the
config, so they are kept in ``words.pickle`` under the cache folder and only edited pages are counted again.
"""

from __future__ import annotations

from collections import Counter

from ..config.kbconfig import KbConfig
from ..core.model import Page
from ..store import loadcache as cache
from ..store.files import digest
from .matching import COMMON_MIN_CLAIMS, COMMON_SHARE, Vocabulary, distinct


def page_counts(vocab: Vocabulary, page: Page) -> Counter:
    """How many of the page's claims hold each single-key content unit (once per claim): only such a unit's
    key can be a common word."""
    counts: Counter = Counter()
    for claim in page.claims:
        counts.update({k for u in distinct(vocab.units(claim.plain)) if len(u) == 1 for k in u})
    return counts


def common_words(config: KbConfig, vocab: Vocabulary, vocab_key: str, pages: list[Page]) -> frozenset[str]:
    """Words in more than ``COMMON_SHARE`` of the claims of ``pages`` (the published ones)."""
    n_claims = sum(len(p.claims) for p in pages)
    if n_claims < COMMON_MIN_CLAIMS:
        return frozenset()
    path = config.cache_path / "words.pickle"
    key = digest(cache.fingerprint(config), vocab_key)
    stored = cache.read_pickle(path)
    old = stored[1] if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key else {}
    new: dict[str, Counter] = {}
    totals: Counter = Counter()
    for page in pages:
        counts = old.get(page.text_digest) if page.text_digest else None
        if not isinstance(counts, Counter):
            counts = page_counts(vocab, page)
        if page.text_digest:
            new[page.text_digest] = counts
        totals.update(counts)
    if new.keys() != old.keys():
        cache.write_pickle(path, (key, new))
    limit = COMMON_SHARE * n_claims
    return frozenset(k for k, n in totals.items() if n > limit)
