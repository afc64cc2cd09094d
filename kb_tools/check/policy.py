"""Stage 2 of the pipeline: judge every claim and source of a loaded ``Catalogue`` against the policy.

Loading is ``kb_tools.load.catalogue``'s job; ``check`` loads the KB itself only when it is given no catalogue.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field, replace

from ..config.kbconfig import EVIDENCE_LEVELS, KbConfig
from ..core import grading, scope
from ..core.codes import (
    BAD_CITATION,
    BIB_SYNTAX,
    MISSING_HOME_PAGE,
    STALE_REVIEW,
    UNACCEPTABLE_SOURCE,
    UNCITED_CLAIM,
    UNCLASSIFIED_SOURCE,
    UNKNOWN_SOURCE,
    UNUSED_SOURCE,
    finding,
)
from ..core.grading import Grade
from ..core.model import Catalogue, Finding, Location, Page, Source
from ..load.layterms import read_lay_terms
from .designs import design_findings
from .notices import SourceNotices, source_notices
from .numbertrace import record_findings
from .sourcerules import corporate_author, missing_identifier, unclassified
from .support import SupportCheck
from .tally import Tally

_CODE_SPAN = re.compile(r"(`+).*?\1", re.S)
# "[@key" or "[see @key, p. 4" with no "]" before the next "[" or the end of the claim
_UNCLOSED = re.compile(r"\[(?=[^\[\]]*-?@[\w{])[^\[\]]*(?=\[|$)")


@dataclass(frozen=True)
class Report(Tally):
    """The outcome of a check: what was loaded, and every finding, in file order."""

    catalogue: Catalogue
    findings: tuple[Finding, ...]
    draft_findings: tuple[Finding, ...]  # findings on draft pages: reported, never failing
    notices: dict[str, SourceNotices] = field(default_factory=dict)  # retraction notices, by source key
    support: dict = field(default_factory=dict)  # claim id -> the findings (``support.Support``) it rests on


def evidence_rank(level: str) -> int:
    """Lower is stronger; unknown levels rank last."""
    return EVIDENCE_LEVELS.index(level) if level in EVIDENCE_LEVELS else len(EVIDENCE_LEVELS)


def claim_grade(config: KbConfig, keys, sources: dict[str, Source]) -> Grade:
    """A claim's best study design and authority statements, among its acceptable sources."""
    return grading.grade(config.designs, config.accept, keys, sources)


def claim_evidence(config: KbConfig, keys, sources: dict[str, Source]) -> str:
    """Deprecated: a claim's level on the old single ladder (the ``evidence`` field of the JSON outputs)."""
    return claim_grade(config, keys, sources).evidence


def check(config: KbConfig, catalogue: Catalogue, today: dt.date | None = None) -> Report:
    """Run every rule on the loaded ``catalogue``; return findings with the configured severities, in path and line
    order."""
    cat = catalogue
    today = today or dt.date.today()
    sources = cat.source_map()
    raw: list[Finding] = list(cat.findings)
    already = {f.source for f in cat.findings if f.code == UNCLASSIFIED_SOURCE}
    raw += [
        f for f in _source_findings(config, cat.sources) if not (f.code == UNCLASSIFIED_SOURCE and f.source in already)
    ]
    unreadable = {
        f.source: f.location for f in cat.findings if f.code == BIB_SYNTAX and f.source and f.source not in sources
    }
    cited: set[str] = set()
    draft_paths = {p.location.path for p in cat.pages if p.draft}
    judge = SupportCheck(config, cat)
    for page in cat.pages:
        raw += _page_findings(config, page, today)
        for claim in page.claims:
            raw += _claim_findings(config, claim, sources, unreadable)
            raw += _unclosed_citations(claim)
            raw += judge.findings(claim, page.draft)
            if not page.draft:
                cited.update(claim.keys)
    raw += record_findings(config, cat) + _home_page(config, cat)
    raw += design_findings(config, cat)
    # a book is used when a chapter citing it through crossref is (pandoc prints the book in the chapter)
    cited.update(sources[k].field("crossref") for k in list(cited) if k in sources)
    for s in cat.sources:
        if s.key not in cited:
            raw.append(
                finding(
                    UNUSED_SOURCE,
                    s.location,
                    f"source '{s.key}' is cited by no published claim; cite it or remove the entry",
                    source=s.key,
                )
            )
    raw += read_lay_terms(config.root)[2]  # what the search index will read: checked before a build
    notices, notice_findings = source_notices(config, cat, today)
    raw += notice_findings
    published, drafts = [], []
    for f in raw:
        sev = config.severity.get(f.code, f.severity)
        if sev == "ignore":
            continue
        f = replace(f, severity=sev)
        (drafts if f.location.path in draft_paths else published).append(f)
    order = lambda f: (f.location.path, f.location.line, f.code, f.message)  # noqa: E731
    return Report(cat, tuple(sorted(published, key=order)), tuple(sorted(drafts, key=order)), notices, judge.support)


def _source_findings(config: KbConfig, sources) -> list[Finding]:
    out = []
    for s in sources:
        if not s.sourcetype:
            out.append(unclassified(s))
        out += [f for f in (missing_identifier(s), corporate_author(s)) if f is not None]
    return out


def _page_findings(config: KbConfig, page: Page, today: dt.date) -> list[Finding]:
    if page.reviewed is None and page.reviewed_invalid:
        return []  # the bad-page finding already asks for a valid date
    if page.reviewed is None:
        return [
            finding(
                STALE_REVIEW,
                page.location,
                "page has no 'reviewed' date; add 'reviewed: YYYY-MM-DD' to its front matter after reviewing it",
            )
        ]
    age = (today - page.reviewed).days
    if age > config.review_max_age_days:
        return [
            finding(
                STALE_REVIEW,
                replace(page.location, line=page.reviewed_line or page.location.line),
                f"page was last reviewed {page.reviewed.isoformat()}, {age} days ago (limit "
                f"{config.review_max_age_days}); review it and update 'reviewed'",
            )
        ]
    return []


def _home_page(config: KbConfig, cat: Catalogue) -> list[Finding]:
    """``missing-home-page`` when no published page is the site's root (``index.md``, or MkDocs' ``README.md``)."""
    if any(p.path in ("index.md", "README.md") and not p.draft for p in cat.pages):
        return []
    home = f"{config.docs_dir.strip('/') or '.'}/index.md"
    msg = (
        f"the KB has no home page: {home} does not exist (or is a draft), so the site's address shows no page and "
        "kb serve has nothing to open at /; add it with front matter 'title:' and 'claims: false' and a few words on "
        "what the KB covers (kb init writes one), and list it first in the nav"
    )
    return [finding(MISSING_HOME_PAGE, Location(home, 1), msg)]


def _unclosed_citations(claim) -> list[Finding]:
    """``bad-citation`` for each "[@key" the claim never closes (pandoc would print a stray "[")."""
    out: list[Finding] = []
    if "[" not in claim.text or "@" not in claim.text:
        return out  # most claims: nothing to look at
    text = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), claim.text)  # `[@key` in code is an example
    for m in _UNCLOSED.finditer(text):
        line = claim.location.line + claim.text.count("\n", 0, m.start())
        written = re.match(r"\[[^@]*@[^\s;\]]*", m.group(0)).group(0)
        out.append(
            finding(
                BAD_CITATION,
                Location(claim.location.path, line),
                f"the citation '{written}' is never closed, so it cites nothing and prints a stray '['; "
                "end it with ']', as in [@key]",
                claim=claim.id,
            )
        )
    return out


def _claim_findings(config: KbConfig, claim, sources: dict[str, Source], unreadable=None) -> list[Finding]:
    loc = Location(claim.location.path, claim.location.line)
    if not claim.cited:
        return [
            finding(
                UNCITED_CLAIM,
                loc,
                f"claim '{_excerpt(scope.strip_tags(claim.text))}' cites no source; add a citation such as [@key], "
                "or mark deliberate non-claims with <!-- kb: not-a-claim -->",
                claim=claim.id,
            )
        ]
    out = []
    known = [k for k in claim.keys if k in sources]
    for key in claim.keys:
        if key in (unreadable or {}):
            where = unreadable[key]
            msg = (
                f"cites '{key}', which {where.path} defines but kb could not read; fix that entry "
                f"(see the bib-syntax finding at {where})"
            )
            out.append(finding(UNKNOWN_SOURCE, loc, msg, claim.id, key))
        elif key not in sources:
            close = difflib.get_close_matches(key, list(sources), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else "; add the entry to a .bib file or fix the key"
            out.append(finding(UNKNOWN_SOURCE, loc, f"cites '{key}', which no .bib file defines{hint}", claim.id, key))
    rejected = [k for k in known if sources[k].sourcetype and sources[k].sourcetype not in config.accept]
    if known and len(rejected) == len(known) and len(known) == len(claim.keys):
        types = ", ".join(f"{k} ({sources[k].sourcetype})" for k in rejected)
        out.append(
            finding(
                UNACCEPTABLE_SOURCE,
                loc,
                f"claim '{_excerpt(scope.strip_tags(claim.text))}' rests only on sources the policy does not accept: "
                f"{types}; "
                f"cite a source of type {', '.join(config.accept)}",
                claim.id,
                rejected[0],
            )
        )
    return out


def _excerpt(text: str, n: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1].rstrip() + "…"
