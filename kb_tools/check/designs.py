"""Findings about sources' study designs that need the KB's configuration: a design the ``designs:``
option does not list, and a synthesis that does not say what it pooled (``missing-pooled``)."""

from __future__ import annotations

from ..config.kbconfig import KbConfig
from ..core.codes import BAD_RECORD, BIB_SYNTAX, MISSING_POOLED, finding
from ..core.grading import NO_DESIGN, SYNTHESES
from ..core.model import Catalogue, Finding, Location


def design_findings(config: KbConfig, cat: Catalogue) -> list[Finding]:
    records = {r.key: r for r in cat.records}
    known = (*config.designs, NO_DESIGN)
    out: list[Finding] = []
    for s in cat.sources:
        record = records.get(s.key)
        from_record = record is not None and bool(record.design) and not s.field("design") and not s.evidence
        where = Location(record.location.path, record.line("design")) if from_record else s.location
        code = BAD_RECORD if from_record else BIB_SYNTAX
        if s.design and s.design not in known:
            msg = (
                f"'{s.key}' has design '{s.design}', which designs: in mkdocs.yml does not list; use one of "
                f"{', '.join(config.designs)} or none, or add it to designs: at its place in the order"
            )
            out.append(finding(code, where, msg, source=s.key))
        elif s.design in SYNTHESES:
            kind = "meta-analysis" if s.design == "meta-analysis" else "systematic review"
            path = record.location.path if record is not None else f"references/records/{s.key}.yml"
            msg = (
                f"'{s.key}' is a {kind} that does not say what it pooled, so it ranks below every synthesis that "
                f"does; read its methods and add 'pooled: randomised', 'pooled: observational' or 'pooled: mixed' "
                f"to {path} (or pooled = {{...}} to its .bib entry)"
            )
            out.append(finding(MISSING_POOLED, where, msg, source=s.key))
    return out
