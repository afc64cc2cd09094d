"""Pandoc citation syntax: find citation groups in one block of Markdown.

``scan`` mirrors how pandoc's Markdown reader (2.17) finds ``Cite`` elements:
bracketed groups ``[see @a, p. 4; -@b]``, in-text ``@a`` and ``@a [p. 4]``.
Nothing inside code spans, math, raw HTML, autolinks, link destinations,
bare URLs or e-mail addresses is a citation, and ``\\@a`` is escaped.

It works in two passes, both linear: ``citelex.CiteIndex`` lexes the text once (opaque
spans, bracket pairs, possible keys) and the parsers then walk only the
"events" (``[``, ``]``, ``;`` and key positions) that the index recorded.
Where pandoc would nest a citation inside another group's prefix or suffix,
the outer group is not taken and the inner citations are reported on their
own, so the keys and their order still match pandoc's.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from ..core.model import Citation, CitationGroup
from .citelex import CiteIndex

_SPACE = re.compile(r"\s+")
_SPACE_BEFORE = re.compile(r" +([.,;:!?)])")
_SPACE_AFTER = re.compile(r"(\() +")
# "finding: a, b" closes a citation's suffix: "[@a, p. 4, finding: response]" names the finding it rests on
_FINDING = re.compile(r"(?:^|,|\s)\s*findings?:(?P<ids>.*)$", re.S | re.I)


def _spnl(text: str, i: int) -> int:
    """Skip spaces and at most one newline (pandoc's ``spnl``); -1 before a blank line."""
    n = len(text)
    while i < n and text[i] in " \t":
        i += 1
    if i < n and text[i] == "\n":
        i += 1
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == "\n":
            return -1
    return i


def _tidy(s: str) -> str:
    return _SPACE.sub(" ", s).strip()


def _skip_brackets(ix: CiteIndex, i: int) -> int:
    """End of the bracketed text at ``i`` (plus link destination), -1 if a citation hides inside."""
    close = ix.match.get(i)
    if close is None:
        return i + 1  # an unbalanced "[" is plain text
    if ix.has_key(i, close):
        return -1
    return ix.after.get(close, close + 1)


def _prefix_end(ix: CiteIndex, i: int) -> int:
    """Position of the key that ends the prefix starting at ``i``, or -1."""
    text = ix.text
    while i >= 0:
        e = ix.next_event(i)
        if e < 0 or text[e] == "]":
            return -1
        if e in ix.keys:
            return e
        if text[e] == "[":
            i = _skip_brackets(ix, e)
        elif ix.keys.get(_spnl(text, e + 1)):  # "; @b" ends the prefix, so this part has no key
            return -1
        else:
            i = e + 1
    return -1


def _suffix_end(ix: CiteIndex, i: int) -> int:
    """Position of the ";" or "]" that ends the suffix starting at ``i``, or -1."""
    text = ix.text
    while i >= 0:
        e = ix.next_event(i)
        if e < 0 or e in ix.keys:
            return -1  # pandoc would nest this citation in the suffix
        if text[e] != "[":
            return e
        i = _skip_brackets(ix, e)
    return -1


def _citation(ix: CiteIndex, i: int) -> tuple[Citation, int] | None:
    """One ``prefix @key suffix`` part starting at ``i``; returns it and where its suffix ends."""
    at = _prefix_end(ix, i)
    if at < 0:
        return None
    key, key_end, suppress = ix.keys[at]
    end = _suffix_end(ix, key_end)
    if end < 0:
        return None
    suffix, named = split_findings(_tidy(ix.text[key_end:end]))
    return Citation(key, _tidy(ix.text[i:at]), suffix, suppress, named), end


def split_findings(suffix: str) -> tuple[str, tuple[str, ...]]:
    """A suffix without its closing ``finding: a, b`` (which pandoc must not print), and the ids it names."""
    m = _FINDING.search(suffix) if "finding" in suffix.lower() else None
    if m is None:
        return suffix, ()
    ids = tuple(i.strip() for i in m.group("ids").split(",") if i.strip())
    return suffix[: m.start()].rstrip(" ,"), ids


def _cite_list(ix: CiteIndex, i: int) -> tuple[list[Citation], int] | None:
    """Citations separated by ";" from ``i``; returns them and the position after the last."""
    cites = []
    while True:
        part = _citation(ix, i)
        if part is None:
            return None
        cites.append(part[0])
        i = part[1]
        if ix.text[i] != ";":
            return cites, i
        i = _spnl(ix.text, i + 1)
        if i < 0:
            return None


def _closing(ix: CiteIndex, i: int, forbidden: str) -> int:
    """Position after the "]" at ``i`` (after optional space), or -1 if absent or followed by ``forbidden``."""
    text = ix.text
    i = _spnl(text, i)
    if i < 0 or i >= len(text) or text[i] != "]":
        return -1
    if i + 1 < len(text) and text[i + 1] in forbidden:
        return -1
    return i + 1


def _bracketed(ix: CiteIndex, i: int) -> tuple[list[Citation], int] | None:
    """A ``[...@key...]`` group at ``i``: its citations and end, or None."""
    if i not in ix.match:
        return None
    start = _spnl(ix.text, i + 1)
    found = _cite_list(ix, start) if start >= 0 else None
    if found is None:
        return None
    end = _closing(ix, found[1], "([{")  # [@a](url), [@a][ref] and [@a]{.c} are links and spans
    return (found[0], end) if end >= 0 else None


def _locator(ix: CiteIndex, first: Citation, i: int) -> tuple[list[Citation], int] | None:
    """The ``[p. 4]`` after an in-text key (pandoc's ``bareloc``), with any ``; @more`` inside."""
    text = ix.text
    if i not in ix.match or text[i + 1 : i + 2] == "^":
        return None
    end = _suffix_end(ix, i + 1)
    if end < 0:
        return None
    suffix, named = split_findings(_tidy(text[i + 1 : end]))
    cites = [Citation(first.key, suffix=suffix, findings=named)]
    if text[end] == ";":
        start = _spnl(text, end + 1)
        rest = _cite_list(ix, start) if start >= 0 else None
        if rest is None:
            return None
        cites += rest[0]
        end = rest[1]
    close = _closing(ix, end, "[(")
    return (cites, close) if close >= 0 else None


def _in_text(ix: CiteIndex, at: int) -> CitationGroup:
    key, key_end, _ = ix.keys[at]
    first = Citation(key)
    i = _spnl(ix.text, key_end)
    if 0 <= i < len(ix.text) and ix.text[i] == "[":
        found = _bracketed(ix, i)
        if found:
            return CitationGroup((first, *found[0]), at, found[1], in_text=True)
        found = _locator(ix, first, i)
        if found:
            return CitationGroup(tuple(found[0]), at, found[1], in_text=True)
    return CitationGroup((first,), at, key_end, in_text=True)


def _group_at(ix: CiteIndex, e: int) -> CitationGroup | None:
    if ix.text[e] == "[":
        found = _bracketed(ix, e)
        return CitationGroup(tuple(found[0]), e, found[1]) if found else None
    if ix.text[e] == "@" and e in ix.keys:
        return _in_text(ix, e)
    return None  # "]", ";" or the "-" of "-@a", which only suppresses the author inside brackets


def scan(text: str) -> list[CitationGroup]:
    """Return the citation groups in ``text`` in order of position."""
    if "@" not in text:
        return []
    ix = CiteIndex(text)
    groups: list[CitationGroup] = []
    k = 0
    while k < len(ix.events):
        group = _group_at(ix, ix.events[k])
        if group is None:
            k += 1
            continue
        groups.append(group)
        k = bisect_left(ix.events, group.end)
    return groups


def strip(text: str, groups: Sequence[CitationGroup] | None = None) -> str:
    """``text`` without its citation groups (``scan(text)`` unless given), on one line with tidy spacing."""
    pieces, pos = [], 0
    for group in scan(text) if groups is None else groups:
        pieces.append(text[pos : group.start])
        pos = group.end
    pieces.append(text[pos:])
    plain = _tidy(" ".join(pieces))
    return _SPACE_AFTER.sub(r"\1", _SPACE_BEFORE.sub(r"\1", plain))
