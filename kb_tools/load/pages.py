"""Load topic pages: front matter, and the claims in each page body.

``pageblocks.py`` splits a page into front matter and claim-shaped blocks; this module checks the front
matter and turns the blocks into claims. ``Block`` and ``parse_page`` are importable from here too.

The claim rules (documented for editors in docs/editors-guide.md):

* every paragraph, list item and table body row is a claim;
* a paragraph that ends with ":" and is directly followed by a list is a
  *lead-in*: items without citations of their own inherit its citations, and
  the lead-in counts as cited when it cites or when all its items do;
* ``<!-- kb: not-a-claim -->`` on the line before a block exempts that whole
  block; front matter ``claims: false`` exempts a whole page.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from pathlib import Path

from ..config.kbconfig import KbConfig
from ..core import scope
from ..core.codes import BAD_PAGE, LINK_OUTSIDE_KB, finding
from ..core.errors import BuildError
from ..core.model import Citation, Claim, Finding, Location, Page
from ..store.files import digest
from . import citations, docsfiles, roles
from .docsfiles import pages_of
from .pageblocks import Block, ParsedPage, mask_code, parse_page

__all__ = ["Block", "build_claims", "claim_id", "load_page_text", "page_files", "pages_of", "parse_page", "read_text"]


def claim_id(page_path: str, text: str) -> str:
    """A stable id: it depends only on the page and the claim's own words, not its citations."""
    return _claim_id_of_plain(page_path, citations.strip(text))


def _claim_id_of_plain(page_path: str, plain: str) -> str:
    norm = " ".join(plain.lower().split())
    return "c-" + hashlib.sha1(f"{page_path}\n{norm}".encode()).hexdigest()[:10]


# a Markdown link or image, ``[text](target "title")``; a target may hold one level of parentheses
_LINK = re.compile(r"!?\[([^\[\]]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)")


def unlink(text: str) -> str:
    """A claim's text as readers see it: a link keeps its words and loses its target (claims.json, search)."""
    return _LINK.sub(r"\1", text) if "](" in text else text


def build_claims(page_path: str, display: str, parsed: ParsedPage, page_conditions: tuple[str, ...], matcher):
    """Turn blocks into claims: citations, list units, ids, conditions and their roles (see kb_tools.core.scope)."""
    blocks = parsed.blocks
    groups = [tuple(citations.scan(b.text)) for b in blocks]
    plains = [unlink(scope.strip_tags(citations.strip(b.text, g))) for b, g in zip(blocks, groups, strict=True)]
    own: list[tuple[Citation, ...]] = [tuple(c for g in gs for c in g.citations) for gs in groups]
    tag_roles = [_tag_roles(b.text, set(matcher.ids)) for b in blocks]
    last_item = {b.lead_in: n for n, b in enumerate(blocks) if b.lead_in is not None}  # lead-in -> its last item
    named: dict[str, tuple[str, ...]] = {}  # heading text -> conditions it names

    def names(text: str) -> tuple[str, ...]:
        got = named.get(text)
        if got is None:
            got = named[text] = matcher.match(citations.strip(text))
        return got

    claims: list[Claim] = []
    seen: dict[str, int] = {}
    for n, b in enumerate(blocks):
        if b.exempt or (b.is_lead_in and n in last_item):  # a lead-in is read with each of its items, never alone
            continue
        leads = _lead_chain(blocks, n)
        cites = own[n] or next((own[m] for m in leads if own[m]), ())
        if not cites and b.lead_in is not None:  # a citation on the last item covers the whole list
            cites = own[last_item[b.lead_in]]
        plain = plains[n]
        cid = _claim_id_of_plain(page_path, plain)
        seen[cid] = seen.get(cid, 0) + 1
        if seen[cid] > 1:
            cid = f"{cid}-{seen[cid]}"
        lead_text = " ".join(" ".join(plains[m].split()) for m in reversed(leads))
        conds, roles_ = _conditions_and_roles(
            plain, lead_text, leads, tag_roles, n, [names(h) for h in b.headings], names, page_conditions, matcher
        )
        claims.append(
            Claim(
                id=cid,
                page=page_path,
                location=Location(display, b.line),
                text=b.text,
                kind=b.kind,
                section=b.section,
                citations=cites,
                conditions=conds,
                line_end=b.line_end,
                plain=plain,
                groups=groups[n],
                headers=b.headers,
                roles=roles_,
                lead_in=lead_text,
            )
        )
    return tuple(claims)


def _lead_chain(blocks, n: int) -> list[int]:
    """The lead-ins a block is read with, nearest first (an item's lead-in may itself be an item)."""
    out: list[int] = []
    at = blocks[n].lead_in
    while at is not None and at not in out:
        out.append(at)
        at = blocks[at].lead_in
    return out


def _tag_roles(text: str, known: set[str]) -> tuple[tuple[str, ...], dict[str, str]]:
    """A block's tagged ids (``none`` kept, unknown ids dropped) and the role each known id is tagged with."""
    found = scope.tags(text)
    ids = tuple(i for t in found for i in t.ids if i in known or i == scope.NONE)
    given: dict[str, str] = {}
    for t in found:
        for cid, role in t.roles:
            if cid in known:
                given.setdefault(cid, role)
    return ids, given


def _conditions_and_roles(plain, lead_text, leads, tag_roles, n, above, names, page_conditions, matcher):
    """A claim's conditions (``scope.claim_conditions``) and the role of each (``kb_tools.load.roles``).

    A list item is read with its lead-ins: their words scope it before any heading does, their tags'
    roles apply to it, and cue words in the lead-in ("should not be given to people with:") give roles.
    """
    lead_ids = tuple(i for m in leads for i in tag_roles[m][0] if i != scope.NONE)
    if leads:
        above = [*above, tuple(dict.fromkeys(names(lead_text) + lead_ids))]
    conds = scope.claim_conditions(names(plain), tag_roles[n][0], tuple(above), page_conditions)
    unit = f"{lead_text} {plain}" if lead_text else plain
    inferred = roles.infer(unit, matcher.spans(unit)) if conds else {}
    given = dict(tag_roles[n][1])
    for m in leads:
        for cid, role in tag_roles[m][1].items():
            given.setdefault(cid, role)
    return conds, tuple(given.get(c) or inferred.get(c) or scope.TREATED for c in conds)


def load_page_text(text: str, page_path: str, display: str, config: KbConfig, matcher) -> tuple[Page, list[Finding]]:
    """Parse one page's text into a Page and its bad-page findings."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # count lines as editors' tools do
    parsed = parse_page(text)
    findings: list[Finding] = []

    def bad(line: int, msg: str) -> None:
        findings.append(finding(BAD_PAGE, Location(display, line), msg))

    if parsed.meta_error:
        at, msg = parsed.meta_error.split(":", 1)
        bad(int(at), msg + "; fix the YAML between the '---' lines")
    meta = parsed.meta
    line_of = _meta_lines(text, parsed.meta_line)
    known = config.condition_ids()
    conds = _page_conditions(meta, known, line_of, bad)
    reviewed, reviewed_invalid = _reviewed(meta, line_of, bad)
    _check_tags(parsed, known, bad)
    _check_directives(text, bad)

    claims_enabled = meta.get("claims", True) is not False
    title = str(meta.get("title") or parsed.first_heading or Path(page_path).stem.replace("-", " ").title())
    claims = build_claims(page_path, display, parsed, tuple(conds), matcher) if claims_enabled else ()
    spans = {(c.location.line, c.line_end) for c in claims}
    other = tuple(s for b in parsed.blocks if (s := (b.line, b.line_end)) not in spans)
    page = Page(
        path=page_path,
        location=Location(display, 1),
        title=title,
        description=str(meta.get("description") or ""),
        conditions=tuple(conds),
        reviewed=reviewed,
        draft=config.is_draft(page_path),
        claims_enabled=claims_enabled,
        claims=claims,
        not_claims=parsed.not_claim_marks,
        reviewed_invalid=reviewed_invalid,
        reviewed_line=line_of("reviewed") if "reviewed" in meta else 0,
        text_digest=digest(text),
        other_blocks=other,
    )
    return page, findings


def _page_conditions(meta: dict, known: tuple[str, ...], line_of, bad) -> list[str]:
    """The front matter's known condition ids; each unknown one, or a value that is no list, is ``bad``."""
    conds_raw = meta.get("conditions", []) or []
    if isinstance(conds_raw, str):
        conds_raw = [conds_raw]
    conds: list[str] = []
    if not isinstance(conds_raw, list):
        bad(line_of("conditions"), "'conditions' must be a list of condition ids")
        conds_raw = []
    for c in conds_raw:
        if str(c) in known:
            conds.append(str(c))
        else:
            bad(line_of("conditions"), f"unknown condition id '{c}'; {_use_one_of(known)}")
    return conds


def _reviewed(meta: dict, line_of, bad) -> tuple[dt.date | None, bool]:
    """The ``reviewed`` date, and whether it was given but is not a date (bad-page says so, stale-review must not)."""
    reviewed = meta.get("reviewed")
    reviewed_invalid = False
    if isinstance(reviewed, dt.datetime):
        reviewed = reviewed.date()
    elif isinstance(reviewed, str):
        try:
            reviewed = dt.date.fromisoformat(reviewed.strip())
        except ValueError:
            bad(line_of("reviewed"), f"'reviewed: {reviewed}' is not a date; write it as YYYY-MM-DD")
            reviewed, reviewed_invalid = None, True
    elif reviewed is not None and not isinstance(reviewed, dt.date):
        bad(line_of("reviewed"), "'reviewed' must be a date written as YYYY-MM-DD")
        reviewed, reviewed_invalid = None, True
    return reviewed, reviewed_invalid


def _check_tags(parsed: ParsedPage, known: tuple[str, ...], bad) -> None:
    """Every conditions tag in the page's blocks names known ids (or none) and at least one; none stands alone."""
    for at in parsed.stray_tags:
        bad(
            at,
            "this conditions tag is on a line of its own, outside every claim, so it tags nothing; "
            "put it inside the claim it is about, usually at its end: ... [@key]. <!-- kb: conditions: ID -->",
        )
    for block in parsed.blocks:
        for tag in scope.tags(block.text):
            at = block.line + block.text[: tag.offset].count("\n")
            for cid in tag.ids:
                if cid not in known and cid != scope.NONE:
                    bad(at, f"unknown condition id '{cid}' in a conditions tag; {_use_one_of(known, 'none')}")
            if not tag.ids and len(tag.errors) < 2:  # nothing but an empty part: say it as plainly as ever
                bad(at, "empty conditions tag; write <!-- kb: conditions: ID, ID --> or <!-- kb: conditions: none -->")
                continue
            for error in tag.errors:
                bad(at, f"conditions tag: {error}; write <!-- kb: conditions: ID; harms: ID; exclusions: ID -->")


# The ``<!-- kb: ... -->`` directives: ``pageblocks.NOT_A_CLAIM``, ``scope.TAG`` and ``evidence.DIRECTIVE``.
DIRECTIVES = ("not-a-claim", "conditions", "harms", "exclusions", "evidence-table")
_DIRECTIVE = re.compile(r"<!--\s*kb:\s*(?P<name>[A-Za-z][\w-]*?)(?=\s|:|-->)", re.I)


def _check_directives(text: str, bad) -> None:
    """A ``<!-- kb: ... -->`` comment outside code names a directive kb knows: a misspelt one would be
    silently ignored (a ``not-a-clam`` mark would publish its block as a claim)."""
    masked = mask_code(text)
    for m in _DIRECTIVE.finditer(masked):
        name = m.group("name").lower()
        start = masked.rfind("\n", 0, m.start()) + 1
        if name in DIRECTIVES or masked[start : m.start()].count("`") % 2:  # known, or inside a code span
            continue
        near = difflib.get_close_matches(name, DIRECTIVES, n=1)
        hint = f"did you mean '{near[0]}'? " if near else ""
        bad(
            masked.count("\n", 0, m.start()) + 1,
            f"unknown kb directive '{m.group('name')}'; {hint}kb knows <!-- kb: not-a-claim -->, "
            "<!-- kb: conditions: ID; harms: ID; exclusions: ID --> and <!-- kb: evidence-table -->",
        )


def _meta_lines(text: str, first: int):
    """Find the line of a front-matter field, for messages that point at it."""
    lines = text.splitlines()

    def line_of(name: str) -> int:
        for n in range(first - 1, min(len(lines), first + 200)):
            if lines[n].startswith(name + ":"):
                return n + 1
            if n >= first and lines[n].strip() == "---":
                break
        return first

    return line_of


def page_files(config: KbConfig) -> list[tuple[Path, str]]:
    """Every Markdown page under docs_dir, with its docs-relative path (through links that stay in the KB)."""
    return pages_of(docsfiles.walk(config.root, config.docs_path))


def outside_links(config: KbConfig, tree: docsfiles.DocsTree) -> list[Finding]:
    """A ``link-outside-kb`` finding for each link in ``docs/`` that leaves the KB (what it points to is not read)."""
    docs = config.docs_path.relative_to(config.root).as_posix() if config.docs_path.is_relative_to(config.root) else ""
    return [
        finding(
            LINK_OUTSIDE_KB,
            Location(f"{docs}/{rel}" if docs else rel, 1),
            f"a symbolic link to {target}, "
            + ("a folder that contains it (following it never ends)" if loop else "outside the KB folder")
            + ": kb neither reads nor publishes it; copy the file or folder into the KB and link to that, "
            "or remove the link",
        )
        for rel, target, loop in tree.outside
    ]


def text_digest(text: str) -> str:
    """What ``Page.text_digest`` holds for a page with this text (line ends counted as editors' tools do)."""
    return digest(text.replace("\r\n", "\n").replace("\r", "\n"))


def changed_during_build(config: KbConfig, page: Page, text: str) -> BuildError | None:
    """The error that stops a build when a stage reads a page that is no longer the text the check read:
    what it would publish (and cache) would mix two texts, so nothing is; the next build reads it afresh."""
    if not page.text_digest or text_digest(text) == page.text_digest:
        return None
    shown = (config.docs_path / page.path).relative_to(config.root).as_posix()
    return BuildError(f"{shown}: the page changed while kb was building the site; nothing was published; build again")


def read_text(path: Path) -> str:
    return decode_page(path.read_bytes())[0]


def decode_page(data: bytes) -> tuple[str, int | None]:
    """A page's text (UTF-8, else Windows-1252 so the check can still read it) and the offset of its first
    byte that is not UTF-8 (None when it is all UTF-8)."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return data.decode("cp1252", errors="replace"), exc.start


def not_utf8(data: bytes, at: int, display: str) -> Finding:
    """``bad-page`` at the line of a page's first byte that is not UTF-8: MkDocs reads pages as UTF-8 only,
    so such a page (Latin-1, Windows-1252) would pass the check and stop the build."""
    msg = (
        f"the page is not UTF-8 text (byte 0x{data[at]:02X} on this line; perhaps Latin-1 or "
        "Windows-1252), and the site is built from UTF-8 only; save the page as UTF-8 in your editor"
    )
    return finding(BAD_PAGE, Location(display, data[:at].count(b"\n") + 1), msg)


def _use_one_of(known: tuple[str, ...], *more: str) -> str:
    """What to write instead of an unknown condition id; a KB may name no conditions at all."""
    if not known:
        return "this KB names no conditions: list them under conditions: in mkdocs.yml, or remove the id"
    return "use one of " + " or ".join(x for x in (", ".join(known), *more) if x)
