"""Text that stays text when a theme parses it as HTML a second time.

Material's ``content.tooltips`` puts an element's ``title`` into ``innerHTML``, and so does its tooltip for a
title cut short by an ellipsis (the page title in the header, nav entries), after reading the element's text.
Escaping once is then not enough: ``&lt;img onerror=...&gt;`` reads as ``<img onerror=...>`` and becomes an
element. ``inert`` puts a word joiner (U+2060: invisible, not spoken, not a space) after each ``<`` that an HTML
parser would read as the start of a tag, comment or declaration, so the text reads as before and parses as text.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
_TAG_OPEN = re.compile(r"<(?=[A-Za-z!/?])")


def inert(text: str) -> str:
    """``text`` with no ``<`` that could open a tag or comment when parsed as HTML (it still reads the same)."""
    return _TAG_OPEN.sub("<" + WORD_JOINER, text)
