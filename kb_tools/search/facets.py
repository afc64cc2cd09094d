"""Search facets: condition, role, study design and source type, with exact counts per value.

Each facet value's claims are read once per open index as a bitset of document numbers
(``FacetSets``), so a query's counts are AND and popcount on bitsets of its matching claims (which
the engine caches per word, phrase and filter), never a walk over hits. Within a facet the chosen
values are OR-ed, and facets are AND-ed. Counts are disjunctive: a facet's counts apply the other
facets' choices but not its own, so each value says how many claims choosing it (too) would give.

The role facet (treated, harm, exclusion) is read with the condition facet: with conditions chosen, a
claim has a role when one of *those* conditions has it in the claim (a warning about liver injury in an
asthma trial is a harm for liver disease, not for asthma); without, when any does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from whoosh.query import Term

from ..config.kbconfig import SOURCE_TYPES
from ..core.grading import DESIGNS, NO_DESIGN, SOURCETYPE_LABELS, design_label
from .query import QueryError

FACETS = ("condition", "role", "design", "sourcetype")
FACET_LABELS = {"condition": "Condition", "role": "Role of the condition", "design": "Study design"}
FACET_LABELS["sourcetype"] = "Source type"  # the filters' headings on the search page
FIELDS = {"condition": "conditions", "role": "role", "design": "design", "sourcetype": "sourcetypes"}
ROLE_LABELS = {"treated": "Treated or studied", "harm": "Harm", "exclusion": "Exclusion"}
SORTS = ("relevance", "design")
CHOSEN_CACHE = 256  # unions of chosen values, per open index
UNKNOWN_VALUE = "unknown {name} '{value}'; valid values are: {values}"
UNKNOWN_SORT = "unknown sort '{value}'; valid values are: {values}"


@dataclass(frozen=True)
class Selection:
    """The values a reader chose in each facet (ids, already checked)."""

    condition: tuple[str, ...] = ()
    design: tuple[str, ...] = ()
    sourcetype: tuple[str, ...] = ()
    role: tuple[str, ...] = ()

    def of(self, facet: str) -> tuple[str, ...]:
        return getattr(self, facet)


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int

    def to_json(self) -> dict:
        return {"value": self.value, "label": self.label, "count": self.count}


def check_choices(values: Iterable[str], allowed: Iterable[str], name: str) -> tuple[str, ...]:
    """``values`` as ids, each checked against ``allowed``; QueryError naming the allowed ones otherwise."""
    allowed = tuple(allowed)
    out = []
    for v in values:
        v = v.strip().lower()
        if v not in allowed:
            raise QueryError(UNKNOWN_VALUE.format(name=name, value=v, values=", ".join(allowed)))
        out.append(v)
    return tuple(dict.fromkeys(out))


def check_sort(sort: str) -> str:
    sort = (sort or "relevance").strip().lower()
    if sort not in SORTS:
        raise QueryError(UNKNOWN_SORT.format(value=sort, values=", ".join(SORTS)))
    return sort


def to_bits(docs: Iterable[int], size: int) -> int:
    """A set of document numbers as a bitset (bit ``d`` set for each docnum ``d``): AND and popcount on
    bitsets are C-speed, where intersecting Python sets costs per element."""
    buf = bytearray((size + 7) // 8)
    for d in docs:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


class FacetSets:
    """Per open index: each facet value's claims (a frozenset of document numbers, to narrow results, and a
    bitset, to count them), and each claim's design rank."""

    def __init__(self, searcher, all_docs: set, meta: dict):
        self.designs = tuple(meta.get("designs") or DESIGNS)
        self.labels = {
            "condition": {c["id"]: c.get("name", c["id"]) for c in meta.get("conditions", [])},
            "role": dict(ROLE_LABELS),
            "design": {d: design_label(d) for d in (*self.designs, NO_DESIGN)},
            "sourcetype": {t: SOURCETYPE_LABELS.get(t, t) for t in SOURCE_TYPES},
        }
        self.sets: dict[str, dict[str, frozenset]] = {}
        for facet, labels in self.labels.items():
            self.sets[facet] = {
                v: frozenset(searcher.docs_for_query(Term(FIELDS[facet], v))) for v in labels if v != NO_DESIGN
            }
        graded = frozenset().union(*self.sets["design"].values())
        self.sets["design"][NO_DESIGN] = frozenset(all_docs - graded)  # no study design among its sources
        self.size = max(all_docs, default=-1) + 1
        self.bits = {f: {v: to_bits(s, self.size) for v, s in sets.items()} for f, sets in self.sets.items()}
        self.strength = [len(self.designs)] * self.size  # docnum -> design rank, for sort=design
        for rank, design in enumerate(self.designs):
            for d in self.sets["design"][design]:
                self.strength[d] = rank
        self._chosen: OrderedDict = OrderedDict()
        self._searcher = searcher
        self._pairs: dict[str, tuple[frozenset, int]] = {}  # "condition:role" -> its claims, read when first asked

    def allowed(self, facet: str) -> tuple[str, ...]:
        return tuple(self.labels[facet])

    def _pair(self, condition: str, role: str) -> tuple[frozenset, int]:
        key = f"{condition}:{role}"
        got = self._pairs.get(key)
        if got is None:
            docs = frozenset(self._searcher.docs_for_query(Term("roles", key)))
            got = self._pairs[key] = (docs, to_bits(docs, self.size))
        return got

    def value_sets(self, facet: str, value: str, sel: Selection) -> tuple[frozenset, int]:
        """The claims having ``value`` in ``facet``; a role, for the chosen conditions when there are any."""
        if facet != "role" or not sel.condition:
            return self.sets[facet][value], self.bits[facet][value]
        pairs = [self._pair(c, value) for c in sel.condition]
        bits = 0
        for _, b in pairs:
            bits |= b
        return frozenset().union(*(p[0] for p in pairs)), bits

    def chosen(self, sel: Selection) -> dict[str, tuple[frozenset, int] | None]:
        """Per facet, the claims having any of its chosen values, as (set, bitset) (None: nothing chosen)."""
        out: dict[str, tuple[frozenset, int] | None] = {}
        for facet in FACETS:
            values = sel.of(facet)
            if not values:
                out[facet] = None
                continue
            key = (facet, values, sel.condition if facet == "role" else ())
            got = self._chosen.get(key)
            if got is None:
                parts = [self.value_sets(facet, v, sel) for v in values]
                docs = frozenset().union(*(p[0] for p in parts))
                bits = 0
                for _, b in parts:
                    bits |= b
                got = self._chosen[key] = (docs, bits)
                if len(self._chosen) > CHOSEN_CACHE:
                    self._chosen.popitem(last=False)
            out[facet] = got
        return out

    def counts(self, found: int, chosen: dict[str, tuple[frozenset, int] | None], sel: Selection) -> dict[str, tuple]:
        """Disjunctive counts of the claims in bitset ``found`` (the query's matches, before any facet choice)."""
        out = {}
        for facet in FACETS:
            x = found
            for other, got in chosen.items():
                if other != facet and got is not None:
                    x &= got[1]
            counts = {v: (x & self.value_sets(facet, v, sel)[1]).bit_count() for v in self.bits[facet]}
            out[facet] = self._listed(facet, counts, sel.of(facet))
        return out

    def _listed(self, facet: str, counts: dict[str, int], selected: tuple[str, ...]) -> tuple[FacetValue, ...]:
        """Values with claims or chosen; conditions in config order, designs strongest first, types by count."""
        values = [v for v in self.labels[facet] if counts.get(v) or v in selected]
        if facet == "sourcetype":
            values.sort(key=lambda v: -counts.get(v, 0))  # stable: ties keep SOURCE_TYPES order
        return tuple(FacetValue(v, self.labels[facet][v], counts.get(v, 0)) for v in values)
