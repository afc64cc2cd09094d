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
* Duplicate keys (in a file or across files): ``duplicate-source`` at the later one; the first wins.
* ``crossref`` (one level, BibLaTeX style): the child takes every field it lacks from the parent,
  except that the parent's ``title``/``subtitle``/``titleaddon`` become ``booktitle``/``booksubtitle``/
  ``booktitleaddon``, its ``author`` becomes ``bookauthor`` (and also ``author`` for ``@inbook``), and
  ``crossref``, ``xref``, ``ids``, ``shorttitle``, ``evidence``, ``design`` and ``authority`` (properties
  of the work itself) are never inherited. Parents may live in another file.
* ``@string`` macros are per file, as bibtexparser resolves them per parse.
* ``and others`` stays as ``Person(last="others")``, BibTeX's convention, so a renderer can print "et al.".
* An invalid ``sourcetype``, ``evidence``, ``design`` or ``authority`` is reported and left ``""`` on the ``Source``.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import bibtexparser
from bibtexparser.middlewares import (
    NameParts,
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

from .bibmiddleware import (
    _CLEAN_RAW,
    _DUP_FIELDS,
    _RAW_FIELDS,
    _UNDEFINED,
    _VERBATIM,
    MONTHS,
    LatexDecoding,
    NormalizeFields,
    ResolveMacros,
)
from .codes import finding
from .config import EVIDENCE_LEVELS, SOURCE_TYPES
from .grading import AUTHORITIES, DESIGNS, NO_DESIGN, from_evidence
from .model import Finding, Location, Person, Source

# bibtexparser logs every syntax error as a warning; we report them as findings instead, so keep
# Python's last-resort handler from also printing them on stderr.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

NAME_FIELDS = ("author", "editor", "translator")
CONTAINER_FIELDS = ("journal", "journaltitle", "booktitle", "publisher", "institution", "organization", "school")
_NOT_INHERITED = frozenset({"crossref", "xref", "ids", "shorttitle", "evidence", "design", "authority", "entryset"})
_RENAMED_ON_INHERIT = {"title": "booktitle", "subtitle": "booksubtitle", "titleaddon": "booktitleaddon"}

_BAD_KEY = re.compile(r"[\s{}(),=\"#%\\]")
_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_ISO_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


@dataclass(frozen=True)
class BibResult:
    """What the bibliography stage hands on: sources, load-time findings and pandoc-safe BibTeX."""

    sources: tuple[Source, ...]
    findings: tuple[Finding, ...]
    clean_bibtex: str


@dataclass
class _Record:
    """One entry between parsing and ``Source``: decoded display fields and split names."""

    key: str
    entry_type: str
    location: Location
    fields: dict[str, str]
    people: dict[str, tuple[Person, ...]] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # field values as written, for pandoc


@dataclass
class _Parsed:
    """One file's kept blocks in order (``record`` is None for @string/@preamble) and its findings."""

    path: str
    blocks: list[tuple[str, _Record | None]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


# --- public API -------------------------------------------------------------------------------------------


def load_sources(files: list[Path], root: Path) -> BibResult:
    """Load every file (paths shown relative to ``root``); keys must be unique across all of them."""
    return _finish([_parse_file(Path(f), Path(root)) for f in files])


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


def _parse_file(file: Path, root: Path) -> _Parsed:
    path = _display_path(file, root)
    try:
        data = file.read_bytes()
    except OSError as exc:
        msg = f"cannot read this bibliography file ({exc.strerror or exc}); check that it exists and is readable"
        return _Parsed(path, findings=[_finding("bib-syntax", Location(path, 1), msg)])
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
        parsed.findings.append(_finding("bib-syntax", Location(path, 1), msg))
        return parsed
    _fix_start_lines(text, library.blocks)
    for block in library.blocks:
        try:
            _take_block(block, parsed)
        except Exception as exc:  # one odd entry must not hide the others
            msg = f"this block could not be loaded ({type(exc).__name__}: {exc}); check its syntax"
            parsed.findings.append(_finding("bib-syntax", _loc(path, block), msg))
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
    if isinstance(block, ParsingFailedBlock):
        parsed.findings.append(_failed_block_finding(block, path))
    elif isinstance(block, Entry):
        record = _record(block, path, parsed.findings)
        if record is not None:
            parsed.blocks.append((block.get_parser_metadata(_CLEAN_RAW) or block.raw or "", record))
    elif isinstance(block, String | Preamble) and block.raw:
        parsed.blocks.append((block.raw, None))


def _failed_block_finding(block: ParsingFailedBlock, path: str) -> Finding:
    loc = _loc(path, block)
    if isinstance(block, DuplicateBlockKeyBlock):
        first = _loc(path, block.previous_block)
        if isinstance(block.previous_block, String):
            msg = f"@string '{block.key}' is defined again here; the first definition at {first} is used"
            return _finding("bib-syntax", loc, msg + ", so delete or rename one of them")
        return _duplicate_finding(block.key, loc, first)
    if isinstance(block, MiddlewareErrorBlock):
        what = getattr(block.ignore_error_block, "key", "") or "this block"
        msg = f"'{what}' could not be decoded ({_one_line(block.error)}); it was skipped"
        return _finding("bib-syntax", loc, msg + ". Fix the name list or LaTeX in it", source=_raw_key(block))
    reason = getattr(block.error, "abort_reason", "") or _one_line(block.error)
    key = _raw_key(block)
    msg = (
        f"{f'entry {key!r}' if key else 'this BibTeX block'} could not be parsed ({reason.strip()}); it was skipped. "
        "Look for an unbalanced brace or quote, or a missing comma between fields, in this entry"
    )
    return _finding("bib-syntax", loc, msg, source=key)


_RAW_KEY = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]\s*([^,\s{}()=\"#%\\]+)\s*,")


def _raw_key(block: Block) -> str | None:
    """The key a failed block's raw text names (``@article{key,``), so a citation of it can point here."""
    m = _RAW_KEY.match(block.raw or "")
    return m.group(2) if m and m.group(1).lower() not in ("string", "preamble", "comment") else None


# --- entries to records -----------------------------------------------------------------------------------


def _record(entry: Entry, path: str, findings: list[Finding]) -> _Record | None:
    """Decode one entry's fields; None (with a finding) when its key is unusable."""
    loc = _loc(path, entry)
    key = entry.key
    if not key or _BAD_KEY.search(key):
        msg = f"entry key '{key}' is empty or contains spaces, braces, commas or quotes"
        findings.append(_finding("bib-syntax", loc, msg + "; give it a key such as smith2020"))
        return None
    if dups := entry.get_parser_metadata(_DUP_FIELDS):
        msg = f"'{key}' gives the field(s) {', '.join(dups)} more than once; the first value is used"
        findings.append(_finding("bib-warning", loc, msg + ", so delete the other copies", source=key))
    if undefined := entry.get_parser_metadata(_UNDEFINED):
        names = ", ".join(dict.fromkeys(undefined))
        msg = f"'{key}' uses undefined @string macro(s) {names}; define them or put the value in braces"
        findings.append(_finding("bib-warning", loc, msg, source=key))
    verbatim = entry.get_parser_metadata(_VERBATIM) or {}
    rec = _Record(key, entry.entry_type.lower(), loc, {}, raw=entry.get_parser_metadata(_RAW_FIELDS) or {})
    findings.extend(_split_organisations(rec))
    for f in entry.fields:
        if f.key in rec.fields or f.key in rec.people:
            continue
        if f.key in verbatim:
            rec.fields[f.key] = _verbatim(verbatim[f.key])
        elif f.key in NAME_FIELDS and isinstance(f.value, list):
            rec.people[f.key] = tuple(_person(p) for p in f.value if isinstance(p, NameParts))
            rec.fields[f.key] = " and ".join(_bibtex_name(p) for p in rec.people[f.key])
        else:
            rec.fields[f.key] = display(str(f.value))
    return rec


_ORG_FIELDS = ("institution", "organization", "publisher")


def _split_organisations(rec: _Record) -> list[Finding]:
    """``corporate-author`` for an organisation field pandoc would split at "and" ("Health; Care Excellence")."""
    out = []
    for name in _ORG_FIELDS:
        raw = rec.raw.get(name, "")
        if not (isinstance(raw, str) and len(raw) >= 2 and raw[0] + raw[-1] in ("{}", '""')):
            continue  # a macro, or nothing
        inner, depth = raw[1:-1], 0
        for i, ch in enumerate(inner):
            depth += (ch == "{") - (ch == "}")
            if depth == 0 and inner[i : i + 5].lower() == " and ":
                msg = (
                    f"'{rec.key}' has {name} = {raw}, which pandoc reads as a list and prints with a ';' for "
                    f"each 'and'; write {name} = {{{{{' '.join(inner.split())}}}}} (double braces keep the name whole)"
                )
                out.append(_finding("corporate-author", rec.location, msg, source=rec.key))
                break
    return out


def display(value: str) -> str:
    """Text for people: protective braces gone, whitespace collapsed, paragraph breaks kept."""
    value = nfc(value.replace("{", "").replace("}", ""))
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n[ \t]*\n", value))
    return "\n\n".join(p for p in paragraphs if p)


_DOTLESS = re.compile("([\u0131\u0237])(?=[\u0300-\u036f])")


def _dotted(m: re.Match[str]) -> str:
    """``{\\'\\i}`` decodes to a dotless i and an accent, which NFC cannot compose; the accent replaces the dot."""
    return "i" if m.group(1) == "\u0131" else "j"


def nfc(text: str) -> str:
    """Precomposed letters: a dotless i or j under an accent becomes i or j, then NFC."""
    return unicodedata.normalize("NFC", _DOTLESS.sub(_dotted, text))


def _verbatim(value: str) -> str:
    """A URL-like field as written, minus a ``\\url{}`` wrapper, braces and TeX escapes of ``_%&#$~``."""
    value = value.strip()
    if value.startswith("\\url{") and value.endswith("}"):
        value = value[5:-1]
    value = re.sub(r"\\([_%&#$~])", r"\1", value)
    return value.replace("{", "").replace("}", "").strip()


def _person(parts: NameParts) -> Person:
    if not (parts.first or parts.von or parts.jr) and len(parts.last) == 1 and _is_braced(parts.last[0]):
        return Person(last=display(parts.last[0]), literal=True)
    return Person(
        last=display(" ".join(parts.last)),
        first=display(" ".join(parts.first)),
        von=display(" ".join(parts.von)),
        jr=display(" ".join(parts.jr)),
    )


def _is_braced(word: str) -> bool:
    """True when one brace group spans the whole word, as in ``{World Health Organization}``."""
    if len(word) < 2 or word[0] != "{" or word[-1] != "}":
        return False
    depth = 0
    for i, ch in enumerate(word):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0 and i < len(word) - 1:
            return False
    return True


def _bibtex_name(p: Person) -> str:
    if p.literal or not (p.first or p.jr):
        return " ".join(x for x in (p.von, p.last) if x)
    return ", ".join(x for x in (" ".join(y for y in (p.von, p.last) if y), p.jr, p.first) if x)


# --- across files: duplicates, crossref, sources ----------------------------------------------------------


def _finish(parsed_files: Iterable[_Parsed]) -> BibResult:
    findings: list[Finding] = []
    records: list[_Record] = []
    first_seen: dict[str, Location] = {}
    pieces: list[str] = []
    piece_of: dict[str, int] = {}
    for parsed in parsed_files:
        findings.extend(parsed.findings)
        for raw, record in parsed.blocks:
            if record is not None:
                if record.key in first_seen:
                    findings.append(_duplicate_finding(record.key, record.location, first_seen[record.key]))
                    continue
                first_seen[record.key] = record.location
                records.append(record)
                piece_of[record.key] = len(pieces)
            pieces.append(raw.strip())
    by_key = {r.key: r for r in records}
    for rec in records:
        parent = by_key.get(rec.fields.get("crossref", ""))
        if parent is not None and parent is not rec and rec.raw and parent.raw:
            pieces[piece_of[rec.key]] = _resolved_bibtex(rec, parent)
    records = _resolve_crossrefs(records, findings)
    sources = tuple(_source(r, findings) for r in records)
    clean = "\n\n".join(pieces) + "\n" if pieces else ""
    return BibResult(sources, tuple(sorted(findings, key=lambda f: f.location)), clean)


def _resolve_crossrefs(records: list[_Record], findings: list[Finding]) -> list[_Record]:
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
            findings.append(_finding("bib-warning", rec.location, msg + " or remove the crossref", source=rec.key))
            out.append(rec)
        else:
            out.append(_inherit(rec, parent))
    return out


def _inherit(child: _Record, parent: _Record) -> _Record:
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
    return _Record(child.key, child.entry_type, child.location, fields, people)


def _resolved_bibtex(child: _Record, parent: _Record) -> str:
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


def _source(rec: _Record, findings: list[Finding]) -> Source:
    f = rec.fields
    year, date = _year_and_date(f)
    return Source(
        key=rec.key,
        entry_type=rec.entry_type,
        location=rec.location,
        authors=rec.people.get("author") or rec.people.get("editor") or (),
        title=f.get("title", ""),
        year=year,
        date=date,
        container=next((f[n] for n in CONTAINER_FIELDS if f.get(n)), ""),
        publisher=f.get("publisher", ""),
        volume=f.get("volume", ""),
        issue=f.get("number") or f.get("issue", ""),
        pages=f.get("pages", "").replace("--", "–"),
        doi=_DOI_PREFIX.sub("", f.get("doi", "")).strip(),
        url=f.get("url", ""),
        sourcetype=_sourcetype(rec, findings),
        fields=tuple(f.items()),
        **_classification(rec, findings),
    )


def _sourcetype(rec: _Record, findings: list[Finding]) -> str:
    value = _token(rec.fields.get("sourcetype", ""))
    if not value:
        return ""  # never taken from the entry type: news and magazine pieces are exported as @article too
    if value in SOURCE_TYPES:
        return value
    msg = f"'{rec.key}' has sourcetype '{value}', which is not a source type; use one of {', '.join(SOURCE_TYPES)}"
    findings.append(_finding("unclassified-source", rec.location, msg, source=rec.key))
    return ""


def _evidence(rec: _Record, findings: list[Finding]) -> str:
    value = _token(rec.fields.get("evidence", ""))
    if not value or value in EVIDENCE_LEVELS:
        return value
    msg = f"'{rec.key}' has evidence '{value}', which is not an evidence level; use one of {', '.join(EVIDENCE_LEVELS)}"
    findings.append(_finding("bib-syntax", rec.location, msg, source=rec.key))
    return ""


def _classification(rec: _Record, findings: list[Finding]) -> dict:
    """``evidence`` (deprecated), ``design`` and ``authority``; the old ``evidence`` fills what the new fields
    leave out, so a .bib written for the single ladder grades the same."""
    evidence = _evidence(rec, findings)
    old_design, old_authority = from_evidence(evidence)
    design = _token(rec.fields.get("design", ""))
    if design and design not in (*DESIGNS, NO_DESIGN):
        msg = f"'{rec.key}' has design '{design}', which is not a study design; use one of {', '.join(DESIGNS)} or none"
        findings.append(_finding("bib-syntax", rec.location, msg, source=rec.key))
        design = ""
    authority: list[str] = []
    for word in filter(None, (_token(w) for w in rec.fields.get("authority", "").split(","))):
        if word in AUTHORITIES:
            authority.append(word)
        elif word != "none":
            msg = (
                f"'{rec.key}' has authority '{word}'; use regulatory, guideline or consensus (comma-separated), or none"
            )
            findings.append(_finding("bib-syntax", rec.location, msg, source=rec.key))
    given = "authority" in rec.fields
    return {
        "evidence": evidence,
        "design": design or old_design,
        "authority": tuple(dict.fromkeys(authority)) if given else old_authority,
    }


def _token(value: str) -> str:
    """``Systematic Review`` and ``systematic_review`` both mean ``systematic-review``."""
    return re.sub(r"[\s_]+", "-", value.strip().lower())


def _year_and_date(f: dict[str, str]) -> tuple[str, str]:
    """Year from ``year`` or ``date``; ISO date from ``date``, else year plus ``month`` (never ``urldate``)."""
    iso = _ISO_DATE.match(f.get("date", "").strip())
    year = f.get("year", "").strip() or (iso.group(0)[:4] if iso else "")
    if iso:
        return year, iso.group(0)
    if not re.fullmatch(r"\d{4}", year):
        return year, ""
    month = month_number(f.get("month", ""))
    return year, f"{year}-{month:02d}" if month else year


def month_number(value: str) -> int:
    """1–12 from ``jan``, ``January``, ``Jan.``, ``1`` or ``01``; 0 when unrecognised."""
    value = value.strip().lower()
    if value.isdigit():
        return int(value) if 1 <= int(value) <= 12 else 0
    return MONTHS.index(value[:3]) + 1 if value[:3] in MONTHS else 0


# --- findings ---------------------------------------------------------------------------------------------


def _loc(path: str, block: Block | None) -> Location:
    """bibtexparser's ``start_line`` is 0-based; Locations are 1-based."""
    line = getattr(block, "start_line", None)
    return Location(path, line + 1 if isinstance(line, int) and line >= 0 else 1)


def _duplicate_finding(key: str, loc: Location, first: Location) -> Finding:
    msg = f"'{key}' is defined again here; the first definition at {first} is used and this one is ignored"
    return _finding("duplicate-source", loc, msg + ". Delete one, or give them different keys", source=key)


def _finding(code: str, loc: Location, message: str, source: str | None = None) -> Finding:
    return finding(code, loc, message, source=source)


def _one_line(error: object) -> str:
    return " ".join(str(error).split())[:300]
