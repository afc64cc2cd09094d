"""bibtexparser middlewares kb adds around the required decoding stack.

They fix what bibtexparser 2.1 leaves undone or gets wrong for real exports: field-name case and
repeated fields, ``#`` concatenation and month macros, verbatim fields (url, doi) that LaTeX
decoding would cut at ``%``, and three Zotero symbols. ``bibliography`` runs them in this order:
``NormalizeFields``, bibtexparser's defaults, ``ResolveMacros``, then ``LatexDecoding``.
"""

from __future__ import annotations

import re

from bibtexparser.library import Library
from bibtexparser.middlewares import BlockMiddleware, LatexDecodingMiddleware, LibraryMiddleware
from bibtexparser.model import Block, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock
from pylatexenc.latex2text import MacroTextSpec

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "file", "pdf"})
_BARE_AMPERSAND = re.compile(r"(?<!\\)&")
_CLEAN_RAW = "kb_clean_raw"
_DUP_FIELDS = "kb_duplicate_fields"
_MALFORMED = "kb_malformed_fields"  # [(field, what is wrong)]: values pandoc would refuse to read
_RAW_FIELDS = "kb_raw_fields"
# Text containing none of these is returned unchanged by pylatexenc (checked in the tests).
_LATEX_SPECIAL = re.compile(r"[\\{}$%~&]|--|``|''|!`|\?`")
_TEXT_SYMBOLS = {"textless": "<", "textgreater": ">", "textbar": "|"}
_UNDEFINED = "kb_undefined_macros"
_TOO_LARGE = "kb_too_large"  # an entry's field, or a @string, past MAX_FIELD_CHARS
MAX_FIELD_CHARS = 1 << 20  # a field's text, written or expanded: an abstract is a few thousand characters
MAX_EXPANDED_CHARS = 16 << 20  # all the text @string macros add to one file's fields and @strings
_VERBATIM = "kb_verbatim"


class NormalizeFields(BlockMiddleware):
    """Lower-case field names and keep the first of repeated fields, recording the repeats."""

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        return _dedupe_fields(entry, set())

    def transform_failed_block(self, failed_block: ParsingFailedBlock, library: Library) -> Block:
        if isinstance(failed_block, DuplicateFieldKeyBlock):
            return _dedupe_fields(failed_block.ignore_error_block, set(failed_block.duplicate_keys))
        return failed_block


def _dedupe_fields(entry: Entry, duplicates: set[str]) -> Entry:
    kept: dict[str, object] = {}
    for f in entry.fields:
        f.key = f.key.lower()
        if f.key in kept:
            duplicates.add(f.key)
        else:
            kept[f.key] = f
    # each field's value as written (braces, quotes, macros), to write a crossref child out resolved
    entry.set_parser_metadata(_RAW_FIELDS, {k: f.value for k, f in kept.items()})
    if duplicates:
        entry.fields = list(kept.values())
        entry.set_parser_metadata(_DUP_FIELDS, sorted({d.lower() for d in duplicates}))
        # Values are still raw here, so this is valid BibTeX that pandoc reads like we do.
        body = ",\n".join(f"  {f.key} = {f.value}" for f in entry.fields)
        entry.set_parser_metadata(_CLEAN_RAW, f"@{entry.entry_type}{{{entry.key},\n{body}\n}}")
    return entry


class ResolveMacros(LibraryMiddleware):
    """Evaluate ``#`` concatenation and month macros, and stash verbatim fields before LaTeX decoding.

    Concatenation multiplies: ten ``@string`` lines of ``a # a # ...`` make a gigabyte from a few hundred
    bytes. No value grows past ``MAX_FIELD_CHARS``: a ``@string`` that would is marked (``_TOO_LARGE``) and
    expands to nothing, and an entry with a field past it (written or expanded) is marked, for a finding."""

    def transform(self, library: Library) -> Library:
        macros: dict[str, str | None] = {m: name for m, name in zip(MONTHS, MONTH_NAMES, strict=True)}
        self._budget = [MAX_EXPANDED_CHARS]  # what macros may still add, across the file
        for string in library.strings:
            try:
                if string.enclosing == "no-enclosing":
                    string.value = _evaluate(string.value, macros, [], self._budget)
                _bounded(string.value)
            except _TooLarge:
                string.value = ""
                string.set_parser_metadata(_TOO_LARGE, True)
                macros[string.key.lower()] = None  # too large: an entry using it is too large too
                continue
            macros[string.key.lower()] = string.value
        for entry in library.entries:
            self._entry(entry, macros)
        return library

    def _entry(self, entry: Entry, macros: dict[str, str | None]) -> None:
        undefined: list[str] = []
        verbatim = {}
        malformed = []
        for f in entry.fields:
            try:
                if f.enclosing == "no-enclosing" and isinstance(f.value, str):
                    if problem := malformed_value(f.value):
                        malformed.append((f.key, problem))
                    f.value = _evaluate(f.value, macros, undefined, self._budget)
                _bounded(f.value)
            except _TooLarge:
                entry.set_parser_metadata(_TOO_LARGE, f.key)
                f.value = ""
                continue
            if f.key in VERBATIM_FIELDS and isinstance(f.value, str):
                verbatim[f.key] = f.value
                f.value = ""  # restored from the stash; spares LaTeX decoding a URL
        if verbatim:
            entry.set_parser_metadata(_VERBATIM, verbatim)
        if undefined:
            entry.set_parser_metadata(_UNDEFINED, undefined)
        if malformed:
            entry.set_parser_metadata(_MALFORMED, malformed)


class _TooLarge(Exception):
    pass


def _bounded(value: object) -> None:
    if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
        raise _TooLarge


def _evaluate(expr: str, macros: dict[str, str | None], undefined: list[str], budget: list[int]) -> str:
    """Value of ``a # "b" # {c} # 12``; an undefined macro keeps its name and is recorded. Raises
    ``_TooLarge`` past ``MAX_FIELD_CHARS`` (before the value is built), for a macro marked too large, or
    when the macros' text would exceed the file's ``budget`` (many @strings just under the field bound)."""
    out, size = [], 0
    for part in _split_concat(expr):
        part = part.strip()
        if len(part) >= 2 and part[0] + part[-1] in ('""', "{}"):
            value = part[1:-1]
        elif part.isdigit() or not part:
            value = part
        elif part.lower() in macros:
            value = macros[part.lower()]
            if value is None or len(value) > budget[0]:
                raise _TooLarge
            budget[0] -= len(value)
        else:
            undefined.append(part)
            value = part
        size += len(value)
        if size > MAX_FIELD_CHARS:
            raise _TooLarge
        out.append(value)
    return "".join(out)


_MACRO_NAME = re.compile(r"[^\s\"#%'(),={}]+")
_NEXT_FIELD = re.compile(r"\s*([A-Za-z][\w:-]*)\s*=")


def malformed_value(expr: str) -> str:
    """What is wrong with an unenclosed value, or "": each ``#`` part must be one ``{…}``, ``"…"``, number
    or macro name. bibtexparser reads a missing comma as one value running into the next field
    (``{Journal} volume = 26``), which pandoc refuses; say which field follows."""
    for part in _split_concat(expr):
        part = part.strip()
        rest = _after_token(part)
        if rest is None or not rest.strip():
            continue
        m = _NEXT_FIELD.match(rest)
        if m:
            runs_on = " ".join(rest.split())
            return f"a comma is missing after its value, before the field '{m.group(1)}' (it runs on into '{runs_on}')"
        return f"'{' '.join(part.split())}' is not one value; put it in braces, or join its parts with #"
    return ""


def _after_token(part: str) -> str | None:
    """What follows the first value of ``part``; None when ``part`` is one valid value or empty."""
    if not part:
        return None
    if part[0] in '{"':
        depth = 0  # braces nest inside either delimiter; a quote closes only outside them
        for i, ch in enumerate(part):
            depth += (ch == "{") - (ch == "}")
            if (part[0] == "{" and depth == 0) or (part[0] == '"' and i and ch == '"' and depth == 0):
                return part[i + 1 :] or None
        return None  # unbalanced: bibtexparser reports that itself
    m = _MACRO_NAME.match(part)
    return None if m and m.end() == len(part) else (part[m.end() :] if m else part)


def _split_concat(expr: str) -> list[str]:
    """Split on ``#`` outside braces and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(expr):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            parts.append(expr[start:i])
            start = i + 1
    parts.append(expr[start:])
    return parts


class LatexDecoding(LatexDecodingMiddleware):
    """``LatexDecodingMiddleware`` that skips pylatexenc for text it would return unchanged.

    pylatexenc costs ~0.4 ms a value and is most of the load time; plain text is its identity.
    Zotero's ``{\\textless}``, ``{\\textgreater}`` and ``{\\textbar}`` are taught to it (it drops them).
    A bare ``&`` (an alignment tab to LaTeX) would become spaces, so it is read as a literal ``\\&``.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # pylatexenc drops these text-mode symbols, which Zotero writes for < > |.
        decoder = getattr(self, "_decoder", None)
        if decoder is not None:
            decoder.latex_context.add_context_category(
                "kb-tools-symbols",
                prepend=True,
                macros=[MacroTextSpec(name, text) for name, text in _TEXT_SYMBOLS.items()],
            )

    def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
        if not _LATEX_SPECIAL.search(python_string):
            return python_string, ""
        return super()._transform_python_value_string(_BARE_AMPERSAND.sub(r"\\&", python_string))
