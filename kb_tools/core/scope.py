"""Which conditions a claim is about, and in which role: its own words and tags first, then its section,
then its page.

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

Each condition has a *role* in the claim (``kb_tools.load.roles``): treated or studied (the default), a harm,
or an exclusion. The tag gives roles in parts separated by ``;``:
``<!-- kb: conditions: asthma; harms: liver-disease; exclusions: pregnancy -->``; a tag may also
start with ``harms:`` or ``exclusions:``. A tagged role always wins over an inferred one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# An HTML comment survives `mkdocs serve`, Python-Markdown and markdown-it unchanged and shows nothing.
TAG = re.compile(r"<!--\s*kb:\s*(?P<body>(?:conditions|harms|exclusions)\b[^>]*?)-->", re.I)
NONE = "none"
TREATED, HARM, EXCLUSION = "treated", "harm", "exclusion"
ROLES = (TREATED, HARM, EXCLUSION)
PARTS = {"conditions": TREATED, "harms": HARM, "exclusions": EXCLUSION}  # a tag's part name -> its role
_PART = re.compile(r"^\s*(?P<name>[A-Za-z][\w-]*)\s*:?(?P<ids>.*)$", re.S)


@dataclass(frozen=True, slots=True)
class Tag:
    """One ``<!-- kb: conditions: … -->`` comment in a claim's text."""

    ids: tuple[str, ...]  # every id it names, in any role (``none`` included)
    offset: int  # where it starts in the text, for the line of a finding
    roles: tuple[tuple[str, str], ...] = ()  # (condition id, role) for each id but ``none``
    errors: tuple[str, ...] = ()  # what is wrong with it, worded for the editor


def _parse(body: str, offset: int) -> Tag:
    ids: list[str] = []
    roles: dict[str, str] = {}
    errors: list[str] = []
    for part in body.split(";"):
        if not part.strip():
            continue
        m = _PART.match(part)
        name = m.group("name").lower() if m else ""
        role = PARTS.get(name)
        if role is None:
            errors.append(f"unknown part '{part.strip()}'; a tag's parts are conditions:, harms: and exclusions:")
            continue
        words = [w.strip().lower() for w in re.split(r"[,\s]+", m.group("ids")) if w.strip()]
        if not words:
            errors.append(f"empty '{name}:' part; give condition ids or none")
        for w in words:
            ids.append(w)
            if w == NONE:
                continue
            if w in roles and roles[w] != role:
                errors.append(f"'{w}' is given two roles ({roles[w]} and {role}); a claim gives a condition one role")
            roles.setdefault(w, role)
    return Tag(tuple(ids), offset, tuple(roles.items()), tuple(errors))


def tags(text: str) -> tuple[Tag, ...]:
    return tuple(_parse(m.group("body"), m.start()) for m in TAG.finditer(text))


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
