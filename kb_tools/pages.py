"""Load topic pages: front matter, and the claims in each page body.

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
import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from . import citations, scope
from .cache import text_key
from .codes import finding
from .conditions import ConditionMatcher
from .config import KbConfig
from .model import Citation, Claim, Finding, Location, Page

NOT_A_CLAIM = re.compile(r"^\s*<!--\s*kb:\s*not-a-claim\s*-->\s*$")
_CONTAINERS = {"list_item_open", "blockquote_open", "admonition_open"}


def markdown_parser() -> MarkdownIt:
    """The parser kb uses everywhere a page's block structure matters."""
    return MarkdownIt("commonmark").enable("table").use(front_matter_plugin).use(admon_plugin)


@dataclass(frozen=True, slots=True)
class Block:
    """One claim-shaped block of a page, before citations are interpreted."""

    kind: str  # "paragraph", "item" or "row"
    line: int  # 1-based first line in the file
    line_end: int  # 1-based last line, inclusive
    text: str  # the inline Markdown, as written
    section: str
    exempt: bool  # inside a block marked not-a-claim
    lead_in: int | None = None  # index of the lead-in block this item belongs to
    is_lead_in: bool = False
    headings: tuple[str, ...] = ()  # the headings the block sits under, outermost first
    headers: tuple[str, ...] = ()  # a row's column headings, one per " | "-separated cell of ``text``


@dataclass(frozen=True)
class ParsedPage:
    """A page's front matter and blocks, as parsed from its text."""

    meta: dict
    meta_line: int  # 1-based line of the front matter's first field
    meta_error: str
    blocks: tuple[Block, ...]
    first_heading: str
    not_claim_marks: int


def parse_page(text: str, md: MarkdownIt | None = None) -> ParsedPage:
    """Split a page into front matter and claim-shaped blocks, with line numbers."""
    tokens = (md or markdown_parser()).parse(text)
    meta, meta_error, meta_line = {}, "", 1
    blocks: list[Block] = []
    section, first_heading, marks = "", "", 0
    headings: list[tuple[int, str]] = []  # (level, text) of the open headings, outermost first
    stack: list[list] = []  # open containers: [token type, item block index or None, exempt]
    exempt_level: int | None = None  # level of the block a not-a-claim mark applies to
    pending_mark = False
    lead_in_for_list: list[int | None] = []  # per open list: index of its lead-in block
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "front_matter":
            meta, meta_error, meta_line = _front_matter(tok)
        elif tok.type == "html_block" and NOT_A_CLAIM.match(tok.content.strip().splitlines()[0]):
            marks += 1
            pending_mark = True
        elif tok.nesting == 1 and pending_mark and exempt_level is None:
            exempt_level, pending_mark = tok.level, False
        elif tok.nesting == 0 and tok.type not in ("inline",) and pending_mark and exempt_level is None:
            pending_mark = False  # a mark followed by code or a rule exempts nothing further
        exempt = exempt_level is not None

        if tok.type == "heading_open":
            section = tokens[i + 1].content.strip()
            level = int(tok.tag[1:])
            headings = [h for h in headings if h[0] < level] + [(level, section)]
            if tok.tag == "h1" and not first_heading:
                first_heading = section
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            prev = blocks[-1] if blocks else None
            is_lead = (
                prev is not None
                and prev.is_lead_in
                and i > 0
                and tokens[i - 1].type == "paragraph_close"
                and prev.line_end == (tokens[i - 1].map or [0, prev.line_end])[1]
            )
            lead = len(blocks) - 1 if is_lead else None
            if stack and stack[-1][0] == "list_item_open":
                # a nested list under an item that ends with ":" is that item's list
                idx = stack[-1][1]
                lead = idx if blocks[idx].text.rstrip().endswith(":") else None
                if lead is not None:
                    blocks[idx] = replace(blocks[idx], is_lead_in=True)
            lead_in_for_list.append(lead)
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            lead_in_for_list.pop()
        elif tok.type == "list_item_open":
            stack.append([tok.type, None, exempt])
            lead = lead_in_for_list[-1] if lead_in_for_list else None
            blocks.append(
                Block(
                    "item", tok.map[0] + 1, tok.map[0] + 1, "", section, exempt, lead_in=lead, headings=_texts(headings)
                )
            )
            stack[-1][1] = len(blocks) - 1
        elif tok.type in _CONTAINERS:
            stack.append([tok.type, None, exempt])
        elif tok.type in ("list_item_close", "blockquote_close", "admonition_close"):
            stack.pop()
        elif tok.type == "paragraph_open":
            inline = tokens[i + 1]
            start, end = tok.map[0] + 1, tok.map[1]
            owner = stack[-1] if stack else None
            if owner and owner[0] == "list_item_open":
                idx = owner[1]
                b = blocks[idx]
                joined = (b.text + "\n\n" + inline.content) if b.text else inline.content
                blocks[idx] = replace(b, text=joined, line=min(b.line, start), line_end=max(b.line_end, end))
            else:
                nxt = tokens[i + 3] if i + 3 < len(tokens) else None
                lead = (
                    inline.content.rstrip().endswith(":")
                    and nxt is not None
                    and nxt.type in ("bullet_list_open", "ordered_list_open")
                )
                blocks.append(
                    Block(
                        "paragraph",
                        start,
                        end,
                        inline.content,
                        section,
                        exempt,
                        is_lead_in=lead,
                        headings=_texts(headings),
                    )
                )
        elif tok.type == "tr_open" and _in_tbody(tokens, i):
            cells = []
            j = i + 1
            while tokens[j].type != "tr_close":
                if tokens[j].type == "inline":
                    cells.append(tokens[j].content.strip())
                j += 1
            headers = _row_headers(cells, _header_cells(tokens, i))
            row = Block("row", tok.map[0] + 1, tok.map[1], _row_text(cells), section, exempt, headers=headers)
            blocks.append(replace(row, headings=_texts(headings)))

        if tok.nesting == -1 and exempt_level is not None and tok.level == exempt_level:
            exempt_level = None
        i += 1
    # drop list items with no text of their own (an item holding only a nested list)
    kept = tuple(b for b in blocks if b.text.strip())
    return ParsedPage(meta, meta_line, meta_error, _reindex(blocks, kept), first_heading, marks)


def _texts(headings: list[tuple[int, str]]) -> tuple[str, ...]:
    return tuple(text for _, text in headings)


def _reindex(before: list[Block], kept: tuple[Block, ...]) -> tuple[Block, ...]:
    """Rewrite ``lead_in`` indexes after empty items were dropped."""
    new_index = {id(b): n for n, b in enumerate(kept)}
    out = []
    for b in kept:
        if b.lead_in is not None:
            b = replace(b, lead_in=new_index.get(id(before[b.lead_in])))
        out.append(b)
    return tuple(out)


def _row_text(cells: list[str]) -> str:
    """A table row as one claim: its cells in order, cells holding only citations moved to the end.

    A "Source" column of bare citations would otherwise leave the plain text starting with "| ".
    """
    words = [c for c in cells if citations.strip(c)]
    cites = [c for c in cells if c and not citations.strip(c)]
    return " | ".join(words) + (" " + " ".join(cites) if cites and words else " ".join(cites))


def _header_cells(tokens: list[Token], i: int) -> list[str]:
    """The column headings of the table whose body row starts at ``tokens[i]``."""
    start = next((j for j in range(i - 1, -1, -1) if tokens[j].type == "thead_open"), None)
    cells: list[str] = []
    for tok in tokens[start + 1 :] if start is not None else ():
        if tok.type == "thead_close":
            break
        if tok.type == "inline":
            cells.append(tok.content.strip())
    return cells


def _row_headers(cells: list[str], headers: list[str]) -> tuple[str, ...]:
    """The heading of each cell ``_row_text`` keeps as words (citation-only cells move to the end)."""
    padded = headers + [""] * (len(cells) - len(headers))
    kept = tuple(h for c, h in zip(cells, padded, strict=False) if citations.strip(c))
    return kept if any(kept) else ()


def labelled_row(text: str, headers: tuple[str, ...]) -> str:
    """A table-row claim read with its headings: "Approach: Motor control; Dose: 8 weeks".

    ``text`` is the row as ``_row_text`` joined it (citations may follow the last cell); rows whose
    cells no longer line up with the headings are returned unchanged.
    """
    cells = text.split(" | ")
    if not headers or len(cells) != len(headers):
        return text
    return "; ".join(f"{h}: {c}" if h else c for h, c in zip(headers, cells, strict=True))


def _in_tbody(tokens: list[Token], i: int) -> bool:
    for j in range(i - 1, -1, -1):
        if tokens[j].type in ("tbody_open", "thead_open"):
            return tokens[j].type == "tbody_open"
    return False


class _MetaLoader(yaml.SafeLoader):
    """Safe YAML without implicit timestamps, so a bad date is a finding we word, not a crash."""


_MetaLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in rules if tag != "tag:yaml.org,2002:timestamp"]
    for ch, rules in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _front_matter(tok: Token) -> tuple[dict, str, int]:
    line = (tok.map[0] + 2) if tok.map else 2
    try:
        data = yaml.load(tok.content, Loader=_MetaLoader) if tok.content.strip() else {}
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        at = line + mark.line if mark is not None else line
        return {}, f"{at}:front matter is not valid YAML ({getattr(exc, 'problem', exc)})", line
    if not isinstance(data, dict):
        return {}, f"{line}:front matter must be a mapping of fields such as 'title: ...'", line
    return data, "", line


def claim_id(page_path: str, text: str) -> str:
    """A stable id: it depends only on the page and the claim's own words, not its citations."""
    return _claim_id_of_plain(page_path, citations.strip(text))


def _claim_id_of_plain(page_path: str, plain: str) -> str:
    norm = " ".join(plain.lower().split())
    return "c-" + hashlib.sha1(f"{page_path}\n{norm}".encode()).hexdigest()[:10]


def build_claims(page_path: str, display: str, parsed: ParsedPage, page_conditions: tuple[str, ...], matcher):
    """Turn blocks into claims: citations, lead-in inheritance, ids and conditions (see kb_tools.scope)."""
    groups = [tuple(citations.scan(b.text)) for b in parsed.blocks]
    plains = [scope.strip_tags(citations.strip(b.text, g)) for b, g in zip(parsed.blocks, groups, strict=True)]
    known = set(matcher.ids)
    tagged = [
        tuple(i for t in scope.tags(b.text) for i in t.ids if i in known or i == scope.NONE) for b in parsed.blocks
    ]
    named: dict[str, tuple[str, ...]] = {}  # heading text -> conditions it names

    def names(text: str) -> tuple[str, ...]:
        got = named.get(text)
        if got is None:
            got = named[text] = matcher.match(citations.strip(text))
        return got

    own: list[tuple[Citation, ...]] = [tuple(c for g in gs for c in g.citations) for gs in groups]
    claims: list[Claim] = []
    seen: dict[str, int] = {}
    for n, b in enumerate(parsed.blocks):
        if b.exempt:
            continue
        cites = own[n]
        if not cites and b.lead_in is not None:
            cites = own[b.lead_in]
        if not cites and b.is_lead_in:
            items = [m for m, x in enumerate(parsed.blocks) if x.lead_in == n]
            if items and all(own[m] for m in items):
                cites = tuple(c for m in items for c in own[m])
        plain = plains[n]
        cid = _claim_id_of_plain(page_path, plain)
        seen[cid] = seen.get(cid, 0) + 1
        if seen[cid] > 1:
            cid = f"{cid}-{seen[cid]}"
        # a lead-in's own words scope its items as they scope their citations, before any heading does
        above = [names(h) for h in b.headings]
        if b.lead_in is not None:
            lead = names(plains[b.lead_in]) + tuple(t for t in tagged[b.lead_in] if t != scope.NONE)
            above.append(tuple(dict.fromkeys(lead)))
        conds = scope.claim_conditions(names(plain), tagged[n], tuple(above), page_conditions)
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
            )
        )
    return tuple(claims)


def load_page_text(text: str, page_path: str, display: str, config: KbConfig, matcher) -> tuple[Page, list[Finding]]:
    """Parse one page's text into a Page and its bad-page findings."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # count lines as editors' tools do
    parsed = parse_page(text)
    findings: list[Finding] = []

    def bad(line: int, msg: str) -> None:
        findings.append(finding("bad-page", Location(display, line), msg))

    if parsed.meta_error:
        at, msg = parsed.meta_error.split(":", 1)
        bad(int(at), msg + "; fix the YAML between the '---' lines")
    meta = parsed.meta
    line_of = _meta_lines(text, parsed.meta_line)

    conds_raw = meta.get("conditions", []) or []
    if isinstance(conds_raw, str):
        conds_raw = [conds_raw]
    conds: list[str] = []
    known = config.condition_ids()
    if not isinstance(conds_raw, list):
        bad(line_of("conditions"), "'conditions' must be a list of condition ids")
        conds_raw = []
    for c in conds_raw:
        if str(c) in known:
            conds.append(str(c))
        else:
            bad(line_of("conditions"), f"unknown condition id '{c}'; {_use_one_of(known)}")

    reviewed = meta.get("reviewed")
    reviewed_invalid = False  # given but not a date: bad-page says so, stale-review must not
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

    for block in parsed.blocks:
        for tag in scope.tags(block.text):
            for cid in tag.ids:
                if cid not in known and cid != scope.NONE:
                    at = block.line + block.text[: tag.offset].count("\n")
                    bad(at, f"unknown condition id '{cid}' in a conditions tag; {_use_one_of(known, 'none')}")
            if not tag.ids:
                at = block.line + block.text[: tag.offset].count("\n")
                bad(at, "empty conditions tag; write <!-- kb: conditions: ID, ID --> or <!-- kb: conditions: none -->")

    claims_enabled = meta.get("claims", True) is not False
    title = str(meta.get("title") or parsed.first_heading or Path(page_path).stem.replace("-", " ").title())
    claims = build_claims(page_path, display, parsed, tuple(conds), matcher) if claims_enabled else ()
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
    )
    return page, findings


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
    """Every Markdown page under docs_dir, with its docs-relative path."""
    docs = config.docs_path
    if not docs.is_dir():
        return []
    out = []
    for p in sorted(docs.rglob("*.md")):
        rel = p.relative_to(docs).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        out.append((p, rel))
    return out


def read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def load_pages(config: KbConfig, memo: dict | None = None) -> tuple[list[Page], list[Finding]]:
    """Load every page of the KB.

    ``memo`` (see kb_tools.cache) maps ``(path, text hash)`` to a page's ``(Page, findings)``:
    unchanged pages are taken from it, and afterwards it holds exactly this run's pages.
    """
    matcher = ConditionMatcher(config.conditions)
    pages: list[Page] = []
    findings: list[Finding] = []
    fresh: dict = {}
    for path, rel in page_files(config):
        display = path.relative_to(config.root).as_posix()
        try:
            text = read_text(path)
        except OSError as exc:
            findings.append(finding("bad-page", Location(display, 1), f"cannot read the page ({exc.strerror})"))
            continue
        key = text_key(rel, text) if memo is not None else None
        hit = memo.get(key) if memo is not None else None
        page, found = hit if hit is not None else load_page_text(text, rel, display, config, matcher)
        if memo is not None:
            fresh[key] = (page, found)
        pages.append(page)
        findings.extend(found)
    if memo is not None:
        memo.clear()
        memo.update(fresh)
    return pages, findings


def _use_one_of(known: tuple[str, ...], *more: str) -> str:
    """What to write instead of an unknown condition id; a KB may name no conditions at all."""
    if not known:
        return "this KB names no conditions: list them under conditions: in mkdocs.yml, or remove the id"
    return "use one of " + " or ".join(x for x in (", ".join(known), *more) if x)
