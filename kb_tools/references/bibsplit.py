"""Cutting a KB's BibTeX into pandoc runs: one raw text per entry, look-alike classes, crossref parents.

Pure text work on the loader's clean BibTeX (``bibliography.py``); ``apa.py`` plans its chunked runs with
it and ``csl.py`` builds each page's bibliography with it.
"""

from __future__ import annotations

import re

_ENTRY_START = re.compile(r"^@[ \t]*([A-Za-z]+)[ \t]*[{(][ \t]*([^,\s]+)[ \t]*,", re.M)
_FIELD = r"(?im)^[ \t]*{name}[ \t]*=[ \t]*[{{\"]?(.*?)[}}\"]?[ \t]*,?[ \t]*$"
_AUTHOR = re.compile(_FIELD.format(name="(?:author|editor)"))
_YEAR = re.compile(r"(?im)^[ \t]*(?:year|date)[ \t]*=[ \t]*[{\"]?[ \t]*(\d{4})")
_CROSSREF = re.compile(_FIELD.format(name="crossref"))


def split_bibtex(bibtex: str) -> tuple[str, dict[str, str]]:
    """Cut the loader's clean BibTeX into its macros/preambles and one raw text per entry key.

    The loader joined whole blocks, each starting with ``@`` on its own line, which is where
    bibtexparser itself splits them, so splitting there again is exact.
    """
    macros: list[str] = []
    entries: dict[str, str] = {}
    for block in re.split(r"\n(?=@)", "\n" + bibtex):
        m = _ENTRY_START.match(block.strip("\n"))
        if not block.strip():
            continue
        if m and m.group(1).lower() not in ("string", "preamble", "comment"):
            entries.setdefault(m.group(2), block.strip("\n"))
        else:
            macros.append(block.strip("\n"))
    return "\n\n".join(macros), entries


def confusable(raw: str) -> str:
    """The first author's family name and the year: entries APA may confuse share this."""
    author = _AUTHOR.search(raw)
    year = _YEAR.search(raw)
    first = re.split(r"\s+and\s+", author.group(1).strip(), maxsplit=1)[0] if author else ""
    family = first.split(",")[0] if "," in first else (first.split() or [""])[-1]
    family = re.sub(r"[^\w]", "", family.lower())
    return f"{family}|{year.group(1) if year else ''}"


def group_keys(group: str) -> list[str]:
    """The keys a citation group in pandoc syntax cites, in order."""
    return [m.group(1) or m.group(2) for m in re.finditer(r"@(?:\{([^}]*)\}|([^\s;\],]+?))(?=[\s;\],]|$)", group)]


def crossref_parents(keys: set[str], entries: dict[str, str]) -> set[str]:
    """Crossref parents the entries need (one level, as the loader resolves them)."""
    out = set()
    for k in keys:
        m = _CROSSREF.search(entries[k])
        if m and m.group(1).strip() in entries:
            out.add(m.group(1).strip())
    return out - keys


# fields that can run to megabytes and that a reference list prints only if its style names their CSL
# variable (pandoc's bibtex reader maps them so): kept from pandoc unless the style uses them
UNPRINTED = {"abstract": "abstract", "annote": "annote", "annotation": "annote", "keywords": "keyword"}
NEVER_PRINTED = ("file", "mendeley-tags", "pdf")  # no CSL variable at all


def unused_fields(csl_text: str) -> frozenset[str]:
    """The BibTeX fields a style given as its CSL text never prints."""
    used = set(re.findall(r'variable="([^"]*)"', csl_text))
    used = {v for group in used for v in group.split()}
    return frozenset([*(f for f, var in UNPRINTED.items() if var not in used), *NEVER_PRINTED])


_FIELD_NAME = re.compile(r"\s*([^\s=,{}()\"#]+)\s*=\s*")
_SPACE = re.compile(r"\s*")
_COMMA = re.compile(r"\s*,?")
_JOIN = re.compile(r"\s*#")
_BARE = re.compile(r"[^\s,#{}()\"]+")


def without_fields(entry: str, names: frozenset[str]) -> str:
    """One raw entry (``@type{key, name = value, ...}``) without the fields in ``names``; as it was when
    it cannot be read field by field (pandoc then reads it whole, as before)."""
    head = _ENTRY_START.match(entry)
    if head is None or not any(n in entry.lower() for n in names):
        return entry
    pos, out, at = head.end(), [], 0
    while field := _FIELD_NAME.match(entry, pos):
        end = _value_end(entry, field.end())
        if end < 0:
            return entry
        after = _COMMA.match(entry, end).end()
        if field.group(1).lower() in names:
            out.append(entry[at:pos])
            at = after
        pos = after
    return "".join(out) + entry[at:]


def _value_end(text: str, pos: int) -> int:
    """Where a field value (``{...}``, ``"..."`` or a bare word, joined by ``#``) ends; -1 if it never does."""
    while True:
        pos = _SPACE.match(text, pos).end()
        if pos < len(text) and text[pos] in '{"':
            close, depth, pos = "}" if text[pos] == "{" else '"', 0, pos + 1
            while pos < len(text) and not (text[pos] == close and depth == 0):
                depth += {"{": 1, "}": -1}.get(text[pos], 0)
                pos += 1
            if pos >= len(text) or depth < 0:
                return -1
            pos += 1
        else:
            bare = _BARE.match(text, pos)
            if bare is None:
                return -1
            pos = bare.end()
        join = _JOIN.match(text, pos)
        if join is None:
            return pos
        pos = join.end()
