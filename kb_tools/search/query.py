"""Reading a reader's query: words, "phrases", -exclusions, OR, field filters, synonyms and lay terms.

The parser never fails on odd input: stray quotes close at the end, lone
operators and dashes are ignored. It raises QueryError only for what a reader
can fix (an empty ``condition:`` or an unknown condition).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem

TOKEN = re.compile(r'(?P<neg>-+)?(?:(?P<field>[A-Za-z]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))?')
WORD = re.compile(r"\w+")
OPERATORS = {"AND", "OR", "NOT"}
# query prefix -> (kind, index field)
FIELDS = {
    "condition": ("condition", "conditions"),
    "source": ("source", "sources"),
    "evidence": ("filter", "evidence"),  # deprecated single ladder
    "design": ("filter", "design"),
    "authority": ("filter", "authorities"),
    "year": ("filter", "years"),
    # words that must match as typed, without synonyms or lay terms, each word on its own: author: in
    # the cited sources' authors, organisations and titles; section: in the claim's own words (its text,
    # page title and section heading); title: in either
    "author": ("unit", "cited"),
    "title": ("unit", "title"),
    "section": ("unit", "own"),
}


# a reader's mistakes, as the engine and the browser's static search say them
NEEDS_VALUE = "'{name}:' needs a value, e.g. {name}:{example}"
UNKNOWN_CONDITION = "unknown condition '{value}'; valid condition ids are: {ids}"


class QueryError(ValueError):
    """A query that cannot be searched; the message tells the reader what to type instead."""


@dataclass(frozen=True)
class Unit:
    """One thing that must match: a word, a phrase, or a condition or lay term with its stand-ins."""

    words: tuple[str, ...]
    quoted: bool = False
    field: str = ""  # set when the unit may match in one field only (author:, title:, ...)
    condition: str = ""  # the condition id these words name, if any
    expansions: tuple[tuple[str, ...], ...] = ()  # lay-term stand-ins


@dataclass(frozen=True)
class Clause:
    """Units joined by OR; a query's clauses are joined by AND."""

    units: tuple[Unit, ...]


@dataclass(frozen=True)
class Parsed:
    clauses: tuple[Clause, ...]
    negated: tuple[Unit, ...]
    conditions: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    filters: tuple[tuple[str, str], ...] = ()


def words_of(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(text.lower()))


@dataclass(frozen=True)
class Vocabulary:
    """The condition vocabulary and lay-term map, indexed for matching query words."""

    conditions: tuple[tuple[str, str, tuple[str, ...]], ...]  # (id, name, synonyms)
    condition_phrases: dict[tuple[str, ...], str]  # lower-case words -> condition id
    lay: dict[tuple[str, ...], tuple[tuple[str, ...], ...]]  # stemmed words -> stand-ins
    stop_words: frozenset[str]
    longest: int

    @classmethod
    def from_meta(cls, meta: dict) -> Vocabulary:
        conds = tuple(
            (c["id"], c.get("name", c["id"]), tuple(c.get("synonyms", ()))) for c in meta.get("conditions", [])
        )
        phrases: dict[tuple[str, ...], str] = {}
        for cid, name, syns in conds:
            for phrase in (cid, name, *syns):
                ws = words_of(phrase)
                if ws:
                    phrases.setdefault(ws, cid)
                    # readers write "migraine headache" as often as "migraine headaches"
                    last = ws[-1]
                    alt = last[:-1] if last.endswith("s") and len(last) > 3 else last + "s"
                    phrases.setdefault(ws[:-1] + (alt,), cid)
        lay_meta = meta.get("lay_terms") or {}
        lay = {}
        for key, standins in (lay_meta.get("terms") or {}).items():
            ws = words_of(key)
            if ws:
                lay[tuple(stem(w) for w in ws)] = tuple(words_of(s) for s in standins if words_of(s))
        stop = frozenset(lay_meta.get("stop_words") or ()) | STOP_WORDS
        longest = max([len(k) for k in phrases] + [len(k) for k in lay] + [1])
        return cls(conds, phrases, lay, stop, longest)

    @property
    def condition_ids(self) -> tuple[str, ...]:
        return tuple(c[0] for c in self.conditions)

    def condition_phrases_of(self, cid: str) -> list[tuple[str, ...]]:
        return [words_of(p) for c in self.conditions if c[0] == cid for p in (c[1], *c[2]) if words_of(p)]

    def resolve_condition(self, value: str) -> str:
        """A condition id from an id, a name or a synonym, in any case."""
        ws = words_of(value)
        cid = self.condition_phrases.get(ws) if ws else None
        if value.strip().lower() in self.condition_ids:
            cid = value.strip().lower()
        if not cid:
            raise QueryError(UNKNOWN_CONDITION.format(value=value, ids=", ".join(self.condition_ids) or "(none)"))
        return cid

    def match(self, words: list[str], i: int) -> tuple[int, Unit] | None:
        """The longest condition phrase or lay term starting at ``words[i]``."""
        for n in range(min(self.longest, len(words) - i), 0, -1):
            key = tuple(words[i : i + n])
            cid = self.condition_phrases.get(key, "")
            standins = self.lay.get(tuple(stem(w) for w in key), ())
            if cid or standins:
                return n, Unit(key, condition=cid, expansions=standins)
        return None


def _units(words: list[str], vocab: Vocabulary) -> list[Unit]:
    """Plain words into units: known phrases first, then single words less stop words."""
    out: list[Unit] = []
    i = 0
    while i < len(words):
        found = vocab.match(words, i)
        if found:
            n, unit = found
            out.append(unit)
            i += n
            continue
        if words[i] not in vocab.stop_words:
            out.append(Unit((words[i],)))
        i += 1
    return out


class _Builder:
    """Collects clauses while the tokens are read."""

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        self.clauses: list[Clause] = []
        self.negated: list[Unit] = []
        self.run: list[str] = []
        self.join_next = False
        self.negate_next = False
        self.conditions: list[str] = []
        self.sources: list[str] = []
        self.filters: list[tuple[str, str]] = []

    def add(self, unit: Unit, neg: bool = False) -> None:
        if neg or self.negate_next:
            self.negated.append(unit)
            self.negate_next = False
        elif self.join_next and self.clauses:
            self.clauses[-1] = Clause(self.clauses[-1].units + (unit,))
            self.join_next = False
        else:
            self.clauses.append(Clause((unit,)))

    def flush(self) -> None:
        for unit in _units(self.run, self.vocab):
            self.add(unit)
        self.run = []

    def operator(self, op: str) -> None:
        self.flush()
        if op == "OR":
            self.join_next = bool(self.clauses)
        elif op == "NOT":
            self.negate_next = True

    def field(self, name: str, value: str, neg: bool) -> None:
        self.flush()
        kind, fname = FIELDS[name]
        if not value.strip():
            example = (self.vocab.condition_ids or ("ID",))[0] if name == "condition" else EXAMPLES[name]
            raise QueryError(NEEDS_VALUE.format(name=name, example=example))
        if kind == "unit":
            ws = words_of(value)
            for w in ws:  # those fields keep no word positions: each word must match
                self.add(Unit((w,), field=fname), neg)
        elif kind == "condition":
            cid = self.vocab.resolve_condition(value)
            if neg:
                self.negated.append(Unit((cid,), field=fname))
            else:
                self.conditions.append(cid)
        elif neg:
            self.negated.append(Unit((value.strip().lower(),), field=fname))
        elif kind == "source":
            self.sources.append(value.strip())
        else:
            self.filters.append((fname, value.strip().lower()))

    def parsed(self) -> Parsed:
        self.flush()
        return Parsed(
            tuple(self.clauses), tuple(self.negated), tuple(self.conditions), tuple(self.sources), tuple(self.filters)
        )


EXAMPLES = {"source": "fda2023", "evidence": "rct", "year": "2023", "author": "smith"}
EXAMPLES.update(design="rct", authority="regulatory")
EXAMPLES.update(title="safety", section="monitoring")


def parse(query: str, vocab: Vocabulary) -> Parsed:
    """Read ``query`` into clauses and filters."""
    b = _Builder(vocab)
    pos = 0
    while pos < len(query):
        if query[pos].isspace():
            pos += 1
            continue
        m = TOKEN.match(query, pos)
        if m is None or m.end() == pos:  # pragma: no cover - the pattern matches any non-space character
            pos += 1
            continue
        pos = m.end()
        neg, name, phrase, word = bool(m.group("neg")), m.group("field"), m.group("phrase"), m.group("word")
        if name and name.lower() in FIELDS:
            b.field(name.lower(), phrase if phrase is not None else (word or ""), neg)
        elif name:  # "http://..." or "note:": not a field, just words
            b.run += words_of(m.group(0)) if not neg else []
        elif phrase is not None:
            b.flush()
            ws = words_of(phrase)
            if ws:
                b.add(Unit(ws, quoted=True), neg)
        elif word in OPERATORS and not neg:
            b.operator(word)
        elif word:
            if neg:
                b.flush()
                ws = words_of(word)
                if ws:
                    b.add(Unit(ws, quoted=len(ws) > 1), neg=True)
            else:
                b.run += words_of(word)
    return b.parsed()
