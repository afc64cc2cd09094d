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
