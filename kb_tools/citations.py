"""Pandoc citation syntax: find citation groups in a block of Markdown. (placeholder, being replaced)"""

from __future__ import annotations

import re

from .model import Citation, CitationGroup

_KEY = r"[A-Za-z0-9_](?:[A-Za-z0-9_]|[:.#$%&\-+?<>~/](?=[A-Za-z0-9_]))*"
_BRACKET = re.compile(r"\[([^\[\]]*@" + _KEY + r"[^\[\]]*)\]")
_INTEXT = re.compile(r"(?<![\w@])@(" + _KEY + r")")


def scan(text: str) -> list[CitationGroup]:
    """Return the citation groups in ``text`` in order."""
    groups = []
    taken = []
    for m in _BRACKET.finditer(text):
        cites = []
        for part in m.group(1).split(";"):
            km = re.search(r"(-?)@(" + _KEY + ")", part)
            if not km:
                break
            cites.append(Citation(km.group(2), part[: km.start()].strip(), part[km.end() :].strip(), bool(km.group(1))))
        else:
            groups.append(CitationGroup(tuple(cites), m.start(), m.end()))
            taken.append((m.start(), m.end()))
    for m in _INTEXT.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        groups.append(CitationGroup((Citation(m.group(1)),), m.start(), m.end(), in_text=True))
    return sorted(groups, key=lambda g: g.start)
