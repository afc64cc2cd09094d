"""Retraction Watch data: identifiers, CSV parsing, the content-keyed memo, states and acknowledgements."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kb_tools.check.notices import Acknowledgement, SourceNotices, acknowledgement, mark_html, state
from kb_tools.cli import cli
from kb_tools.config.kbconfig import load_config
from kb_tools.core.model import Location, Source
from kb_tools.load import retractions
from kb_tools.load.retractions import Notice, normalise_doi, normalise_pmid, parse_date, read_rows
from kb_tools.pipeline import check_kb
from tests.conftest import FIXTURES, make_kb

CSV = FIXTURES / "retractions" / "retraction-watch.csv"
HEADER = (
    "Record ID,Title,Subject,Institution,Journal,Publisher,Country,Author,URLS,ArticleType,RetractionDate,"
    "RetractionDOI,RetractionPubMedID,OriginalPaperDate,OriginalPaperDOI,OriginalPaperPubMedID,RetractionNature,"
    "Reason,Paywalled,Notes"
)


def row(nature="Retraction", date="3/9/2026 0:00", doi="10.5555/x.1", pmid="0", reason="+Error in Data;", rid="1"):
    """One data row with a trailing comma, as the real file writes them."""
    return f"{rid},A title,,,,,,,,,{date},10.5555/notice.{rid},0,,{doi},{pmid},{nature},{reason},No,,"


def parse(text: str):
    return list(read_rows(text.splitlines(keepends=True), "rw.csv"))


# --- identifiers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("10.5555/ABC.1", "10.5555/abc.1"),
        ("  10.5555/abc.1  ", "10.5555/abc.1"),
        ("https://doi.org/10.5555/abc.1", "10.5555/abc.1"),
        ("HTTPS://DOI.ORG/10.5555/ABC.1", "10.5555/abc.1"),
        ("http://dx.doi.org/10.5555/abc.1", "10.5555/abc.1"),
        ("https://www.doi.org/10.5555/abc.1", "10.5555/abc.1"),
        ("https://doi.org/10.5555/abc%2F1", "10.5555/abc/1"),  # a link may percent-encode
        ("doi:10.5555/abc.1", "10.5555/abc.1"),
        ("DOI: 10.5555/abc.1", "10.5555/abc.1"),
        ("unavailable", ""),
        ("", ""),
        ("10.5555", ""),
        ("https://example.org/10.5555/abc.1", ""),
    ],
)
def test_normalise_doi(raw, want):
    assert normalise_doi(raw) == want


@pytest.mark.parametrize(
    ("raw", "want"),
    [("31000002", "31000002"), (" 0031000002 ", "31000002"), ("PMID: 123", "123"), ("0", ""), ("", ""), ("12a", "")],
)
def test_normalise_pmid(raw, want):
    assert normalise_pmid(raw) == want


_SUFFIX = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FFF, exclude_characters="%"), min_size=1)


@given(
    registrant=st.from_regex(r"[0-9]{4,5}", fullmatch=True),
    suffix=_SUFFIX,
    prefix=st.sampled_from(["", "doi:", "DOI: ", "https://doi.org/", "http://dx.doi.org/", "HTTPS://DOI.ORG/"]),
    upper=st.booleans(),
)
def test_doi_normalisation_properties(registrant, suffix, prefix, upper):
    doi = f"10.{registrant}/{suffix}"
    swap = str.maketrans(string.ascii_letters, string.ascii_letters.swapcase())  # DOIs ignore ASCII case only
    written = prefix + (doi.translate(swap) if upper else doi)
    key = normalise_doi(written)
    assert key == normalise_doi(doi) == normalise_doi(doi.translate(swap))  # prefix and case never matter
    assert key and not any(c in string.ascii_uppercase for c in key) and key.startswith("10.")
    assert normalise_doi(key) == key  # idempotent
    assert normalise_doi("https://doi.org/" + key) == key


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("3/9/2026 0:00", dt.date(2026, 3, 9)),  # month first, as the data writes it
        ("12/31/2025 0:00", dt.date(2025, 12, 31)),
        ("1/2/2022", dt.date(2022, 1, 2)),
        ("2026-03-09", dt.date(2026, 3, 9)),
        ("2026-03-09 00:00:00", dt.date(2026, 3, 9)),
        ("", None),
    ],
)
def test_parse_date(raw, want):
    assert parse_date(raw) == want


@pytest.mark.parametrize("raw", ["March 9th", "13/1/2026 0:00", "9.3.2026", "2026-02-30"])
def test_parse_date_rejects(raw):
    with pytest.raises(ValueError):
        parse_date(raw)


# --- CSV parsing ----------------------------------------------------------------------------------------


def test_fixture_file_rows():
    with open(CSV, encoding="utf-8-sig", newline="") as fh:
        items = list(read_rows(fh, "rw.csv"))
    assert all(not isinstance(i, retractions.Finding) for i in items)
    by_record = {n.record: (doi, pmid, n) for doi, pmid, n in items}
    assert sorted(by_record) == ["90001", "90002", "90003", "90004", "90005"]  # 90006 has no identifiers
    doi, pmid, first = by_record["90001"]
    assert (doi, pmid) == ("10.5555/retracted.2020.1", "")
    assert first == Notice(
        "Retraction",
        dt.date(2026, 3, 9),
        "10.5555/notice.2026.1",
        "Concerns/Issues About Data; Fabrication of Data",
        "90001",
        Location("rw.csv", 2),
    )
    # the quoted note spans lines 2-3, so the next row starts on line 4
    assert by_record["90002"][2].location.line == 4 and by_record["90002"][0] == "10.5555/retracted.2020.1"
    assert by_record["90004"][:2] == ("", "31000002") and by_record["90005"][2].nature == "Reinstatement"


@pytest.mark.parametrize(
    ("text", "records", "problems"),
    [
        # trailing comma on header and rows, CRLF line ends
        (f"{HEADER},\r\n{row()}\r\n", ["1"], []),
        # no trailing commas at all
        (f"{HEADER}\n{row()[:-1]}\n", ["1"], []),
        # header without, rows with a trailing comma
        (f"{HEADER}\n{row()}\n", ["1"], []),
        # blank lines are skipped
        (f"{HEADER},\n\n{row()}\n\n", ["1"], []),
        # several rows for one paper
        (f"{HEADER},\n{row(rid='1')}\n{row('Correction', rid='2')}\n", ["1", "2"], []),
        # quoted fields with commas and a newline; the next row's line number counts it
        (
            f'{HEADER},\n1,"A title, with a comma",,,,,,,,,3/9/2026 0:00,10.5555/n.1,0,,10.5555/x.1,0,Retraction,'
            f'"+Error in Data;+Misconduct, alleged;",No,"two\nlines",\n{row("nonsense", rid="2")}\n',
            ["1"],
            [(4, "RetractionNature 'nonsense'")],
        ),
        # a stray quote opens a note that the next quote, three rows down, closes: the rows between are not
        # notes but rows, each a retraction that would be missed; a finding at the stray quote's line
        (
            f'{HEADER},\n{row(rid="1")}\n{row(rid="2")[:-1]}"oops,\n{row(rid="3")}\n{row(rid="4")}\n'
            f'{row(rid="5")[:-1]}"a note",\n{row(rid="6")}\n',
            ["1", "6"],
            [(3, "rows on lines 4 to 6 are read as part of it")],
        ),
        # natures in any case and spacing
        (f"{HEADER},\n{row('expression  of CONCERN')}\n", ["1"], []),
        # an empty date is allowed
        (f"{HEADER},\n{row(date='')}\n", ["1"], []),
        # rows without identifiers match nothing and are not errors
        (f"{HEADER},\n{row(doi='unavailable', pmid='0')}\n", [], []),
        # bad rows: each a finding at its line, the rest still read
        (
            f"{HEADER},\n{row(date='3rd of May', rid='1')}\n{row(rid='2')}\n1,too,short\n{row(rid='3')},extra\n",
            ["2"],
            [(2, "RetractionDate '3rd of May'"), (4, "3 cells"), (5, "22 cells")],
        ),
        # a missing column
        (
            HEADER.replace("RetractionNature,", "") + "\n" + row() + "\n",
            [],
            [(1, "lacks the column(s) RetractionNature")],
        ),
        # an empty file
        ("", [], [(1, "lacks the column(s) Record ID")]),
    ],
)
def test_read_rows(text, records, problems):
    items = parse(text)
    assert [i[2].record for i in items if isinstance(i, tuple)] == records
    found = [i for i in items if not isinstance(i, tuple)]
    assert [(f.location.line, f.code) for f in found] == [(line, "bad-retractions") for line, _ in problems]
    for f, (_, words) in zip(found, problems, strict=True):
        assert words in f.message and f.location.path == "rw.csv"


def test_csv_error_is_a_finding_not_a_traceback():
    huge = '"' + "x" * 200_000 + '"'  # past csv's field size limit
    items = parse(f"{HEADER},\n{row(rid='1')}\n{huge}\n{row(rid='2')}\n")
    assert [i[2].record for i in items if isinstance(i, tuple)] == ["1"]
    (finding,) = [i for i in items if not isinstance(i, tuple)]
    assert finding.location.line == 3 and "valid CSV" in finding.message


def test_bad_rows_are_capped():
    bad = "\n".join(row("nonsense", rid=str(n)) for n in range(50))
    found = [i for i in parse(f"{HEADER},\n{bad}\n") if not isinstance(i, tuple)]
    assert len(found) == retractions.MAX_ROW_FINDINGS + 1
    assert "30 more bad row(s)" in found[-1].message


# --- states and acknowledgements ------------------------------------------------------------------------


def notice(nature, date):
    return Notice(nature, date, "", "", "1", Location("rw.csv", 2))


D1, D2 = dt.date(2024, 1, 1), dt.date(2025, 1, 1)


@pytest.mark.parametrize(
    ("natures", "want"),
    [
        ([("Retraction", D1)], "retracted"),
        ([("Retraction", D1), ("Reinstatement", D2)], "reinstated"),
        ([("Reinstatement", D1), ("Retraction", D2)], "retracted"),  # retracted again
        ([("Retraction", D1), ("Reinstatement", D1)], "retracted"),  # a tie proves nothing
        ([("Retraction", None), ("Reinstatement", D2)], "retracted"),  # an undated retraction cannot be ordered
        ([("Retraction", D1), ("Reinstatement", None)], "retracted"),
        ([("Retraction", D1), ("Correction", D2)], "retracted"),
        ([("Correction", D1), ("Expression of concern", D2)], "concern"),
        ([("Correction", D1)], "corrected"),
        ([("Reinstatement", D1)], "reinstated"),
    ],
)
def test_state(natures, want):
    assert state(tuple(notice(n, d) for n, d in natures)) == want


def source(ack: str) -> Source:
    return Source("k", "article", Location("references/a.bib", 7), fields=(("notice_acknowledged", ack),))


TODAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        (
            "2026-11-20: the correction changes table 2 only",
            Acknowledgement(dt.date(2026, 11, 20), "the correction changes table 2 only"),
        ),
        (" 2026-11-20 :  spaced\n  out ", Acknowledgement(dt.date(2026, 11, 20), "spaced out")),
        ("2026-11-20", None),  # no reason
        ("2026-11-20:", None),
        ("20 Nov 2026: reason", None),
        ("2026-02-30: reason", None),  # no such day
        ("2026-12-02: reason", None),  # the future
    ],
)
def test_acknowledgement(raw, want):
    ack, finding = acknowledgement(source(raw), TODAY)
    assert ack == want
    if want is None:
        assert finding.code == "bib-syntax" and str(finding.location) == "references/a.bib:7"
        assert f"notice_acknowledged = {{{TODAY.isoformat()}: " in finding.message  # says what to write
    else:
        assert finding is None


def test_acknowledgement_covers_notices_up_to_its_date():
    sn = SourceNotices(
        "k",
        (notice("Correction", D1), notice("Retraction", D2), notice("Correction", None)),
        "retracted",
        Acknowledgement(dt.date(2024, 6, 1), "read it"),
    )
    assert [n.date for n in sn.open] == [D2]


def test_mark_only_for_retracted_and_escaped():
    retracted = SourceNotices("k", (notice("Retraction", D1),), "retracted")
    mark = str(mark_html(retracted))
    assert ">Retracted</span>" in mark and 'title="This source was retracted on 2024-01-01"' in mark
    assert str(mark_html(SourceNotices("k", (notice("Correction", D1),), "corrected"))) == ""
    assert str(mark_html(None)) == ""


# --- loading through the KB, the memo -------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_memo_is_keyed_by_content(tmp_path, monkeypatch):
    kb = make_kb(tmp_path, "retracted-source")
    config = load_config(kb)
    first = retractions.load(config, ["10.5555/retracted.2020.1"], [])
    assert [n.nature for n in first.notices("10.5555/retracted.2020.1", "")] == ["Correction", "Retraction"]
    assert (kb / ".kb/cache/memo-retractions.sqlite").is_file()

    def no_reading(named):
        raise AssertionError("read the CSV although its content did not change")

    monkeypatch.setattr(retractions, "_read_all", no_reading)
    again = retractions.load(config, ["https://doi.org/10.5555/RETRACTED.2020.1"], [])
    assert again == first
    monkeypatch.undo()
    csv_file = kb / "data/retraction-watch.csv"
    csv_file.write_text(csv_file.read_text(encoding="utf-8-sig").replace(",Retraction,", ",Expression of concern,"))
    edited = retractions.load(config, ["10.5555/retracted.2020.1"], [])
    assert [n.nature for n in edited.notices("10.5555/retracted.2020.1", "")] == ["Correction", "Expression of concern"]


def test_missing_file_is_a_finding_at_the_option(tmp_path):
    kb = make_kb(tmp_path, "retracted-source")
    shutil.rmtree(kb / "data")
    data = json.loads(run("check", str(kb), "--format", "json").output)
    (finding,) = data["findings"]
    line = next(n for n, t in enumerate((kb / "mkdocs.yml").read_text().splitlines(), 1) if "retractions:" in t)
    assert (finding["code"], finding["path"], finding["line"]) == ("bad-retractions", "mkdocs.yml", line)
    assert "data/*.csv" in finding["message"]


def test_unreadable_file_is_a_finding(tmp_path, monkeypatch):
    kb = make_kb(tmp_path, "retracted-source")

    def refuse(path: Path) -> str:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(retractions, "file_digest", refuse)
    report = check_kb(load_config(kb))
    (finding,) = report.findings
    assert (finding.code, str(finding.location)) == ("bad-retractions", "data/retraction-watch.csv:1")
    assert "Permission denied" in finding.message


def test_retractions_outside_the_kb_folder(tmp_path):
    kb = make_kb(tmp_path, "retracted-source")
    outside = tmp_path / "downloads"
    outside.mkdir()
    shutil.move(kb / "data/retraction-watch.csv", outside / "rw.csv")
    cfg = kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("[data/*.csv]", f"[{outside}/rw.csv]"))
    (finding,) = check_kb(load_config(kb)).findings
    assert finding.code == "retracted-source"


def acknowledge(kb: Path, value: str) -> None:
    bib = kb / "references/extra.bib"
    bib.write_text(bib.read_text().replace("  sourcetype", f"  notice_acknowledged = {{{value}}},\n  sourcetype", 1))


def test_acknowledged_retraction_passes_but_is_still_known(tmp_path):
    kb = make_kb(tmp_path, "retracted-source")
    acknowledge(kb, "2026-11-20: the retraction concerns a subgroup analysis the claim does not use")
    result = run("check", str(kb), "--strict", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.output)["findings"] == []
    notices = check_kb(load_config(kb)).notices["retracted2020"]
    assert notices.retracted and notices.acknowledged.date == dt.date(2026, 11, 20)


def test_acknowledgement_older_than_the_retraction_does_not_cover_it(tmp_path):
    kb = make_kb(tmp_path, "retracted-source")
    acknowledge(kb, "2025-01-10: the 2024 correction does not touch the cited result")  # before 2026-03-09
    data = json.loads(run("check", str(kb), "--format", "json").output)
    assert [f["code"] for f in data["findings"]] == ["retracted-source"]


def test_malformed_acknowledgement_is_a_finding_and_acknowledges_nothing(tmp_path):
    kb = make_kb(tmp_path, "retracted-source")
    acknowledge(kb, "yes")
    data = json.loads(run("check", str(kb), "--format", "json").output)
    got = sorted((f["code"], f["path"], f["line"]) for f in data["findings"])
    assert got == [("bib-syntax", "references/extra.bib", 1), ("retracted-source", "docs/more.md", 9)]


def test_acknowledged_notices_pass_strict(tmp_path):
    kb = make_kb(tmp_path, "source-notice")
    bib = kb / "references/extra.bib"
    bib.write_text(
        bib.read_text().replace(
            "  sourcetype", "  notice_acknowledged = {2026-11-20: read; the claim stands},\n  sourcetype"
        )
    )
    assert run("check", str(kb), "--strict").exit_code == 0


def test_no_option_no_data(base_kb):
    report = check_kb(load_config(base_kb))
    assert report.notices == {} and report.findings == ()


def test_draft_page_citing_a_retracted_source_does_not_fail(tmp_path):
    kb = make_kb(tmp_path, "retracted-source")
    cfg = kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text() + "draft_docs: |\n  more.md\n")
    report = check_kb(load_config(kb))
    assert [f.code for f in report.draft_findings] == ["retracted-source"]
    assert [f.code for f in report.findings] == ["unused-source"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_files_with_and_without_bom(tmp_path, encoding, newline):
    kb = make_kb(tmp_path, "retracted-source")
    text = f"{HEADER},{newline}{row(doi='10.5555/retracted.2020.1')}{newline}"
    (kb / "data/retraction-watch.csv").write_bytes(text.encode(encoding))
    found = retractions.load(load_config(kb), ["10.5555/Retracted.2020.1"], [])
    assert found.findings == () and [n.record for n in found.notices("10.5555/retracted.2020.1", "")] == ["1"]
