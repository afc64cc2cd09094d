"""Which conditions a claim is about: its own words and tags first, then its section, then its page.

A page's front matter ``conditions:`` used to be applied to every claim on the page, so a page about
several conditions credited a migraine-only meta-analysis to epilepsy. The rules (documented for editors
in docs/editors-guide.md):

1. a claim is about the conditions its own text names (configured names and synonyms) plus any it is
   tagged with: ``<!-- kb: conditions: migraine, epilepsy -->`` anywhere in its text;
2. a claim that names none and carries no tag takes the conditions of the nearest heading above it that
   names one ("## Epilepsy" scopes the section under it);
3. only then does it take the page's ``conditions:``;
4. ``<!-- kb: conditions: none -->`` says a claim is about no condition, and stops 2 and 3.

A claim never inherits a condition when its own text names a different one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# An HTML comment survives `mkdocs serve`, Python-Markdown and markdown-it unchanged and shows nothing.
TAG = re.compile(r"<!--\s*kb:\s*conditions\s*:?(?P<ids>[^>]*?)-->", re.I)
NONE = "none"


@dataclass(frozen=True, slots=True)
class Tag:
    """One ``<!-- kb: conditions: … -->`` comment in a claim's text."""

    ids: tuple[str, ...]
    offset: int  # where it starts in the text, for the line of a finding


def tags(text: str) -> tuple[Tag, ...]:
    return tuple(
        Tag(tuple(w.strip().lower() for w in re.split(r"[,\s]+", m.group("ids")) if w.strip()), m.start())
        for m in TAG.finditer(text)
    )


_TAG_AND_SPACE = re.compile(r"[ \t]*" + TAG.pattern, re.I)


def strip_tags(text: str) -> str:
    """The text without its condition tags (readers and the claim id never see them)."""
    return _TAG_AND_SPACE.sub("", text) if "<!--" in text else text


def claim_conditions(
    named: tuple[str, ...],
    tagged: tuple[str, ...],
    heading_conditions: tuple[tuple[str, ...], ...],
    page_conditions: tuple[str, ...],
) -> tuple[str, ...]:
    """A claim's conditions, by the rules above.

    ``named``: the conditions its text names; ``tagged``: the ids of its tags (``none`` allowed);
    ``heading_conditions``: the conditions each heading above it names, outermost first.
    """
    own = tuple(dict.fromkeys(named + tuple(t for t in tagged if t != NONE)))
    if own or NONE in tagged:
        return own
    for found in reversed(heading_conditions):
        if found:
            return found
    return page_conditions
