"""The lexing pass of ``citations.py``: one linear walk over a block of Markdown.

``CiteIndex`` records, by position, what the citation parsers need: balanced bracket pairs, the ends of
link destinations and span attributes, possible keys (``@a``, ``-@a``), and the "events" (``[``, ``]``,
``;`` and key starts) that lie outside opaque spans (code, math, raw HTML, autolinks, escapes, bare URLs).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

# A key's body: word characters, internal punctuation followed by a word
# character, and ``:``/``/`` before ``/`` (pandoc's ``simpleCiteIdentifier``).
_KEY = re.compile(r"[^\W](?:\w|[:.#$%&\-+?<>~/](?=\w)|[:/](?=/))*")
_SPECIAL = re.compile(
    r"[\\`$<\[\];@]"
    r"|(?<![^\W_])(?<!\.)(?:(?i:https?|ftps?|sftp|file|mailto|doi|urn|tel|git|ssh|svn|irc|news|nntp|telnet|ldap"
    r"|gopher|wss?|data|geo|magnet|xmpp|s3):(?![\s*_\]])|www\.)"
)
_URL_WORD = frozenset("#$%*+/@\\_-&=")
_MATH = re.compile(
    r"\$\$(?:[^$\\]|\\.|\$(?!\$))+?\$\$|\$(?![\s$])(?:[^$\\]|\\.)*?(?<!\s)\$(?!\d)",
    re.S,
)
_COMMENT = re.compile(r"<!--(?!-?>).*?-->", re.S)
_AUTOLINK = re.compile(
    r"<[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*>"  # <scheme:...>
    r"|<[^\W_][\w.!#$%&'*+/=?^`{|}~\-]*@[\w\-]+(?:\.[\w\-]+)*>"  # <e-mail address>
)
_TAG = re.compile(
    r"</?[A-Za-z][A-Za-z0-9\-]*"
    r"(?:\s+[A-Za-z_:][\w.:\-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*\s*/?>"
)
_EXAMPLE = re.compile(r"[^\W_]*(?:[_\-][^\W_]+)*")
_NOTE_REF = re.compile(r"\[\^[^\s\]]+\]")
_DEST = re.compile(
    r"\(\s*(?:<[^<>\n]*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\)|[ \t]+(?![ \t\"')]))*)"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)",
    re.S,
)
_ATTR = r"(?:[#.][^\s{}]+|[\w\-]+=(?:\"[^\"]*\"|'[^']*'|[^\s{}\"']+))"
_ATTRS = re.compile(r"\{\s*(?:" + _ATTR + r"(?:\s+" + _ATTR + r")*)?\s*\}")
_DELIMS = {"*": re.compile(r"\*+"), "_": re.compile(r"_+")}


class CiteIndex:
    """One lexing pass over ``text``: what the parsers need, by position."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.match: dict[int, int] = {}  # "[" -> its balanced "]"
        self.after: dict[int, int] = {}  # "]" of a link or span -> end of its (destination) or {attributes}
        self.keys: dict[int, tuple[str, int, bool]] = {}  # key start ("@" or "-") -> key, end, suppress
        self.key_pos: list[int] = []
        self.events: list[int] = []  # "[", "]", ";" and key starts outside opaque spans
        self._key_end = -1  # a key is not a word: "@a@b" is two citations
        self._runs: dict[str, list[int]] = {}  # "*" or "_" -> ends of its delimiter runs
        self._no_closer: dict[int, int] = {}  # backtick run length -> position after which none closes it
        self._lex()

    def _lex(self) -> None:
        text, stack, pos = self.text, [], 0
        for m in _SPECIAL.finditer(text):
            i = m.start()
            if i < pos:
                continue
            c = text[i]
            if c == "[":
                pos = self._open(i, stack)
            elif c == "]":
                pos = self._close(i, stack)
            elif c == ";":
                self.events.append(i)
            elif c == "@":
                pos = self._at(i, pos)
            elif c == "`":
                pos = self._code_end(i)
            else:
                pos = _opaque_end(text, i)

    def _open(self, i: int, stack: list[int]) -> int:
        note = _NOTE_REF.match(self.text, i)  # [^1] is a footnote reference, never a citation
        if note:
            return note.end()
        stack.append(i)
        self.events.append(i)
        return i + 1

    def _close(self, i: int, stack: list[int]) -> int:
        self.events.append(i)
        if not stack:
            return i + 1
        opener = stack.pop()
        self.match[opener] = i
        if opener and self.text[opener - 1] == "^":
            return i + 1  # ^[an inline note] is never a link
        # a link destination or span attributes belong to the brackets: skip them whole
        tail = _DEST.match(self.text, i + 1) or _ATTRS.match(self.text, i + 1)
        if tail:
            self.after[i] = tail.end()
            return tail.end()
        return i + 1

    def _at(self, i: int, pos: int) -> int:
        key = _key_at(self.text, i + 1)
        if key is None:
            return i + 1
        if i - 1 >= pos and self.text[i - 1] == "-" and not self._after_str(i - 1):
            self._add_key(i - 1, (key[0], key[1], True))
        if self._after_str(i):
            # pandoc reads "x@a" as text "x" and an example reference "@a", after which
            # a key may start again: in "x@a@b" only b is a citation
            self._key_end = _EXAMPLE.match(self.text, i + 1).end()
            return self._key_end
        self._add_key(i, (key[0], key[1], False))
        self._key_end = key[1]
        return key[1]  # pandoc consumes the key, so "$" or "<" in it opens nothing

    def _after_str(self, i: int) -> bool:
        """Whether ``i`` directly follows a word, where pandoc refuses a key (e-mail addresses)."""
        if i == 0 or i == self._key_end:
            return False
        prev = self.text[i - 1]
        if prev.isalnum():
            return True
        if prev == ".":
            return _dots_end_str(self.text, i)
        return prev in "*_" and self._closes_emphasis(i)

    def _closes_emphasis(self, i: int) -> bool:
        # pandoc marks the end of *emphasis* like the end of a word; an odd number of
        # earlier delimiter runs means this run closes one (a heuristic, not a full parser)
        d = self.text[i - 1]
        if d not in self._runs:
            self._runs[d] = [m.end() for m in _DELIMS[d].finditer(self.text) if _is_delimiter(self.text, *m.span())]
        ends = self._runs[d]
        return bisect_left(ends, i) % 2 == 1

    def _code_end(self, i: int) -> int:
        text, j = self.text, i
        while j < len(text) and text[j] == "`":
            j += 1
        size = j - i
        if self._no_closer.get(size, len(text)) > j:
            m = _closer(size).search(text, j)
            if m:
                return m.end()
            self._no_closer[size] = j
        return i + 1  # pandoc then retries with one backtick fewer: ``a`b` has the code span `b`

    def _add_key(self, i: int, key: tuple[str, int, bool]) -> None:
        self.keys[i] = key
        self.key_pos.append(i)
        self.events.append(i)

    def has_key(self, lo: int, hi: int) -> bool:
        k = bisect_left(self.key_pos, lo)
        return k < len(self.key_pos) and self.key_pos[k] < hi

    def next_event(self, i: int) -> int:
        k = bisect_left(self.events, i)
        return self.events[k] if k < len(self.events) else -1


def _key_at(text: str, i: int) -> tuple[str, int] | None:
    """The key starting at ``i`` (just after "@") and where it ends."""
    if i < len(text) and text[i] == "{":
        return _braced_key(text, i)
    m = _KEY.match(text, i)
    return (m.group(), m.end()) if m else None


def _braced_key(text: str, i: int) -> tuple[str, int] | None:
    depth = 0
    for j in range(i, len(text)):
        c = text[j]
        if c.isspace():
            return None
        depth += (c == "{") - (c == "}")
        if depth == 0:
            return (text[i + 1 : j], j + 1) if j > i + 1 else None
    return None


def _dots_end_str(text: str, i: int) -> bool:
    # "..." is an ellipsis, any other final "." belongs to the word before
    j = i
    while j > 0 and text[j - 1] == ".":
        j -= 1
    run = i - j - (j > 0 and text[j - 1] == "\\")
    return run % 3 != 0


def _is_delimiter(text: str, lo: int, hi: int) -> bool:
    """Whether the ``*``/``_`` run at ``lo:hi`` can open or close emphasis."""
    before = text[lo - 1] if lo else " "
    after = text[hi] if hi < len(text) else " "
    if before.isspace() and after.isspace():
        return False
    return not (text[lo] == "_" and before.isalnum() and after.isalnum())


def _opaque_end(text: str, i: int) -> int:
    """End of the code span, math, HTML, autolink, escape or URL starting at ``i`` (``i + 1`` if none)."""
    c = text[i]
    if c == "\\":
        return i + 2 if i + 1 < len(text) and not text[i + 1].isalnum() else i + 1
    if c == "$":
        m = _MATH.match(text, i)
        return m.end() if m else i + 1
    if c == "<":
        m = _COMMENT.match(text, i) or _AUTOLINK.match(text, i) or _TAG.match(text, i)
        return m.end() if m else i + 1
    return _url_end(text, i)


@lru_cache(maxsize=64)
def _closer(size: int) -> re.Pattern[str]:
    return re.compile(r"(?<!`)" + "`" * size + r"(?!`)")


def _url_end(text: str, i: int) -> int:
    """End of a bare URL: pandoc's ``uri`` rules (balanced brackets, no trailing punctuation)."""
    j = text.index(":", i) + 1 if text[i] != "w" or text[i : i + 4].lower() != "www." else i + 4
    n = len(text)
    while j < n:
        c = text[j]
        if c.isalnum() or c in _URL_WORD:
            j += 1
        elif c in "([{" and (k := _url_chunk(text, j)):
            j = k
        elif not c.isspace() and c not in "<>" and j + 1 < n and (text[j + 1].isalnum() or text[j + 1] in _URL_WORD):
            j += 1
        else:
            break
    return j


def _url_chunk(text: str, j: int) -> int:
    close = {"(": ")", "[": "]", "{": "}"}[text[j]]
    k = j + 1
    while k < len(text) and not text[k].isspace() and text[k] not in "<>()[]{}":
        k += 1
    return k + 1 if k > j + 1 and k < len(text) and text[k] == close else 0
