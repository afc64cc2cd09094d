"""Rules about single sources that reference-manager exports get wrong, and their hints.

Kept apart from ``check`` so the heuristics (which source type an entry looks like, whether an author
is an organisation, where an export put the URL) stay small and testable on their own.
"""

from __future__ import annotations

import re

from ..core.codes import CORPORATE_AUTHOR, MISSING_IDENTIFIER, UNCLASSIFIED_SOURCE, finding
from ..core.model import Finding, Source

BOOK_TYPES = frozenset(
    {"book", "inbook", "incollection", "inproceedings", "conference", "proceedings", "bookinbook", "collection"}
)
WEB_TYPES = frozenset({"online", "misc", "electronic", "www", "webpage"})
_URL = re.compile(r"(?:\\url\{)?(https?://[^\s{}]+)", re.I)
_NEWS = re.compile(
    r"\b(times|guardian|post|news|herald|tribune|telegraph|daily|gazette|independent|observer|chronicle|"
    r"economist|magazine|weekly|bbc|reuters|atlantic|new yorker|wired|mail|express|standard|press|vox|stat)\b",
    re.I,
)
_GOV = re.compile(
    r"\b(ministry|department|agency|administration|government|national institute|commission|parliament|"
    r"nhs|fda|cdc|centers? for disease|public health|health service|food and drug|nice|world health)\b",
    re.I,
)
_GOV_HOST = re.compile(r"\.(gov|gob|gouv|gc\.ca|nhs\.uk|europa\.eu|who\.int|nice\.org\.uk)(\.[a-z]{2})?(/|$)", re.I)
_UNIVERSITY = re.compile(r"\b(universit\w*|college|school of|faculty)\b", re.I)
_UNI_HOST = re.compile(r"\.(edu|ac\.[a-z]{2})(\.[a-z]{2})?(/|$)", re.I)
_PROFESSIONAL = re.compile(r"\b(association|society|academy|royal college|federation|chartered)\b", re.I)
_COMMERCIAL = re.compile(r"\b(inc|ltd|llc|gmbh|plc|corp|corporation|company|clinics?)\b\.?", re.I)
_ORGANISATION = re.compile(
    r"\b(institute|organi[sz]ation|agency|department|ministry|association|society|council|committee|"
    r"cent(?:re|er)|office|foundation|administration|commission|service|board|collaboration|group|excellence|"
    r"inc|ltd|university|college|academy|nhs|government)\b",
    re.I,
)


def source_url(s: Source) -> str:
    """The address readers check a source at: ``url``, else one in ``howpublished`` or ``note``.

    Reference managers put a @misc's URL in ``howpublished = {\\url{…}}`` (BibTeX has no url field).
    """
    if s.url:
        return s.url
    for name in ("howpublished", "note"):
        m = _URL.search(s.field(name))
        if m:
            return m.group(1).rstrip(".,;")
    return ""


def _where(s: Source) -> str:
    return " ".join(s.field(n) for n in ("journal", "journaltitle", "institution", "organization", "publisher"))


def likely_sourcetype(s: Source) -> tuple[str, str]:
    """The source type an entry looks like and why, or ("", "") when nothing points anywhere.

    A guess for the message only: it is never taken as the classification.
    """
    url = source_url(s)
    authors = " ".join(str(a) for a in s.authors)
    where = _where(s)
    journal = s.field("journal") or s.field("journaltitle")
    if s.entry_type == "article" and journal and _NEWS.search(journal):
        return "journalism", f"'{journal}' reads like a newspaper or magazine"
    if s.entry_type == "article" and not (s.volume or s.doi):
        return "journalism", "an @article with neither volume nor DOI is often a news or magazine piece"
    if _GOV_HOST.search(url):
        return "government", f"its URL is on a government site ({url})"
    if _GOV.search(authors) or _GOV.search(where):
        return "government", "its author or institution reads like a government body"
    if _UNI_HOST.search(url) or _UNIVERSITY.search(where):
        return "university", "it comes from a university"
    if _PROFESSIONAL.search(authors) or _PROFESSIONAL.search(where):
        return "professional", "its author or publisher reads like a professional body"
    if _COMMERCIAL.search(authors) or _COMMERCIAL.search(where):
        return "commercial", "its author or publisher reads like a company"
    if s.entry_type == "article" and (s.doi or s.volume):
        return "journal", "an @article with a volume or DOI is usually a journal article"
    if s.entry_type in BOOK_TYPES and s.doi:
        return "journal", "a peer-reviewed book or proceedings with a DOI"
    return "", ""


def unclassified(s: Source) -> Finding:
    """``unclassified-source`` for an entry with no sourcetype, with a guess at its type."""
    guess, why = likely_sourcetype(s)
    hint = (
        f" It looks like {guess} ({why}), so perhaps sourcetype = {{{guess}}}; check the source itself first."
        if guess
        else ""
    )
    why_not = (
        ", and kb never reads @article as a journal: reference managers export newspaper and magazine pieces "
        "as @article too"
        if s.entry_type == "article"
        else ""
    )
    msg = (
        f"source '{s.key}' has no sourcetype{why_not}.{hint} Add sourcetype = "
        "{journal}, {government}, {university}, {professional}, {journalism}, {commercial} or {other}"
    )
    return finding(UNCLASSIFIED_SOURCE, s.location, msg, source=s.key)


# What readers call each book-like entry, and where its identifiers come from (the message names both).
_BOOKLIKE_NOUNS = {
    "book": ("book", "the book's ISBN"),
    "collection": ("book", "the book's ISBN"),
    "bookinbook": ("book", "the book's ISBN"),
    "inbook": ("chapter", "the book's ISBN"),
    "incollection": ("chapter", "the book's ISBN"),
    "proceedings": ("proceedings volume", "the volume's ISBN"),
    "inproceedings": ("conference paper", "the proceedings' ISBN"),
    "conference": ("conference paper", "the proceedings' ISBN"),
}


def missing_identifier(s: Source) -> Finding | None:
    """A journal article without DOI; a news or web source without URL; a book, chapter or conference paper
    (and a proceedings volume) without ISBN, DOI or URL. The message names the kind of source it is."""
    url = source_url(s)
    what = ""
    if s.entry_type == "article":
        if not s.sourcetype:
            what = ""  # unclassified-source comes first: a news piece needs no DOI
        elif s.sourcetype == "journalism":
            what = "" if (s.doi or url) else f"news article '{s.key}' has no url; add the address of the article"
        elif not s.doi:
            what = f"journal article '{s.key}' has no doi; add the DOI from the publisher's page if it has one"
    elif s.entry_type in BOOK_TYPES:
        if not (s.doi or url or s.field("isbn")):
            noun, isbn = _BOOKLIKE_NOUNS.get(s.entry_type, ("book", "the book's ISBN"))
            what = (
                f"{noun} '{s.key}' (@{s.entry_type}) has no isbn, doi or url; add {isbn}, "
                f"the {noun}'s DOI, or the address where readers can find it"
            )
    elif not (s.doi or url or s.field("isbn")) and (s.entry_type in WEB_TYPES or s.sourcetype):
        what = f"source '{s.key}' has neither doi nor url; add the address readers can check it at"
    return finding(MISSING_IDENTIFIER, s.location, what, source=s.key) if what else None


def corporate_author(s: Source) -> Finding | None:
    """An organisation written so that pandoc's APA will not name it: as no author, or as a person's name."""
    org = next((s.field(n) for n in ("institution", "organization") if s.field(n)), "")
    if not s.authors and org and not s.field("editor"):
        msg = (
            f"'{s.key}' has no author, so APA cites it by its title rather than by {org}; if the organisation "
            f"is the author, add author = {{{{{org}}}}} (double braces keep the name whole, so pandoc prints it "
            "as written and kb search finds it)"
        )
        return finding(CORPORATE_AUTHOR, s.location, msg, source=s.key)
    people = [p for p in s.authors if not p.literal]
    if people and any(_ORGANISATION.search(str(p)) for p in people):
        written = s.field("author")
        msg = (
            f"'{s.key}' has author = {{{written}}}, which reads like an organisation, but pandoc reads it as "
            "people's names (and splits it at every 'and'); write the organisation in double braces, as "
            "author = {{World Health Organization}}"
        )
        return finding(CORPORATE_AUTHOR, s.location, msg, source=s.key)
    return None
