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
    """Evaluate ``#`` concatenation and month macros, and stash verbatim fields before LaTeX decoding."""

    def transform(self, library: Library) -> Library:
        macros = {m: name for m, name in zip(MONTHS, MONTH_NAMES, strict=True)}
        for string in library.strings:
            if string.enclosing == "no-enclosing":
                string.value = _evaluate(string.value, macros, [])
            macros[string.key.lower()] = string.value
        for entry in library.entries:
            undefined: list[str] = []
            verbatim = {}
            malformed = []
            for f in entry.fields:
                if f.enclosing == "no-enclosing" and isinstance(f.value, str):
                    if problem := malformed_value(f.value):
                        malformed.append((f.key, problem))
                    f.value = _evaluate(f.value, macros, undefined)
                if f.key in VERBATIM_FIELDS and isinstance(f.value, str):
                    verbatim[f.key] = f.value
                    f.value = ""  # restored from the stash; spares LaTeX decoding a URL
            if verbatim:
                entry.set_parser_metadata(_VERBATIM, verbatim)
            if undefined:
                entry.set_parser_metadata(_UNDEFINED, undefined)
            if malformed:
                entry.set_parser_metadata(_MALFORMED, malformed)
        return library


def _evaluate(expr: str, macros: dict[str, str], undefined: list[str]) -> str:
    """Value of ``a # "b" # {c} # 12``; an undefined macro keeps its name and is recorded."""
    out = []
    for part in _split_concat(expr):
        part = part.strip()
        if len(part) >= 2 and part[0] + part[-1] in ('""', "{}"):
            out.append(part[1:-1])
        elif part.isdigit() or not part:
            out.append(part)
        elif part.lower() in macros:
            out.append(macros[part.lower()])
        else:
            undefined.append(part)
            out.append(part)
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
