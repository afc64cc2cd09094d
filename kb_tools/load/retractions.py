"""Read the Retraction Watch data (as Crossref distributes it, one CSV file) into notices per paper.

The file is tens of megabytes, so it is read as a stream, row by row, and what a KB needs from it is
kept in a memo under ``cache_dir`` (``memo-retractions.sqlite``) keyed by the files' bytes: every paper's
notices by normalised DOI and PMID, and the findings about bad rows. Later runs read only the KB's own
identifiers back. Editing, replacing or renaming a file starts afresh.

Decisions worth knowing:

* Rows are matched on the original paper's DOI (``OriginalPaperDOI``) or PubMed ID
  (``OriginalPaperPubMedID``); rows with neither (the data writes ``unavailable`` and ``0``) match nothing.
* The header and each row may end with a trailing comma; a row with fewer cells than the header, an
  unknown ``RetractionNature`` or an unreadable ``RetractionDate`` is a ``bad-retractions`` finding at
  its ``path:line`` and is skipped. At most ``MAX_ROW_FINDINGS`` rows per file are reported one by one.
* A cell may hold a line break (a quoted note), but not a row: a stray quote opens a cell that runs on
  to the next quote, and the rows in between would be lost without a word. A cell that holds lines
  shaped like rows (a Record ID, then at least half the columns) is a finding at the stray quote's line.
* Dates are read as the data writes them, month first (``3/9/2026 0:00``); ISO dates are accepted too.
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from ..config.kbconfig import KbConfig
from ..core.codes import BAD_RETRACTIONS, finding
from ..core.model import Finding, Location
from ..store.files import HashingReader, digest, file_digest
from ..store.memo import Memo, MemoReader

RETRACTION = "Retraction"
CORRECTION = "Correction"
CONCERN = "Expression of concern"
REINSTATEMENT = "Reinstatement"
NATURES = {n.lower(): n for n in (RETRACTION, CORRECTION, CONCERN, REINSTATEMENT)}

# the columns kb reads; the data has more (Title, Journal, Author, ...), which may come in any order
REQUIRED = (
    "Record ID",
    "RetractionDate",
    "RetractionDOI",
    "OriginalPaperDOI",
    "OriginalPaperPubMedID",
    "RetractionNature",
    "Reason",
)
MAX_ROW_FINDINGS = 20

_DOI_PREFIX = re.compile(r"^(?:https?://(?:(?:dx|www)\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?$")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_COMPLETE = ("complete",)  # the memo entry that says the whole file was read into it


@dataclass(frozen=True, slots=True)
class Notice:
    """One row of the data: a notice about one paper."""

    nature: str  # one of NATURES' values
    date: dt.date | None
    doi: str  # the notice's own DOI, normalised ("" when the data has none)
    reason: str  # the data's reasons, "; "-separated, without their "+" marks
    record: str  # the data's Record ID
    location: Location  # the row's first line in the CSV file


@dataclass(frozen=True, slots=True)
class Retractions:
    """The notices of the papers a KB cites, by normalised DOI and PMID, and the data's own findings."""

    by_doi: dict[str, tuple[Notice, ...]]
    by_pmid: dict[str, tuple[Notice, ...]]
    findings: tuple[Finding, ...] = ()

    def notices(self, doi: str, pmid: str) -> tuple[Notice, ...]:
        """Every notice for a paper with this DOI or PMID (raw values), oldest first, each once."""
        found = self.by_doi.get(normalise_doi(doi), ()) + self.by_pmid.get(normalise_pmid(pmid), ())
        return tuple(sorted(dict.fromkeys(found), key=_order))


def _order(n: Notice) -> tuple:
    return (n.date or dt.date.min, n.location)


def normalise_doi(value: str) -> str:
    """A DOI as a comparable key: no ``https://doi.org/`` or ``doi:`` prefix, ASCII lower case; "" if not a DOI."""
    v = value.strip()
    m = _DOI_PREFIX.match(v)
    if m:
        v = v[m.end() :]
        if m.group(0).lower().startswith("http"):
            v = unquote(v)  # a DOI in a link may be percent-encoded
    v = v.strip().translate(_ASCII_LOWER)  # DOIs ignore case in ASCII letters only
    return v if v.startswith("10.") and "/" in v else ""


def normalise_pmid(value: str) -> str:
    """A PubMed ID as digits without leading zeros; "" for none (the data writes ``0``) or anything else."""
    v = value.strip()
    if v[:5].lower() == "pmid:":
        v = v[5:].strip()
    return v.lstrip("0") if v.isascii() and v.isdigit() else ""


def parse_date(value: str) -> dt.date | None:
    """``3/9/2026 0:00`` (month first, as the data writes it) or ``2026-03-09``; None if empty.

    Raises ValueError for anything else.
    """
    v = value.strip()
    if not v:
        return None
    m = _US_DATE.match(v)
    if m:
        return dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    m = _ISO_DATE.match(v)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(v)


def _reason(value: str) -> str:
    # the data writes "+Concerns/Issues About Data;+Error in Analyses;"
    return "; ".join(p.strip().lstrip("+").strip() for p in value.split(";") if p.strip().lstrip("+").strip())


def read_rows(lines: Iterable[str], path: str) -> Iterator[tuple[str, str, Notice] | Finding]:
    """Stream one file's lines: ``(doi, pmid, notice)`` per usable row, a ``Finding`` per bad one."""
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        yield _finding(path, 1, f"the header cannot be read as CSV ({exc}); download the file again")
        return
    names = [h.strip() for h in header or ()]
    while names and not names[-1]:
        names.pop()  # the trailing comma
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        yield _finding(
            path,
            1,
            f"the header lacks the column(s) {', '.join(missing)}; this is not the Retraction Watch CSV "
            "in Crossref's layout; download it again or fix the 'retractions' option",
        )
        return
    col = {c: names.index(c) for c in REQUIRED}
    reported = skipped = 0
    last = reader.line_num
    while True:
        start = last + 1
        try:
            row = next(reader, None)
        except csv.Error as exc:
            yield _finding(path, start, f"the file stops being valid CSV here ({exc}); download it again")
            return
        last = reader.line_num
        if row is None:
            break
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        problem = _swallowed(row, len(names), start, last) or None
        item = None
        if problem is None:
            problem, item = _row(row, names, col, Location(path, start))
        if problem is None:
            if item is not None:
                yield item
            continue
        if reported < MAX_ROW_FINDINGS:
            reported += 1
            yield _finding(path, start, f"{problem}; the row is skipped: fix it or download the file again")
        else:
            skipped += 1
    if skipped:
        yield _finding(path, 1, f"{skipped} more bad row(s) after the first {MAX_ROW_FINDINGS} (not listed)")


_ROW_START = re.compile(r"\d+,")  # a Record ID, then the next cell


def _swallowed(row: list[str], columns: int, start: int, last: int) -> str:
    """Why a row that spans lines holds rows of its own (a stray quote opened a cell the next quote closed,
    so the rows between would be lost), or "". A cell may hold a line break (a note); not a whole row."""
    if last <= start:
        return ""
    for cell in row:
        for n, line in enumerate(cell.split("\n")[1:], 1):
            if _ROW_START.match(line) and line.count(",") >= columns // 2:
                return (
                    f'a quote (") opens a cell that runs on to line {last}, so the rows on lines {start + n} to '
                    f'{last} are read as part of it; remove the stray quote or double it ("")'
                )
    return ""


def _row(row: list[str], names: list[str], col: dict[str, int], where: Location):
    """``(problem, None)`` for a bad row, else ``(None, (doi, pmid, notice))`` or ``(None, None)``."""
    if len(row) < len(names):
        return f"row has {len(row)} cells where the header names {len(names)} columns", None
    if any(cell.strip() for cell in row[len(names) :]):
        return f"row has {len(row)} cells where the header names {len(names)} columns", None
    raw_nature = row[col["RetractionNature"]].strip()
    nature = NATURES.get(" ".join(raw_nature.lower().split()))
    if nature is None:
        known = ", ".join(NATURES.values())
        return f"RetractionNature '{raw_nature}' is not one of {known}", None
    try:
        date = parse_date(row[col["RetractionDate"]])
    except ValueError:
        return f"RetractionDate '{row[col['RetractionDate']].strip()}' is not a date like 3/9/2026 0:00", None
    doi = normalise_doi(row[col["OriginalPaperDOI"]])
    pmid = normalise_pmid(row[col["OriginalPaperPubMedID"]])
    if not (doi or pmid):
        return None, None  # a paper without identifiers: nothing to match it by
    notice = Notice(
        nature,
        date,
        normalise_doi(row[col["RetractionDOI"]]),
        _reason(row[col["Reason"]]),
        row[col["Record ID"]].strip(),
        where,
    )
    return None, (doi, pmid, notice)


def _finding(path: str, line: int, message: str) -> Finding:
    return finding(BAD_RETRACTIONS, Location(path, line), f"retraction data: {message}")


# --- files, the memo and the lookup ---------------------------------------------------------------------


def files(config: KbConfig) -> tuple[list[Path], list[Finding]]:
    """The configured CSV files, and a finding (at the option in mkdocs.yml) per pattern that matches none."""
    out: dict[Path, None] = {}
    findings = []
    for pattern in config.retractions:
        pattern = os.path.expanduser(pattern)
        if os.path.isabs(pattern):
            found = [Path(p) for p in glob.glob(pattern, recursive=True)]
        else:  # root_dir: the KB folder's own name may hold glob characters
            found = [config.root / p for p in glob.glob(pattern, root_dir=config.root, recursive=True)]
        matched = sorted(p for p in found if p.is_file())
        if not matched:
            findings.append(
                finding(
                    BAD_RETRACTIONS,
                    _option_location(config),
                    f"retractions: no file matches '{pattern}'; download the Retraction Watch CSV "
                    "(see the editors' guide) to that path, or fix the pattern",
                )
            )
        out.update(dict.fromkeys(matched))
    return list(out), findings


def _option_location(config: KbConfig) -> Location:
    """``mkdocs.yml`` at its ``retractions:`` line (line 1 if it cannot be found)."""
    name = config.config_file.name
    try:
        for n, line in enumerate(config.config_file.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip().startswith("retractions:"):
                return Location(name, n)
    except (OSError, UnicodeDecodeError):
        pass
    return Location(name, 1)


def display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def load(config: KbConfig, dois: Iterable[str], pmids: Iterable[str]) -> Retractions:
    """The notices for these DOIs and PMIDs (raw values) from the configured files, with the data's findings."""
    paths, findings = files(config)
    if not paths:
        return Retractions({}, {}, tuple(findings))
    wanted_dois = {d for d in map(normalise_doi, dois) if d}
    wanted_pmids = {p for p in map(normalise_pmid, pmids) if p}
    named, parts = [], []
    for p in paths:
        shown = display_path(p, config.root)
        try:
            parts.append((shown, file_digest(p)))
            named.append((p, shown))
        except OSError as exc:
            findings.append(_finding(shown, 1, f"cannot read the file ({exc.strerror or exc}); check the path"))
    context = digest(*(x for part in parts for x in part))  # Memo adds kb_tools' code (storage.cache_key)
    memo_file = config.cache_path / "memo-retractions.sqlite"  # the file a ``Memo`` named "retractions" keeps
    reader = MemoReader(memo_file, context)
    try:
        if reader.get(_COMPLETE) is True:
            return Retractions(
                {d: v for d in wanted_dois if (v := reader.get(("doi", d)))},
                {p: v for p in wanted_pmids if (v := reader.get(("pmid", p)))},
                tuple(findings) + tuple(reader.get(("findings",)) or ()),
            )
    finally:
        reader.close()
    by_doi, by_pmid, data_findings, complete = _read_all(named, dict(parts))
    if complete:  # a file that failed half-way is reported, and read again next time
        _store(config, context, by_doi, by_pmid, data_findings)
    return Retractions(
        {d: tuple(by_doi[d]) for d in wanted_dois if d in by_doi},
        {p: tuple(by_pmid[p]) for p in wanted_pmids if p in by_pmid},
        tuple(findings) + tuple(data_findings),
    )


def _store(config: KbConfig, context: str, by_doi: dict, by_pmid: dict, findings: list[Finding]) -> None:
    memo = Memo(config.cache_path, "retractions", context)
    for d, notices in by_doi.items():
        memo.get(("doi", d), lambda v=tuple(notices): v)
    for p, notices in by_pmid.items():
        memo.get(("pmid", p), lambda v=tuple(notices): v)
    memo.get(("findings",), lambda: tuple(findings))
    memo.get(_COMPLETE, lambda: True)  # last: a memo without it is never read
    memo.save()


def _read_all(named: list[tuple[Path, str]], keyed: dict[str, str]) -> tuple[dict, dict, list[Finding], bool]:
    """Every file's notices by DOI and PMID, the findings, and whether every file was read to its end as the
    bytes ``keyed`` by (a file replaced meanwhile is read, but not kept under the old file's key)."""
    complete = True
    by_doi: dict[str, list[Notice]] = {}
    by_pmid: dict[str, list[Notice]] = {}
    findings: list[Finding] = []
    for path, shown in named:
        try:
            # newline="" lets csv read quoted newlines; a stray byte must not stop a 50 MB file
            raw = HashingReader(path)
            with io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8-sig", errors="replace", newline="") as fh:
                for item in read_rows(fh, shown):
                    if isinstance(item, Finding):
                        findings.append(item)
                        continue
                    doi, pmid, notice = item
                    if doi:
                        by_doi.setdefault(doi, []).append(notice)
                    if pmid:
                        by_pmid.setdefault(pmid, []).append(notice)
                fh.read()  # to the end, so the digest covers the whole file
                complete = complete and raw.hexdigest() == keyed.get(shown)
        except OSError as exc:
            findings.append(_finding(shown, 1, f"cannot read the file ({exc.strerror or exc}); check the path"))
            complete = False
    return by_doi, by_pmid, findings, complete
