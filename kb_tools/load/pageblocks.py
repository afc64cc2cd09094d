"""A page's text to its front matter and claim-shaped blocks, with line numbers (see ``parse_page``).

``pages.py`` turns the blocks into claims; the claim rules are in its docstring and docs/editors-guide.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from ..core import safeyaml, scope
from ..core.model import tuple_state
from . import citations

_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")
NOT_A_CLAIM = re.compile(r"^\s*<!--\s*kb:\s*not-a-claim\s*-->\s*$")
_CONTAINERS = {"list_item_open", "blockquote_open", "admonition_open"}
_LIST_OPEN = ("bullet_list_open", "ordered_list_open")
_LIST_CLOSE = ("bullet_list_close", "ordered_list_close")
_CLOSERS = ("list_item_close", "blockquote_close", "admonition_close")


def markdown_parser() -> MarkdownIt:
    """The parser kb uses everywhere a page's block structure matters."""
    return MarkdownIt("commonmark").enable("table").use(front_matter_plugin).use(admon_plugin)


@tuple_state
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
    stray_tags: tuple[int, ...] = ()  # lines of conditions tags standing on their own, outside every claim


_BLOCKS: list[MarkdownIt] = []


def block_parser() -> MarkdownIt:
    """``markdown_parser`` without inline parsing, made once: blocks keep their inline Markdown as written
    (``Token.content``) and nothing reads the inline tokens, which took a third of the parse."""
    if not _BLOCKS:
        _BLOCKS.append(markdown_parser().disable("inline"))
    return _BLOCKS[0]


def parse_page(text: str, md: MarkdownIt | None = None) -> ParsedPage:
    """Split a page into front matter and claim-shaped blocks, with line numbers."""
    tokens = (md or block_parser()).parse(text)
    walk = _Walk(tokens)
    for i, tok in enumerate(tokens):
        walk.step(i, tok, walk.mark(tok))
    # drop list items with no text of their own (an item holding only a nested list)
    blocks = walk.blocks
    kept = tuple(b for b in blocks if b.text.strip())
    return ParsedPage(
        walk.meta,
        walk.meta_line,
        walk.meta_error,
        _reindex(blocks, kept),
        walk.first_heading,
        walk.marks,
        tuple(walk.stray_tags),
    )


class _Walk:
    """One pass over a page's tokens: the blocks found so far and what is open around the current token."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.meta, self.meta_error, self.meta_line = {}, "", 1
        self.blocks: list[Block] = []
        self.section, self.first_heading, self.marks = "", "", 0
        self.headings: list[tuple[int, str]] = []  # (level, text) of the open headings, outermost first
        self.stack: list[list] = []  # open containers: [token type, item block index or None, exempt]
        self.exempt_level: int | None = None  # level of the block a not-a-claim mark applies to
        self.pending_mark = False
        self.stray_tags: list[int] = []
        self.lead_in_for_list: list[int | None] = []  # per open list: index of its lead-in block

    def mark(self, tok: Token) -> bool:
        """Take front matter and not-a-claim marks; whether ``tok`` lies in an exempt block."""
        if tok.type == "front_matter":
            self.meta, self.meta_error, self.meta_line = _front_matter(tok)
        elif tok.type == "html_block" and NOT_A_CLAIM.match(tok.content.strip().splitlines()[0]):
            self.marks += 1
            self.pending_mark = True
        elif tok.type == "html_block" and (tag := scope.TAG.search(tok.content)):
            # an HTML block is no claim's text: a conditions tag here (e.g. on the line before a claim) does nothing
            self.stray_tags.append(tok.map[0] + 1 + tok.content[: tag.start()].count("\n"))
        elif tok.nesting == 1 and self.pending_mark and self.exempt_level is None:
            self.exempt_level, self.pending_mark = tok.level, False
        elif tok.nesting == 0 and tok.type not in ("inline",) and self.pending_mark and self.exempt_level is None:
            self.pending_mark = False  # a mark followed by code or a rule exempts nothing further
        return self.exempt_level is not None

    def step(self, i: int, tok: Token, exempt: bool) -> None:
        kind = tok.type
        if kind == "heading_open":
            self.heading(i, tok)
        elif kind in _LIST_OPEN:
            self.list_open(i)
        elif kind in _LIST_CLOSE:
            self.lead_in_for_list.pop()
        elif kind == "list_item_open":
            self.item(tok, exempt)
        elif kind in _CONTAINERS:
            self.stack.append([kind, None, exempt])
        elif kind in _CLOSERS:
            self.stack.pop()
        elif kind == "paragraph_open":
            self.paragraph(i, tok, exempt)
        elif kind == "tr_open" and _in_tbody(self.tokens, i):
            self.row(i, tok, exempt)
        if tok.nesting == -1 and self.exempt_level is not None and tok.level == self.exempt_level:
            self.exempt_level = None

    def heading(self, i: int, tok: Token) -> None:
        self.section = self.tokens[i + 1].content.strip()
        level = int(tok.tag[1:])
        self.headings = [h for h in self.headings if h[0] < level] + [(level, self.section)]
        if tok.tag == "h1" and not self.first_heading:
            self.first_heading = self.section

    def list_open(self, i: int) -> None:
        blocks, tokens = self.blocks, self.tokens
        prev = blocks[-1] if blocks else None
        is_lead = (
            prev is not None
            and prev.is_lead_in
            and i > 0
            and tokens[i - 1].type == "paragraph_close"
            and prev.line_end == (tokens[i - 1].map or [0, prev.line_end])[1]
        )
        lead = len(blocks) - 1 if is_lead else None
        if self.stack and self.stack[-1][0] == "list_item_open":
            # a nested list under an item that ends with ":" is that item's list
            idx = self.stack[-1][1]
            lead = idx if _ends_with_colon(blocks[idx].text) else None
            if lead is not None:
                blocks[idx] = replace(blocks[idx], is_lead_in=True)
        self.lead_in_for_list.append(lead)

    def item(self, tok: Token, exempt: bool) -> None:
        self.stack.append([tok.type, None, exempt])
        lead = self.lead_in_for_list[-1] if self.lead_in_for_list else None
        line = tok.map[0] + 1
        self.blocks.append(
            Block("item", line, line, "", self.section, exempt, lead_in=lead, headings=_texts(self.headings))
        )
        self.stack[-1][1] = len(self.blocks) - 1

    def paragraph(self, i: int, tok: Token, exempt: bool) -> None:
        tokens, blocks = self.tokens, self.blocks
        inline = tokens[i + 1]
        start, end = tok.map[0] + 1, tok.map[1]
        owner = self.stack[-1] if self.stack else None
        if owner and owner[0] == "list_item_open":
            idx = owner[1]
            b = blocks[idx]
            joined = (b.text + "\n\n" + inline.content) if b.text else inline.content
            blocks[idx] = replace(b, text=joined, line=min(b.line, start), line_end=max(b.line_end, end))
            return
        nxt = tokens[i + 3] if i + 3 < len(tokens) else None
        lead = _ends_with_colon(inline.content) and nxt is not None and nxt.type in _LIST_OPEN
        headings = _texts(self.headings)
        blocks.append(
            Block("paragraph", start, end, inline.content, self.section, exempt, is_lead_in=lead, headings=headings)
        )

    def row(self, i: int, tok: Token, exempt: bool) -> None:
        tokens = self.tokens
        cells = []
        j = i + 1
        while tokens[j].type != "tr_close":
            if tokens[j].type == "inline":
                cells.append(tokens[j].content.strip())
            j += 1
        headers = _row_headers(cells, _header_cells(tokens, i))
        row = Block("row", tok.map[0] + 1, tok.map[1], _row_text(cells), self.section, exempt, headers=headers)
        self.blocks.append(replace(row, headings=_texts(self.headings)))


def _ends_with_colon(text: str) -> bool:
    """Whether a block introduces a list: it ends with ":", a conditions tag after the colon allowed."""
    return scope.strip_tags(text).rstrip().endswith(":")


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
        data = safeyaml.load(tok.content, _MetaLoader) if tok.content.strip() else {}
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        at = line + mark.line if mark is not None else line
        return {}, f"{at}:front matter is not valid YAML ({getattr(exc, 'problem', exc)})", line
    if not isinstance(data, dict):
        return {}, f"{line}:front matter must be a mapping of fields such as 'title: ...'", line
    return data, "", line


def mask_code(text: str) -> str:
    """Blank out fenced code blocks, keeping every offset.

    A claim block's line range can enclose a fence (a list item with code between
    its paragraphs); ``citations.scan`` itself skips code spans, links and URLs.
    """
    out = list(text)
    pos, fence = 0, ""
    for line in text.splitlines(keepends=True):
        m = _FENCE.match(line)
        if fence or m:
            out[pos : pos + len(line)] = [c if c == "\n" else " " for c in line]
            if not fence:
                fence = m.group(1)
            elif m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = ""
        pos += len(line)
    return "".join(out)
