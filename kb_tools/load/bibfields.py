"""One BibTeX entry's fields to a ``Source``: display text, names, dates and classification.

``bibliography.py`` parses the files and works across them (duplicates, crossref); this module turns one
decoded entry into a ``Record`` and a resolved ``Record`` into a ``Source``.

* ``and others`` stays as ``Person(last="others")``, BibTeX's convention, so a renderer can print "et al.".
* An invalid ``sourcetype``, ``evidence``, ``design`` or ``authority`` is reported and left ``""`` on the ``Source``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from bibtexparser.middlewares import NameParts
from bibtexparser.model import Block, Entry

from ..config.kbconfig import EVIDENCE_LEVELS, SOURCE_TYPES
from ..core.codes import BIB_SYNTAX, BIB_WARNING, CORPORATE_AUTHOR, UNCLASSIFIED_SOURCE, finding
from ..core.grading import (
    AUTHORITIES,
    DESIGN_ID,
    DESIGNS,
    NO_DESIGN,
    SYNTHESES,
    from_evidence,
    pooled_value,
    with_pooled,
)
from ..core.model import Finding, Location, Person, Source
from .bibmiddleware import _DUP_FIELDS, _MALFORMED, _RAW_FIELDS, _UNDEFINED, _VERBATIM, MONTHS

NAME_FIELDS = ("author", "editor", "translator")
CONTAINER_FIELDS = ("journal", "journaltitle", "booktitle", "publisher", "institution", "organization", "school")

_BAD_KEY = re.compile(r"[\s{}(),=\"#%\\]")
_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_ISO_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


@dataclass
class Record:
    """One entry between parsing and ``Source``: decoded display fields and split names."""

    key: str
    entry_type: str
    location: Location
    fields: dict[str, str]
    people: dict[str, tuple[Person, ...]] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # field values as written, for pandoc


def block_location(path: str, block: Block | None) -> Location:
    """bibtexparser's ``start_line`` is 0-based; Locations are 1-based."""
    line = getattr(block, "start_line", None)
    return Location(path, line + 1 if isinstance(line, int) and line >= 0 else 1)


def record_of(entry: Entry, path: str, findings: list[Finding]) -> Record | None:
    """Decode one entry's fields; None (with a finding) when its key is unusable."""
    loc = block_location(path, entry)
    key = entry.key
    if not key or _BAD_KEY.search(key):
        msg = f"entry key '{key}' is empty or contains spaces, braces, commas or quotes"
        findings.append(finding(BIB_SYNTAX, loc, msg + "; give it a key such as smith2020"))
        return None
    if bad := _unreadable_key_chars(key):
        msg = (
            f"entry key {key!r} contains {bad}, which pandoc cannot read in a key, so the site could not be "
            "built; the entry was skipped. Use letters, digits and - _ : . / only (cite the new key too)"
        )
        findings.append(finding(BIB_SYNTAX, loc, msg, source=key))
        return None
    for f in entry.fields:
        if bad := _unreadable_key_chars(f.key, _FIELD_PUNCTUATION):
            msg = (
                f"entry '{key}' has a field named {f.key!r}, with {bad}, which pandoc cannot read in a field name; "
                "the entry was skipped. Rename or delete the field (letters, digits, - and _ only)"
            )
            findings.append(finding(BIB_SYNTAX, _field_location(entry, loc, f.key), msg, source=key))
            return None
    if malformed := entry.get_parser_metadata(_MALFORMED):
        for name, problem in malformed:
            msg = f"entry '{key}', field {name}: {problem}; the entry was skipped until this is fixed"
            findings.append(finding(BIB_SYNTAX, _field_location(entry, loc, name), msg, source=key))
        return None
    if dups := entry.get_parser_metadata(_DUP_FIELDS):
        msg = f"'{key}' gives the field(s) {', '.join(dups)} more than once; the first value is used"
        findings.append(finding(BIB_WARNING, loc, msg + ", so delete the other copies", source=key))
    if undefined := entry.get_parser_metadata(_UNDEFINED):
        names = ", ".join(dict.fromkeys(undefined))
        msg = f"'{key}' uses undefined @string macro(s) {names}; define them or put the value in braces"
        findings.append(finding(BIB_WARNING, loc, msg, source=key))
    verbatim = entry.get_parser_metadata(_VERBATIM) or {}
    rec = Record(key, entry.entry_type.lower(), loc, {}, raw=entry.get_parser_metadata(_RAW_FIELDS) or {})
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


# What pandoc 2.17 reads in a key besides letters and digits (tried one ASCII character at a time).
_KEY_PUNCTUATION = frozenset("!$&'*+-./:;?@[]_`")
_FIELD_PUNCTUATION = frozenset("+-:_")  # and in a field's name


def _unreadable_key_chars(key: str, allowed: frozenset[str] = _KEY_PUNCTUATION) -> str:
    """The characters of ``key`` pandoc's BibTeX reader refuses ("" when none): it takes Unicode letters and
    digits and the punctuation above; ``©``, ``~``, ``^``, ``|``, ``<``, ``>`` or a control character stop it."""
    bad = dict.fromkeys(ch for ch in key if ch not in allowed and unicodedata.category(ch)[0] not in ("L", "N"))
    return ", ".join(repr(ch) if ch.isprintable() else f"the control character U+{ord(ch):04X}" for ch in bad)


def _field_location(entry: Entry, loc: Location, name: str) -> Location:
    """The line of field ``name`` in the entry (its raw text), else the entry's own line."""
    m = re.search(rf"(?im)(?:^|[,{{(\s]){re.escape(name)}\s*=", entry.raw or "")
    if not m:
        return loc
    return Location(loc.path, loc.line + (entry.raw or "")[: m.end()].count("\n"))


_ORG_FIELDS = ("institution", "organization", "publisher")


def _split_organisations(rec: Record) -> list[Finding]:
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
                out.append(finding(CORPORATE_AUTHOR, rec.location, msg, source=rec.key))
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


def source_of(rec: Record, findings: list[Finding]) -> Source:
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


def _sourcetype(rec: Record, findings: list[Finding]) -> str:
    value = _token(rec.fields.get("sourcetype", ""))
    if not value:
        return ""  # never taken from the entry type: news and magazine pieces are exported as @article too
    if value in SOURCE_TYPES:
        return value
    msg = f"'{rec.key}' has sourcetype '{value}', which is not a source type; use one of {', '.join(SOURCE_TYPES)}"
    findings.append(finding(UNCLASSIFIED_SOURCE, rec.location, msg, source=rec.key))
    return ""


def _evidence(rec: Record, findings: list[Finding]) -> str:
    value = _token(rec.fields.get("evidence", ""))
    if not value or value in EVIDENCE_LEVELS:
        return value
    msg = f"'{rec.key}' has evidence '{value}', which is not an evidence level; use one of {', '.join(EVIDENCE_LEVELS)}"
    findings.append(finding(BIB_SYNTAX, rec.location, msg, source=rec.key))
    return ""


def _classification(rec: Record, findings: list[Finding]) -> dict:
    """``evidence`` (deprecated), ``design`` and ``authority``; the old ``evidence`` fills what the new fields
    leave out, so a .bib written for the single ladder grades the same."""
    evidence = _evidence(rec, findings)
    old_design, old_authority = from_evidence(evidence)
    design = _token(rec.fields.get("design", ""))
    if design and design not in (*DESIGNS, NO_DESIGN) and not DESIGN_ID.match(design):
        msg = f"'{rec.key}' has design '{design}', which is not a study design; use one of {', '.join(DESIGNS)} or none"
        findings.append(finding(BIB_SYNTAX, rec.location, msg, source=rec.key))
        design = ""  # a well-formed id of a design the KB adds (``designs:``) is checked against the config later
    authority: list[str] = []
    for word in filter(None, (_token(w) for w in rec.fields.get("authority", "").split(","))):
        if word in AUTHORITIES:
            authority.append(word)
        elif word != "none":
            msg = (
                f"'{rec.key}' has authority '{word}'; use regulatory, guideline or consensus (comma-separated), or none"
            )
            findings.append(finding(BIB_SYNTAX, rec.location, msg, source=rec.key))
    given = "authority" in rec.fields
    return {
        "evidence": evidence,
        "design": _pooled(rec, design or old_design, findings),
        "authority": tuple(dict.fromkeys(authority)) if given else old_authority,
    }


def _pooled(rec: Record, design: str, findings: list[Finding]) -> str:
    """The design with what a synthesis pooled (``pooled = {observational}``): "meta-analysis-observational"."""
    given = rec.fields.get("pooled", "").strip()
    if not given:
        return design
    pooled = pooled_value(given)
    if not pooled:
        msg = f"'{rec.key}' has pooled '{given}'; use randomised, observational or mixed"
        findings.append(finding(BIB_SYNTAX, rec.location, msg, source=rec.key))
    elif design not in SYNTHESES:
        msg = f"'{rec.key}' has pooled '{given}' but its design is '{design or 'not given'}'; pooled says what a "
        msg += "meta-analysis or systematic review pooled: give design = {meta-analysis}, or remove pooled"
        findings.append(finding(BIB_WARNING, rec.location, msg, source=rec.key))
    return with_pooled(design, pooled)


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
