"""Numbers a text states, normalised so a claim's figures can be matched against its sources'.

The rules (documented for editors in docs/editors-guide.md):

* integers, with or without thousands separators (``2,665`` is ``2665``), and decimals
  (``0.5``, ``.5`` and ``0.50`` are one value); the sign is not compared: the words say the direction;
* a percentage (``45%``, ``45 %``, ``45 percent``, ``45 per cent``, ``45 percentage points``) is a
  number of its own kind: ``45%`` and a bare ``45`` do not stand for each other;
* a range (``14 to 19``, ``14–19``, ``14-19``) is its two endpoints, each checked; a percent sign after
  the range applies to both (``14–19%`` is ``14%`` and ``19%``);
* the words one to twenty (and twenty-one to twenty-nine), except "one" used as a pronoun ("one of",
  "no one", "one another", "an acceptable one"); "a"/"an", "half", "once" and ordinals in words are not numbers;
* a token that starts with a letter is a name, not a number (``COVID-19``, ``NG59``, ``HT2A``,
  ``PHQ-9``), and so is a number joined by a hyphen to a name with capitals or digits (``5-HT2A``);
  a number with a unit glued to it (``10mg``, ``3rd``) is a number;
* nothing inside code spans, link destinations, URLs, HTML tags, comments or entities is a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_NAMES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_NAMES += ("thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")
_WORDS = {w: n for n, w in enumerate(_NAMES, start=1)}
_UNITS = {w: n for w, n in _WORDS.items() if n < 10}
_SEP = "[,\u00a0\u2009\u202f]"  # thousands separators: comma, no-break, thin and narrow no-break spaces
_NUM = rf"(?:\d{{1,3}}(?:{_SEP}\d{{3}})+(?!\d)|\d+)(?:\.\d+)?|\.\d+"
_PERCENT = r"\s?(?:%|percent(?:age)?(?:\s+points?)?\b|per\s+cent\b)"
_DASH = r"\s*(?:–|—|-|‒|to)\s*"
# a number not glued to a preceding letter, digit, or decimal point
_TOKEN = re.compile(
    rf"(?<![\w.])(?<![\w]-)(?P<a>{_NUM})(?P<ap>{_PERCENT})?"
    rf"(?:(?P<dash>{_DASH})(?P<b>{_NUM})(?P<bp>{_PERCENT})?)?",
    re.I,
)
_WORD = re.compile(
    r"(?<![\w-])(?P<w>twenty-(?:" + "|".join(_UNITS) + r")|" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")"
    rf"(?P<p>{_PERCENT})?(?![\w])",
    re.I,
)
# "no one", "an acceptable one", "the first one": "one" after a determiner (and maybe one adjective),
# unless a hyphen makes it a count ("a one-year follow-up")
_PRONOUN_BEFORE = re.compile(r"\b(?:no|any|each|every|this|that|the|which|a|an)\s+(?:[a-z]+\s+)?$", re.I)
_PRONOUN_AFTER = re.compile(
    r"^(?:\s+(?:of|another|or\s+more|or\s+other|by\s+one)\b|-(?:off|time|to-one|on-one)\b)", re.I
)
_NAME_AFTER = re.compile(r"^-?(?:[A-Z]{2,}|[A-Za-z]*\d)")  # "5-HT2A", "5HT": a name, not a count
# what in Markdown text holds characters that are not the text's words
_OPAQUE = re.compile(
    r"`+[^`]*?`+"  # code spans (approximate: enough to hide the digits inside)
    r"|<!--.*?-->"  # comments
    r"|<[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*>"  # autolinks
    r"|</?[A-Za-z][^<>]*>"  # HTML tags and their attributes
    r"|\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)"  # link and image destinations
    r"|\]\[[^\]]*\]"  # reference-link labels
    r"|\[\^[^\]]*\]"  # footnote references
    r"|\{[:#.][^{}]*\}"  # attribute lists
    r"|&#?\w+;"  # entities
    r"|(?i:https?|ftp)://\S+|\bwww\.\S+"  # bare URLs
    r"|\b10\.\d{4,9}/\S+",  # bare DOIs
    re.S,
)
# cheap tests that let most texts skip the scans above (a check reads every claim on every run)
_MAY_HIDE = re.compile(r"[`<\]{&]|://|www\.")
_MAY_COUNT = re.compile(r"\d|(?i:\b(?:one|two|thr|thi|fou|fiv|six|sev|eig|nin|ten|ele|twe|fif))")


@dataclass(frozen=True, slots=True)
class Number:
    """A value as the text states it: ``value`` is normalised, ``text`` as written, ``start`` its offset."""

    value: Decimal
    percent: bool
    text: str
    start: int = 0

    @property
    def key(self) -> tuple[Decimal, bool]:
        return (self.value, self.percent)

    def __str__(self) -> str:
        return self.text


def normalise(text: str) -> Decimal | None:
    """``"2,665"`` → 2665, ``".50"`` → 0.5; None when ``text`` is not a plain number."""
    digits = re.sub(_SEP, "", text.strip())
    if not re.fullmatch(r"\d*\.?\d+|\d+\.", digits):
        return None
    if "." in digits:  # exact, whatever its length: Decimal's normalize() would round past 28 digits
        digits = digits.rstrip("0").rstrip(".")
    try:
        return Decimal(digits.lstrip("0") or "0")
    except InvalidOperation:
        return None


def mask(text: str) -> str:
    """``text`` with code, links' destinations, URLs, tags and entities blanked (offsets and lines kept)."""
    if not _MAY_HIDE.search(text) and "10." not in text:
        return text
    return _OPAQUE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def extract(text: str, masked: bool = False) -> list[Number]:
    """Every number ``text`` states, in order; a range gives both endpoints."""
    if not _MAY_COUNT.search(text):
        return []
    if not masked:
        text = mask(text)
    out: list[Number] = []
    for m in _TOKEN.finditer(text):
        a_end = m.end("ap") if m.group("ap") else m.end("a")
        if m.group("b") is None and not m.group("ap") and _NAME_AFTER.match(text[a_end:]):
            continue  # "5-HT2A", "5HT": part of a name
        b_percent = bool(m.group("bp"))
        # (digits, percent, own suffix, start, end); "14–19%": both ends are percentages
        parts = [(m.group("a"), bool(m.group("ap")) or b_percent, bool(m.group("ap")), m.start("a"), a_end)]
        if m.group("b") is not None:
            parts.append((m.group("b"), b_percent, b_percent, m.start("b"), m.end("bp") if b_percent else m.end("b")))
        for digits, percent, own, start, end in parts:
            value = normalise(digits)
            if value is not None:
                written = text[start:end] if own or not percent else digits + "%"
                out.append(Number(value, percent, written, start))
    for m in _WORD.finditer(text):
        word = m.group("w").lower()
        after = text[m.end("w") :]
        pronoun = _PRONOUN_BEFORE.search(text[max(0, m.start() - 40) : m.start()]) and not after.startswith("-")
        if word == "one" and (pronoun or _PRONOUN_AFTER.match(after)):
            continue
        n = 20 + _UNITS[word.split("-")[1]] if word.startswith("twenty-") else _WORDS[word]
        out.append(Number(Decimal(n), bool(m.group("p")), m.group(), m.start()))
    return sorted(out, key=lambda n: n.start)


def values(text: str) -> set[tuple[Decimal, bool]]:
    """The normalised numbers of a source's text (a record's value or a bibliographic field)."""
    return {n.key for n in extract(text)}
