"""Render a check report as text, JSON or GitHub Actions workflow commands."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..core.model import Finding
from .outcome import Outcome, outcome

if TYPE_CHECKING:
    from .policy import Report  # not imported to print a kept outcome: kb check's fast path loads no checking


def summary(report: Report | Outcome) -> dict:
    return outcome(report).summary


DRAFT = "draft page, not published"


def draft_line(f: Finding) -> str:
    """A draft page's finding as a text line: labelled, so "error" beside "0 errors" misleads no one."""
    return f"{f.location}: draft {f.severity} {f.code}: {f.message} ({DRAFT}; does not fail the check)"


def _finding_dict(f: Finding, draft: bool = False) -> dict:
    return {
        "severity": f.severity,
        "code": f.code,
        "path": f.location.path,
        "line": f.location.line,
        "message": f.message,
        "claim": f.claim,
        "source": f.source,
        "draft": draft,
    }


def as_json(report: Report | Outcome) -> str:
    report = outcome(report)
    data = {
        "summary": report.summary,
        "findings": [_finding_dict(f) for f in report.findings],
        "draft_findings": [_finding_dict(f, draft=True) for f in report.draft_findings],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def plural(n: int, word: str) -> str:
    """ "1 claim", "2 claims", "0 claims"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def as_text(report: Report | Outcome, drafts: bool = True) -> str:
    """One line per finding, then a summary; ``drafts=False`` leaves draft pages' findings to ``kb check``."""
    report = outcome(report)
    lines = [str(f) for f in report.findings]
    if drafts:
        lines += [draft_line(f) for f in report.draft_findings]
    s = report.summary
    on_drafts = (
        f"; on {plural(s['draft_pages'], 'draft page')} (not published, not counted above): "
        f"{plural(s['draft_errors'], 'error')}, {plural(s['draft_warnings'], 'warning')}"
    )
    lines.append(
        f"{plural(s['pages'], 'page')}, {plural(s['claims'], 'claim')} ({s['cited_claims']} cited, "
        f"{s['not_claims']} marked not-a-claim), {plural(s['sources'], 'source')}: "
        f"{plural(s['errors'], 'error')}, {plural(s['warnings'], 'warning')}"
        + (on_drafts if s["draft_pages"] else "")
        + ("" if drafts or not report.draft_findings else " (run kb check to list them)")
    )
    return "\n".join(lines)


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def as_github(report: Report | Outcome) -> str:
    report = outcome(report)
    lines = []
    for f in report.findings:
        kind = "error" if f.severity == "error" else "warning"
        lines.append(
            f"::{kind} file={_gh_escape(f.location.path, True)},line={f.location.line},"
            f"title={_gh_escape(f.code, True)}::{_gh_escape(f.message)}"
        )
    for f in report.draft_findings:
        lines.append(
            f"::notice file={_gh_escape(f.location.path, True)},line={f.location.line},"
            f"title={_gh_escape(f.code + ' (draft)', True)}::{_gh_escape(f'{DRAFT}: {f.severity}: {f.message}')}"
        )
    lines.append(as_text(report).splitlines()[-1])
    return "\n".join(lines)


FORMATS = {"text": as_text, "json": as_json, "github": as_github}


def refusal(report) -> str:
    """Why ``mkdocs build`` publishes nothing: the check's errors, listed, as ``kb build`` refuses (its warnings
    stop neither, as ``kb build`` without ``--strict``). ``mkdocs serve`` goes on, showing them (class docstring)."""
    failing = [f for f in report.findings if f.severity == "error"]
    shown = "\n".join(f"  {f}" for f in failing[:20])
    more = f"\n  ... and {len(failing) - 20} more (kb check lists them all)" if len(failing) > 20 else ""
    what = plural(len(failing), "error")
    return (
        f"kb check found {what}, so the site was not built (as kb build refuses):\n{shown}{more}\n"
        "Fix them and build again; mkdocs serve previews the site meanwhile, with the findings marked"
    )
