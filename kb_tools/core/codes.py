"""Every finding code, with its default severity and what it means: the one list of them.

The codes are a public contract (``kb check``'s JSON, the GitHub annotations, ``severity:`` in
``mkdocs.yml``). This registry drives the validation of ``severity:``, the severity each rule gives its
findings (``finding``), and the tables of codes in the README and the editors' guide
(``markdown_table``; ``tests/project/test_docs.py`` fails when they differ from it).

A code has one default severity: a problem that only warrants a warning gets a code of its own
(``bib-warning`` beside ``bib-syntax``), so no rule ever sets a severity its code does not have.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Finding, Location

SEVERITIES = ("error", "warning", "ignore")

# Each code by name: kb's modules write ``finding(UNCITED_CLAIM, ...)``, never the text, which is the public
# contract (tests/core/test_codes.py checks both).
UNCITED_CLAIM = "uncited-claim"
UNKNOWN_SOURCE = "unknown-source"
BAD_CITATION = "bad-citation"
UNACCEPTABLE_SOURCE = "unacceptable-source"
UNCLASSIFIED_SOURCE = "unclassified-source"
BIB_SYNTAX = "bib-syntax"
BIB_WARNING = "bib-warning"
DUPLICATE_SOURCE = "duplicate-source"
BAD_PAGE = "bad-page"
MISSING_HOME_PAGE = "missing-home-page"
LINK_OUTSIDE_KB = "link-outside-kb"
UNUSED_SOURCE = "unused-source"
MISSING_IDENTIFIER = "missing-identifier"
CORPORATE_AUTHOR = "corporate-author"
STALE_REVIEW = "stale-review"
RETRACTED_SOURCE = "retracted-source"
SOURCE_NOTICE = "source-notice"
BAD_RETRACTIONS = "bad-retractions"
BAD_LAY_TERMS = "bad-lay-terms"
BAD_RECORD = "bad-record"
MISSING_FINDINGS = "missing-findings"
MISSING_POOLED = "missing-pooled"
UNSUPPORTED_NUMBER = "unsupported-number"
UNKNOWN_FINDING = "unknown-finding"
UNSUPPORTED_CLAIM = "unsupported-claim"


@dataclass(frozen=True)
class Code:
    """One finding code: its default severity, what it means (README), and what to do (editors' guide)."""

    name: str
    severity: str
    doc: str
    todo: str


_CODES = (
    Code(
        UNCITED_CLAIM,
        "error",
        "a claim cites no source (and takes none from its list's lead-in or last item)",
        "cite a source, or mark a deliberate non-claim",
    ),
    Code(
        UNKNOWN_SOURCE,
        "error",
        "a cited key is in no `.bib` file (the message suggests the closest key), or its entry is there but could "
        "not be read (the message names its `bib-syntax` finding)",
        "add the entry to a `.bib` file, or fix the key's spelling; if the entry is there but could not be read, "
        "fix the `bib-syntax` finding the message names",
    ),
    Code(
        BAD_CITATION,
        "error",
        'a citation never closed (`[@key` without `]`), which would cite nothing and print a stray "["',
        "close the citation: `[@key]`, not `[@key`",
    ),
    Code(
        UNACCEPTABLE_SOURCE,
        "error",
        "every source the claim cites is of a type the policy rejects (e.g. `commercial`)",
        "cite a source of a type the policy accepts",
    ),
    Code(
        UNCLASSIFIED_SOURCE,
        "error",
        "an entry has no (valid) `sourcetype`; it is never read from the entry type (`@article` may be news), and "
        "the message suggests a likely type",
        "add `sourcetype` to the entry (the message suggests a likely one)",
    ),
    Code(
        BIB_SYNTAX,
        "error",
        "a BibTeX block that cannot be parsed, a bad field value, or an entry pandoc could not read (a missing "
        "comma between fields, at the field; a key or field name with a character such as `©` or `~`); the "
        "entry is skipped and the rest of the file still loads",
        "fix the BibTeX at the line given",
    ),
    Code(
        BIB_WARNING,
        "warning",
        "BibTeX that loads but is suspect: a field given twice (the first is used), an undefined `@string` macro, "
        "a `crossref` to a missing entry",
        "a field given twice, an undefined `@string`, a `crossref` to a missing entry: fix the entry",
    ),
    Code(
        DUPLICATE_SOURCE,
        "error",
        "the same key twice, in one file or across files: a finding at each copy, each naming the others; a "
        "preview uses the first in reading order (`bibliography:` patterns as listed, each one's files by name, "
        "then line) and `kb build` publishes neither",
        "keep one entry per key",
    ),
    Code(
        BAD_PAGE,
        "error",
        "unreadable front matter, unknown condition id, invalid date, misplaced tag, unknown `kb:` directive, "
        "a page that is not UTF-8 (at the line of its first other byte)",
        "fix the front matter (YAML, dates, condition ids), or the tag or directive at that line",
    ),
    Code(
        MISSING_HOME_PAGE,
        "warning",
        "no published `docs/index.md` (nor `README.md`): the site builds, but its address shows no page",
        "add `docs/index.md` (a page with `claims: false` saying what the KB covers) and list it first in the nav",
    ),
    Code(
        LINK_OUTSIDE_KB,
        "error",
        "a symbolic link in `docs/` leads outside the KB folder, to nothing, or back to a folder that contains it; "
        "kb neither reads nor publishes what it points to",
        "copy the file or folder into the KB and link to that, or remove the link",
    ),
    Code(
        UNUSED_SOURCE,
        "warning",
        "an entry no published claim cites (a book a cited chapter reaches through `crossref` is used)",
        "cite the source or remove its entry",
    ),
    Code(
        MISSING_IDENTIFIER,
        "warning",
        "a journal article without DOI; a news article or web source without URL (also read from `howpublished` "
        "or `note`); a book, chapter or conference paper without ISBN, DOI or URL",
        "add a `doi` (journal article), a `url` (web page, news) or an `isbn` (book, chapter, proceedings)",
    ),
    Code(
        CORPORATE_AUTHOR,
        "warning",
        "an organisation APA would not name: a report with an `institution` or `organization` and no `author`, an "
        "organisation written as a person's name, or an `institution`, `organization` or `publisher` with an "
        'unbraced "and" (pandoc splits it: "Health; Care Excellence"); write `{{Name}}`',
        "write the organisation in double braces: `author = {{Name}}`, and `institution`, `organization` or "
        '`publisher` too when the name contains "and"',
    ),
    Code(
        STALE_REVIEW,
        "warning",
        "a page without `reviewed` date, or reviewed longer ago than `review_max_age_days` (an invalid date is "
        "`bad-page` only)",
        "review the page and update `reviewed`",
    ),
    Code(
        RETRACTED_SOURCE,
        "error",
        "a claim cites a source whose paper was retracted (per the `retractions` data) and no "
        "`notice_acknowledged` on its entry covers the retraction",
        "remove or replace the citation, or acknowledge the notice (see above)",
    ),
    Code(
        SOURCE_NOTICE,
        "warning",
        "a claim cites a source with an expression of concern, a correction, or a retraction followed by a later "
        "reinstatement, not yet acknowledged",
        "re-read the claim against the notice, then acknowledge it",
    ),
    Code(
        BAD_RETRACTIONS,
        "error",
        "the `retractions` data: a pattern matching no file, an unreadable file, a missing column, or a malformed "
        "row (`path:line`; the row is skipped)",
        "download the Retraction Watch CSV again, or fix the `retractions` path",
    ),
    Code(
        BAD_LAY_TERMS,
        "error",
        "`lay_terms.yml` cannot be read: YAML syntax, beyond kb's bounds (aliases, nesting, size), or not a mapping "
        "of `stop_words:` and `terms:` lists",
        "fix `lay_terms.yml` at the line given",
    ),
    Code(
        BAD_RECORD,
        "error",
        "a findings record that cannot be read: YAML syntax, an unknown field, a wrong type or value, no BibTeX "
        "entry for its key, or a classification that differs from the `.bib` entry's",
        "fix the findings record at the line given",
    ),
    Code(
        MISSING_FINDINGS,
        "warning",
        "a source a published claim cites has no findings record, and it has a study design (not `none`) or a "
        "claim citing it states a number",
        "add a findings record for the source",
    ),
    Code(
        MISSING_POOLED,
        "warning",
        "a meta-analysis or systematic review does not say what it pooled (randomised, observational or mixed "
        "studies), so it ranks no higher than a synthesis of observational studies",
        "add `pooled: randomised`, `observational` or `mixed` to its findings record (or `pooled = {...}` to its "
        ".bib entry), as the source's methods say",
    ),
    Code(
        UNSUPPORTED_NUMBER,
        "error",
        "a claim states a number that no findings record of the sources it cites reports (findings, outcomes, "
        "population, sample size, numbers; never volume, issue, pages or other `.bib` fields); not reported where "
        "no cited source has a record",
        "correct the number, or add it to the source's record if the source reports it",
    ),
    Code(
        UNKNOWN_FINDING,
        "error",
        "a citation names a finding (`[@key, finding: id]`) that the source's record does not hold, or the "
        "source has no findings record (the message suggests the closest id)",
        "fix the finding id, or add the finding to the source's record",
    ),
    Code(
        UNSUPPORTED_CLAIM,
        "warning",
        "a published claim shares no substantive content (after synonyms, lay terms and stemming; numbers exactly) "
        "with the findings, outcomes or population of the records of the sources it cites, or with the finding it "
        "names",
        "add the finding to the record if the source says it, cite the source that does, or move the claim to "
        "the drafts",
    ),
)
CODES: dict[str, Code] = {c.name: c for c in _CODES}
DEFAULT_SEVERITY: dict[str, str] = {c.name: c.severity for c in _CODES}


def finding(
    code: str, location: Location, message: str, claim: str | None = None, source: str | None = None
) -> Finding:
    """A finding with its code's default severity (``severity:`` in ``mkdocs.yml`` may change it later)."""
    return Finding(code, CODES[code].severity, location, message, claim, source)


def markdown_table(todo: bool = False) -> str:
    """The table of codes: meaning (the README) or what to do (the editors' guide, ``todo``)."""
    head = ["| Code | Default | What to do |"] if todo else ["| code | default | meaning |"]
    rows = [f"| `{c.name}` | {c.severity} | {c.todo if todo else c.doc} |" for c in _CODES]
    return "\n".join([*head, "| --- | --- | --- |", *rows])
