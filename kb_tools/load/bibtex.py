"""Load BibTeX files into ``Source`` records; every problem becomes a ``Finding``, never an exception.

Parsing is bibtexparser 2.x with this parse stack (all in place, one pass each):

1. ``bibmiddleware.NormalizeFields`` (ours): lower-case field names; unwrap a ``DuplicateFieldKeyBlock`` back into
   its entry, keeping each field's *first* value as BibTeX does (reported as a ``bib-syntax`` warning).
2. ``ResolveStringReferencesMiddleware``, ``RemoveEnclosingMiddleware``: bibtexparser's default stack.
3. ``bibmiddleware.ResolveMacros`` (ours): ``#`` concatenation and the predefined month macros (``jan`` …), which
   bibtexparser leaves as raw text; and a stash of the verbatim fields (url, doi, …) before LaTeX
   decoding, because pylatexenc reads the ``%`` in ``a%20b`` as a comment and drops the rest.
4. ``LatexDecodingMiddleware(keep_braced_groups=True)`` (as ``bibmiddleware.LatexDecoding``, which only adds a
   fast path for plain text and three Zotero symbols), ``SeparateCoAuthors``, ``SplitNameParts``:
   braces survive decoding, so ``{U.S. Food and Drug Administration}`` stays one (literal) author;
   we strip the remaining protective braces when building display values.

Decisions worth knowing:

* Duplicate fields in one entry: warning-level ``bib-syntax``; the entry loads with the first value.
* What pandoc would refuse is caught here, so what passes the check builds: a value that runs on into the
  next field (a missing comma: ``bibmiddleware.malformed_value``), a key or field name with a character
  pandoc's reader rejects (``bibfields``). Each is an error-level ``bib-syntax`` at the field's (or entry's)
  line and the entry is skipped; anything else pandoc refuses is named at its entry by ``pandoc.blame``.
* Duplicate keys (in a file or across files): a ``duplicate-source`` error at *every* copy, each naming the
  others. The site (a preview; ``kb build`` refuses the error) uses the first in reading order: the
  ``bibliography:`` patterns in the order given, each pattern's files by name, then line order. So a stub
  file that sorts first wins over the original, and both findings say so.
* ``crossref`` (one level, BibLaTeX style): the child takes every field it lacks from the parent,
  except that the parent's ``title``/``subtitle``/``titleaddon`` become ``booktitle``/``booksubtitle``/
  ``booktitleaddon``, its ``author`` becomes ``bookauthor`` (and also ``author`` for ``@inbook``), and
  ``crossref``, ``xref``, ``ids``, ``shorttitle``, ``evidence``, ``design`` and ``authority`` (properties
  of the work itself) are never inherited. Parents may live in another file.
* ``@string`` macros are per file, as bibtexparser resolves them per parse.

One entry's fields become a ``Record`` and then a ``Source`` in ``bibfields.py``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import bibtexparser
from bibtexparser.middlewares import (
    RemoveEnclosingMiddleware,
    ResolveStringReferencesMiddleware,
    SeparateCoAuthors,
    SplitNameParts,
)
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    Entry,
    MiddlewareErrorBlock,
    ParsingFailedBlock,
    Preamble,
    String,
)

from ..core.codes import BIB_SYNTAX, BIB_WARNING, DUPLICATE_SOURCE, finding
from ..core.model import Finding, Location, Person, Source
from .bibfields import Record, block_location, record_of, source_of
from .bibmiddleware import (
    _CLEAN_RAW,
    _TOO_LARGE,
    MAX_EXPANDED_CHARS,
    MAX_FIELD_CHARS,
    LatexDecoding,
    NormalizeFields,
    ResolveMacros,
)

# bibtexparser logs every syntax error as a warning; we report them as findings instead, so keep
# Python's last-resort handler from also printing them on stderr.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

_NOT_INHERITED = frozenset({"crossref", "xref", "ids", "shorttitle", "evidence", "design", "authority", "entryset"})
_RENAMED_ON_INHERIT = {"title": "booktitle", "subtitle": "booksubtitle", "titleaddon": "booktitleaddon"}


@dataclass(frozen=True)
class BibResult:
    """What the bibliography stage hands on: sources, load-time findings and pandoc-safe BibTeX."""

    sources: tuple[Source, ...]
    findings: tuple[Finding, ...]
    clean_bibtex: str


@dataclass
class _Parsed:
    """One file's kept blocks in order (``record`` is None for @string/@preamble) and its findings."""

    path: str
    blocks: list[tuple[str, Record | None]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    duplicates: list[tuple[str, Location]] = field(default_factory=list)  # a key's later copies in this file


# --- public API -------------------------------------------------------------------------------------------


def load_sources(files: list[Path], root: Path, contents: dict[Path, bytes] | None = None) -> BibResult:
    """Load every file (paths shown relative to ``root``); keys must be unique across all of them.
    ``contents``: files' bytes already read (``kb_tools.store.loadcache`` keys the result on them), not read again."""
    contents = contents or {}
    return _finish([_parse_file(Path(f), Path(root), contents.get(f)) for f in files])


def load_bib_text(text: str, path: str) -> BibResult:
    """Load one BibTeX text; ``path`` is the KB-relative path used in locations."""
    return _finish([_parse_text(text, path)])


# --- reading and parsing ----------------------------------------------------------------------------------


def decode_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, else Latin-1, which never fails."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _display_path(file: Path, root: Path) -> str:
    try:
        return file.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return file.as_posix()


def _parse_file(file: Path, root: Path, data: bytes | None = None) -> _Parsed:
    path = _display_path(file, root)
    try:
        data = file.read_bytes() if data is None else data
    except OSError as exc:
        msg = f"cannot read this bibliography file ({exc.strerror or exc}); check that it exists and is readable"
        return _Parsed(path, findings=[_finding(BIB_SYNTAX, Location(path, 1), msg)])
    return _parse_text(decode_bytes(data), path)


@cache
def _parse_stack() -> tuple:
    return (
        NormalizeFields(),
        ResolveStringReferencesMiddleware(),
        RemoveEnclosingMiddleware(),
        ResolveMacros(),
        LatexDecoding(keep_braced_groups=True),
        SeparateCoAuthors(),
        SplitNameParts(),
    )


def _parse_text(text: str, path: str) -> _Parsed:
    # The splitter counts only "\n"; normalise so lines match what editors show.
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    parsed = _Parsed(path)
    try:
        library = bibtexparser.parse_string(text, parse_stack=list(_parse_stack()))
    except Exception as exc:  # a parser bug must not stop the build; report it instead
        msg = f"bibtexparser could not read this file ({type(exc).__name__}: {exc}); check its syntax"
        parsed.findings.append(_finding(BIB_SYNTAX, Location(path, 1), msg))
        return parsed
    _fix_start_lines(text, library.blocks)
    for block in library.blocks:
        try:
            _take_block(block, parsed)
        except Exception as exc:  # one odd entry must not hide the others
            msg = f"this block could not be loaded ({type(exc).__name__}: {exc}); check its syntax"
            parsed.findings.append(_finding(BIB_SYNTAX, block_location(path, block), msg))
    return parsed


def _fix_start_lines(text: str, blocks: list[Block]) -> None:
    """Set each block's start line from where its raw text really stands.

    bibtexparser 2.1's own ``start_line`` drifts in long files (by 16 lines after 1,000 in
    TeX Live's texbook1.bib), and a finding at the wrong line sends an editor to the wrong entry.
    """
    cursor, line = 0, 0
    first_line: dict[str, int] = {}
    for block in blocks:
        raw = block.raw or ""
        at = text.find(raw, cursor) if raw else -1
        if at < 0:
            continue
        line += text.count("\n", cursor, at)
        cursor = at
        block._start_line_in_file = line  # noqa: SLF001 - bibtexparser offers no setter
        first_line.setdefault(raw, line)
        previous = getattr(block, "previous_block", None)
        if previous is not None and previous.raw in first_line:
            previous._start_line_in_file = first_line[previous.raw]  # noqa: SLF001


def _take_block(block: Block, parsed: _Parsed) -> None:
    """Keep a good block (with its raw text for pandoc) or turn a bad one into a finding."""
    path = parsed.path
    if isinstance(block, DuplicateBlockKeyBlock) and not isinstance(block.previous_block, String):
        parsed.duplicates.append((block.key, block_location(path, block)))
    elif isinstance(block, ParsingFailedBlock):
        parsed.findings.append(_failed_block_finding(block, path))
    elif isinstance(block, Entry | String) and block.get_parser_metadata(_TOO_LARGE):
        parsed.findings.append(_too_large_finding(block, path))  # and never handed to pandoc
    elif isinstance(block, Entry):
        record = record_of(block, path, parsed.findings)
        if record is not None:
            parsed.blocks.append((block.get_parser_metadata(_CLEAN_RAW) or block.raw or "", record))
    elif isinstance(block, String | Preamble) and block.raw:
        parsed.blocks.append((block.raw, None))


def _too_large_finding(block: Entry | String, path: str) -> Finding:
    limit = f"{MAX_FIELD_CHARS / (1 << 20):g} MB"
    if isinstance(block, String):
        msg = (
            f"@string '{block.key}' is over {limit} once its parts are joined with #; kb reads no field that "
            "large (nor hands it to pandoc), and it expands to nothing here: shorten it"
        )
        return _finding(BIB_SYNTAX, block_location(path, block), msg)
    field = block.get_parser_metadata(_TOO_LARGE)
    msg = (
        f"'{block.key}': its {field} field is over {limit} as written or once its @string macros are joined "
        f"(or the file's macros add over {MAX_EXPANDED_CHARS >> 20} MB in all); kb reads no field that large, "
        "so the entry was skipped: shorten the field or remove it"
    )
    return _finding(BIB_SYNTAX, block_location(path, block), msg, source=block.key)


def _failed_block_finding(block: ParsingFailedBlock, path: str) -> Finding:
    loc = block_location(path, block)
    if isinstance(block, DuplicateBlockKeyBlock):
        first = block_location(path, block.previous_block)
        msg = f"@string '{block.key}' is defined again here; the first definition at {first} is used"
        return _finding(BIB_SYNTAX, loc, msg + ", so delete or rename one of them")
    if isinstance(block, MiddlewareErrorBlock):
        what = getattr(block.ignore_error_block, "key", "") or "this block"
        msg = f"'{what}' could not be decoded ({_one_line(block.error)}); it was skipped"
        return _finding(BIB_SYNTAX, loc, msg + ". Fix the name list or LaTeX in it", source=_raw_key(block))
    reason = getattr(block.error, "abort_reason", "") or _one_line(block.error)
    key = _raw_key(block)
    msg = (
        f"{f'entry {key!r}' if key else 'this BibTeX block'} could not be parsed ({reason.strip()}); it was skipped. "
        "Look for an unbalanced brace or quote, or a missing comma between fields, in this entry"
    )
    return _finding(BIB_SYNTAX, loc, msg, source=key)


_RAW_KEY = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]\s*([^,\s{}()=\"#%\\]+)\s*,")


def _raw_key(block: Block) -> str | None:
    """The key a failed block's raw text names (``@article{key,``), so a citation of it can point here."""
    m = _RAW_KEY.match(block.raw or "")
    return m.group(2) if m and m.group(1).lower() not in ("string", "preamble", "comment") else None


# --- across files: duplicates, crossref, sources ----------------------------------------------------------


def _finish(parsed_files: Iterable[_Parsed]) -> BibResult:
    findings: list[Finding] = []
    records: list[Record] = []
    first_seen: dict[str, Location] = {}
    copies: dict[str, list[Location]] = {}  # a key's copies the site does not use, in reading order
    pieces: list[str] = []
    piece_of: dict[str, int] = {}
    for parsed in parsed_files:
        findings.extend(parsed.findings)
        for key, loc in parsed.duplicates:
            copies.setdefault(key, []).append(loc)
        for raw, record in parsed.blocks:
            if record is not None:
                if record.key in first_seen:
                    copies.setdefault(record.key, []).append(record.location)
                    continue
                first_seen[record.key] = record.location
                records.append(record)
                piece_of[record.key] = len(pieces)
            pieces.append(raw.strip())
    findings += _duplicate_findings(first_seen, copies)
    by_key = {r.key: r for r in records}
    for rec in records:
        parent = by_key.get(rec.fields.get("crossref", ""))
        if parent is not None and parent is not rec and rec.raw and parent.raw:
            pieces[piece_of[rec.key]] = _resolved_bibtex(rec, parent)
    records = _resolve_crossrefs(records, findings)
    sources = tuple(source_of(r, findings) for r in records)
    clean = "\n\n".join(pieces) + "\n" if pieces else ""
    return BibResult(sources, tuple(sorted(findings, key=lambda f: f.location)), clean)


def _resolve_crossrefs(records: list[Record], findings: list[Finding]) -> list[Record]:
    by_key = {r.key: r for r in records}
    out = []
    for rec in records:
        parent_key = rec.fields.get("crossref", "")
        if not parent_key:
            out.append(rec)
            continue
        parent = by_key.get(parent_key)
        if parent is None or parent is rec:
            msg = f"'{rec.key}' has crossref '{parent_key}', which is not in the bibliography; add that entry"
            findings.append(_finding(BIB_WARNING, rec.location, msg + " or remove the crossref", source=rec.key))
            out.append(rec)
        else:
            out.append(_inherit(rec, parent))
    return out


def _inherit(child: Record, parent: Record) -> Record:
    """The child with the parent's missing fields, BibLaTeX-style (see the module docstring)."""
    fields, people = dict(child.fields), dict(child.people)

    def give(name: str, value: str, persons: tuple[Person, ...] | None) -> None:
        if name not in fields:
            fields[name] = value
            if persons is not None:
                people[name] = persons

    for name, value in parent.fields.items():
        if name in _NOT_INHERITED:
            continue
        persons = parent.people.get(name)
        if name == "author":
            give("bookauthor", value, persons)
            if child.entry_type in ("inbook", "bookinbook", "suppbook"):
                give("author", value, persons)
        else:
            give(_RENAMED_ON_INHERIT.get(name, name), value, persons)
    return Record(child.key, child.entry_type, child.location, fields, people)


def _resolved_bibtex(child: Record, parent: Record) -> str:
    """The child as pandoc should read it: its own fields plus what it inherits, with no ``crossref``.

    Pandoc given the raw child (even with its parent) prints a chapter without "In *Book*" and its
    editors; given this, it prints what the loader resolved. Values stay as written (braces, macros).
    """
    fields = {k: v for k, v in child.raw.items() if k != "crossref"}
    for name, value in parent.raw.items():
        if name in _NOT_INHERITED:
            continue
        if name == "author":
            fields.setdefault("bookauthor", value)
            if child.entry_type in ("inbook", "bookinbook", "suppbook"):
                fields.setdefault("author", value)
        else:
            fields.setdefault(_RENAMED_ON_INHERIT.get(name, name), value)
    body = ",\n".join(f"  {k} = {v}" for k, v in fields.items())
    return f"@{child.entry_type}{{{child.key},\n{body}\n}}"


# --- findings ---------------------------------------------------------------------------------------------


_ORDER = "the first in reading order: bibliography: patterns as listed, each pattern's files by name, then by line"


def _duplicate_findings(used: dict[str, Location], copies: dict[str, list[Location]]) -> list[Finding]:
    """A ``duplicate-source`` at every copy of a key, each saying which copy a preview uses and why."""
    out = []
    for key, others in copies.items():
        first = used.get(key)
        if first is None:  # every copy failed to load but one duplicate block: nothing is used
            continue
        fix = ". Delete all but one, or give them different keys; kb build publishes neither until then"
        where = ", ".join(str(loc) for loc in others)
        msg = f"'{key}' is defined more than once (again at {where}); a preview uses this one, {_ORDER}"
        out.append(_finding(DUPLICATE_SOURCE, first, msg + fix, source=key))
        for loc in others:
            msg = f"'{key}' is defined again here; a preview uses the one at {first}, {_ORDER}, and ignores this one"
            out.append(_finding(DUPLICATE_SOURCE, loc, msg + fix, source=key))
    return out


def _finding(code: str, loc: Location, message: str, source: str | None = None) -> Finding:
    return finding(code, loc, message, source=source)


def _one_line(error: object) -> str:
    return " ".join(str(error).split())[:300]
