"""Findings records: the data an editor extracts from a source, one YAML file per source.

A record lives at ``references/records/<key>.yml`` by default (the ``records:`` option lists glob
patterns); the file's stem is the source's BibTeX key. Every field is optional:

    design, sourcetype, authority           classification, kept beside a reference manager's export
    pooled                                  what a meta-analysis or systematic review pooled: randomised,
                                            observational or mixed
    population, sample_size, setting,       free text or a number
    intervention, comparator, notes
    outcomes                                a list of {outcome, value, timepoint}
    numbers                                 other figures the source reports that claims may state
    findings                                a list of {id, statement, locator, quote}: what the source
                                            reports, statement by statement (``kb_tools.load.findings``)
    key                                     must equal the file's stem

Values are read as written (``yaml.compose``, never constructed), so ``2,665``, ``No`` or ``0.50``
stay what the editor typed and every field keeps its line for findings. Problems are ``bad-record``
findings, never exceptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from ..config.kbconfig import SOURCE_TYPES
from ..core import grading, safeyaml
from ..core.codes import BAD_RECORD, finding
from ..core.model import Finding, Location, Source, tuple_state
from ..core.numbers import extract
from ..core.safeyaml import node_line, scalar_text
from .bibtex import decode_bytes
from .findings import SourceFinding, parse_findings

DESIGNS = (*grading.DESIGNS, grading.NO_DESIGN)
AUTHORITIES = grading.AUTHORITIES
TEXT_FIELDS = ("population", "sample_size", "setting", "intervention", "comparator", "notes")
FIELDS = ("key", "design", "pooled", "sourcetype", "authority", *TEXT_FIELDS, "outcomes", "numbers", "findings")
# what a source reports, for the number and support checks: never notes (the editor's), never the .bib's fields
REPORTED_FIELDS = ("population", "sample_size", "setting", "intervention", "comparator")
OUTCOME_FIELDS = ("outcome", "value", "timepoint")


@tuple_state
@dataclass(frozen=True, slots=True)
class Outcome:
    """One outcome a source reports and its value, e.g. ``Response: 45% (after treatment)``."""

    outcome: str
    value: str = ""
    timepoint: str = ""


@tuple_state
@dataclass(frozen=True, slots=True)
class Record:
    """One source's findings record, its values as written."""

    key: str
    location: Location  # the file, line 1
    design: str = ""
    sourcetype: str = ""
    authority: tuple[str, ...] = ()
    pooled: str = ""  # randomised, observational or mixed (kb_tools.core.grading.POOLED)
    population: str = ""
    sample_size: str = ""
    setting: str = ""
    intervention: str = ""
    comparator: str = ""
    outcomes: tuple[Outcome, ...] = ()
    numbers: tuple[str, ...] = ()
    notes: str = ""
    findings: tuple[SourceFinding, ...] = ()
    lines: tuple[tuple[str, int], ...] = ()  # each given field's line

    def line(self, name: str) -> int:
        return dict(self.lines).get(name, 1)

    def reported(self) -> list[str]:
        """What the source reports, as the record says: findings, outcomes, population and the other
        extraction fields, and numbers. Not the notes (the editor's remarks) nor the classification."""
        out = [getattr(self, f) for f in REPORTED_FIELDS] + list(self.numbers)
        out += [t for o in self.outcomes for t in (o.outcome, o.value, o.timepoint)]
        out += [t for f in self.findings for t in f.texts()]
        return [t for t in out if t]

    def finding(self, fid: str) -> SourceFinding | None:
        return next((f for f in self.findings if f.id == fid), None)


@dataclass(frozen=True)
class RecordSet:
    """What the records stage hands on: every record that parsed, and its load-time findings."""

    records: tuple[Record, ...]
    findings: tuple[Finding, ...]


def _bad(path: str, line: int, message: str, key: str | None = None) -> Finding:
    return finding(BAD_RECORD, Location(path, line), message, source=key)


def _token(value: str) -> str:
    """``Systematic Review`` and ``systematic_review`` both mean ``systematic-review`` (as in .bib files)."""
    return re.sub(r"[\s_]+", "-", value.strip().lower())


def _scalars(node: yaml.Node) -> list[tuple[str, int]] | None:
    """A list of scalars (or one scalar) with their lines; None when an item is a list or mapping."""
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    out = []
    for item in items:
        text = scalar_text(item)
        if text is None:
            return None
        if text:
            out.append((text, node_line(item)))
    return out


def parse_record(text: str, path: str, key: str) -> tuple[Record | None, list[Finding]]:
    """One record file's text (``path`` as shown in findings, ``key`` its stem)."""
    findings: list[Finding] = []

    def bad(line: int, message: str) -> None:
        findings.append(_bad(path, line, message, key))

    try:
        root = safeyaml.compose(text)  # libyaml's parser: a KB can have 10,000 records to read cold
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        if isinstance(exc, safeyaml.YamlLimit):
            bad(safeyaml.line_of(exc) or 1, f"the record is beyond what kb reads: {problem}")
        else:
            bad(mark.line + 1 if mark is not None else 1, f"the record is not valid YAML ({problem}); fix the syntax")
        return None, findings
    record = Record(key, Location(path, 1))
    if root is None:
        return record, findings  # an empty file: a record with nothing in it yet
    if not isinstance(root, yaml.MappingNode):
        bad(node_line(root), "a record must be a mapping of fields such as 'population: ...'")
        return None, findings
    values: dict = {}
    lines: dict[str, int] = {}
    for name_node, node in root.value:
        name, line = scalar_text(name_node), node_line(name_node)
        if name not in FIELDS:
            bad(line, f"unknown field '{name}'; known fields are {', '.join(FIELDS)}")
            continue
        if name in lines:
            bad(line, f"field '{name}' is given twice (first on line {lines[name]}); keep one")
            continue
        lines[name] = line
        value = _field(name, node, bad)
        if value is not None:
            values[name] = value
    if values.get("key", key) != key:
        bad(lines["key"], f"key '{values['key']}' differs from the file name; rename the file to {values['key']}.yml "
            f"or write key: {key}")  # fmt: skip
    values.pop("key", None)
    return replace(record, lines=tuple(lines.items()), **values), findings


def _field(name: str, node: yaml.Node, bad):
    """One field's value, or None (with a finding) when it has the wrong shape."""
    line = node_line(node)
    if name in ("authority", "numbers"):
        items = _scalars(node)
        if items is None:
            bad(line, f"'{name}' must be a list of values such as [{'guideline' if name == 'authority' else '14, 79'}]")
            return None
        if name == "numbers":
            for text, at in items:
                if not extract(text):
                    bad(at, f"'{text}' in 'numbers' states no number; write figures such as 14, 2,665 or 45%")
            return tuple(t for t, _ in items)
        out = []
        for text, at in items:
            if _token(text) in AUTHORITIES:
                out.append(_token(text))
            else:
                bad(at, f"authority '{text}' is not one of {', '.join(AUTHORITIES)}")
        return tuple(out)
    if name == "outcomes":
        return _outcomes(node, bad)
    if name == "findings":
        return parse_findings(node, bad)
    text = scalar_text(node)
    if text is None:
        bad(line, f"'{name}' must be one value (text or a number), not a list or mapping")
        return None
    if name == "pooled" and text:
        if not grading.pooled_value(text):
            bad(line, f"pooled '{text}' is not one of {', '.join(grading.POOLED)}")
            return None
        return grading.pooled_value(text)
    if name == "design" and text:
        if _token(text) not in DESIGNS and not grading.DESIGN_ID.match(_token(text)):  # added designs: checked later
            bad(line, f"design '{text}' is not one of {', '.join(DESIGNS)}")
            return None
        return _token(text)
    if name == "sourcetype" and text:
        if _token(text) not in SOURCE_TYPES:
            bad(line, f"sourcetype '{text}' is not a source type; use one of {', '.join(SOURCE_TYPES)}")
            return None
        return _token(text)
    return text


def _outcomes(node: yaml.Node, bad) -> tuple[Outcome, ...] | None:
    if not isinstance(node, yaml.SequenceNode):
        bad(node_line(node), "'outcomes' must be a list of items such as '- outcome: Response' with 'value: 45%'")
        return None
    out = []
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            bad(node_line(item), "each outcome must be a mapping with 'outcome', 'value' and optionally 'timepoint'")
            continue
        got: dict[str, str] = {}
        for name_node, value_node in item.value:
            name, text = scalar_text(name_node), scalar_text(value_node)
            if name not in OUTCOME_FIELDS:
                bad(
                    node_line(name_node),
                    f"unknown outcome field '{name}'; known fields are {', '.join(OUTCOME_FIELDS)}",
                )
            elif text is None:
                bad(node_line(value_node), f"outcome '{name}' must be one value (text or a number)")
            else:
                got[name] = text
        if not got.get("outcome"):
            bad(node_line(item), "an outcome needs 'outcome:', the name of what was measured")
            continue
        out.append(Outcome(**got))
    return tuple(out)


def load_records(files: list[Path], root: Path, contents: dict[Path, bytes] | None = None) -> RecordSet:
    """Parse every record file (paths shown relative to ``root``); a key given twice keeps the first.
    ``contents``: files' bytes already read (``kb_tools.store.loadcache`` keys the result on them), not read again."""
    contents = contents or {}
    records: dict[str, Record] = {}
    findings: list[Finding] = []
    root = Path(root)
    for file in files:
        path = Path(file)
        try:  # files come from globs under the KB folder; resolving each one would stat every part of its path
            shown = path.relative_to(root).as_posix()
        except ValueError:
            shown = path.as_posix()
        key = path.stem
        try:
            data = contents.get(file)
            text = decode_bytes(path.read_bytes() if data is None else data)
        except OSError as exc:
            findings.append(_bad(shown, 1, f"cannot read the record ({exc.strerror})", key))
            continue
        record, found = parse_record(text, shown, key)
        findings += found
        if record is None:
            continue
        if key in records:
            first = records[key].location
            findings.append(_bad(shown, 1, f"a second record for '{key}' (the first is {first}); keep one", key))
            continue
        records[key] = record
    return RecordSet(tuple(records.values()), tuple(findings))


def attach(records: RecordSet, sources: tuple[Source, ...]) -> tuple[tuple[Source, ...], RecordSet]:
    """Match records to sources: a record without a BibTeX entry is a finding; classify each source."""
    by_key = {s.key: s for s in sources}
    findings = list(records.findings)
    kept = []
    for r in records.records:
        if r.key in by_key:
            kept.append(r)
        else:
            findings.append(
                _bad(r.location.path, 1, f"no .bib file defines '{r.key}'; name the record after a BibTeX key", r.key)
            )
    mine = {r.key: r for r in kept}
    out = tuple(classify(s, mine[s.key], findings) if s.key in mine else s for s in sources)
    return out, RecordSet(tuple(kept), tuple(findings))


def classify(source: Source, record: Record, findings: list[Finding] | None = None) -> Source:
    """The source with the record's classification (``sourcetype``, ``design``, ``authority``) where its
    .bib entry gives none.

    Reference-manager exports drop custom fields, so the record keeps the classification beside the
    export. Where both give one and they differ, the .bib wins and a ``bad-record`` finding says so (the
    .bib's design counts whether written as ``design`` or as the deprecated ``evidence``).
    """
    out = source
    if record.sourcetype:
        given = _token(source.field("sourcetype"))
        if not given:
            out = replace(out, sourcetype=record.sourcetype)
        elif given != record.sourcetype and findings is not None:
            findings.append(_disagree(record, "sourcetype", record.sourcetype, given))
    if record.design:
        mine = grading.with_pooled(record.design, record.pooled)
        if not source.design:
            out = replace(out, design=mine)
        elif grading.base_design(source.design) != grading.base_design(mine) and findings is not None:
            findings.append(_disagree(record, "design", record.design, source.design))
    if record.pooled:
        out = _classify_pooled(out, record, findings)
    if record.authority:
        bib_says = bool(source.authority) or bool(source.field("authority").strip())
        if not bib_says:
            out = replace(out, authority=record.authority)
        elif set(source.authority) != set(record.authority) and findings is not None:
            findings.append(
                _disagree(record, "authority", ", ".join(record.authority), ", ".join(source.authority) or "none")
            )
    return out


def _classify_pooled(source: Source, record: Record, findings: list[Finding] | None) -> Source:
    """The source's design with what the record says it pooled, where the .bib does not say it."""
    design = source.design
    if design in grading.SYNTHESES:
        return replace(source, design=grading.with_pooled(design, record.pooled))
    base = grading.base_design(design)
    if findings is None:
        return source
    if base in grading.SYNTHESES and design != grading.with_pooled(base, record.pooled):
        findings.append(_disagree(record, "pooled", record.pooled, design[len(base) + 1 :]))
    elif base not in grading.SYNTHESES:
        findings.append(
            _bad(
                record.location.path,
                record.line("pooled"),
                f"pooled says what a meta-analysis or systematic review pooled, but the design is "
                f"'{design or 'not given'}'; give design: meta-analysis or systematic-review, or remove pooled",
                record.key,
            )
        )
    return source


def _disagree(record: Record, name: str, mine: str, bib: str) -> Finding:
    return _bad(
        record.location.path,
        record.line(name),
        f"{name} '{mine}' differs from the .bib entry's {name} '{bib}'; make them agree (the .bib's is used)",
        record.key,
    )


def suggested_path(patterns: tuple[str, ...], key: str) -> str:
    """Where a new record for ``key`` goes: the first pattern with its ``*`` replaced by the key."""
    for pattern in patterns:
        if pattern.count("*") == 1 and "**" not in pattern and pattern.endswith(".yml"):
            return pattern.replace("*", key)
    return f"references/records/{key}.yml"
