"""Findings records: the YAML parser (table-driven), classification, loading, caching and the number check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kb_tools.cli import cli
from kb_tools.config.kbconfig import load_config
from kb_tools.core.errors import ConfigError
from kb_tools.load.bibtex import load_bib_text
from kb_tools.load.catalogue import load_catalogue
from kb_tools.load.records import Outcome, Record, classify, load_records, parse_record
from kb_tools.pipeline import check_kb
from tests.conftest import make_kb

PATH = "references/records/smith2022.yml"


def parse(text: str):
    return parse_record(text, PATH, "smith2022")


def test_full_example_parses_as_written():
    record, findings = parse(
        "design: Meta-Analysis\n"
        "sourcetype: journal\n"
        "authority: []\n"
        "population: Adults\n"
        "sample_size: 2,665 patients\n"
        "setting: Clinics\n"
        "intervention: Ketamine\n"
        "comparator: No\n"  # YAML 1.1 would make this False; records keep what the editor wrote
        "outcomes:\n"
        "  - outcome: Response\n"
        "    value: 45%\n"
        "    timepoint: after treatment\n"
        "  - outcome: Remission\n"
        "    value: 0.30\n"
        "numbers: [14, 79]\n"
        "notes: |\n  Free text.\n"
    )
    assert findings == []
    assert record.design == "meta-analysis" and record.sourcetype == "journal" and record.authority == ()
    assert record.sample_size == "2,665 patients" and record.comparator == "No"
    assert record.outcomes == (Outcome("Response", "45%", "after treatment"), Outcome("Remission", "0.30"))
    assert record.numbers == ("14", "79") and record.notes == "Free text."
    assert record.line("outcomes") == 9 and record.line("numbers") == 15


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("design: rct\npopulaton: Adults\n", 2, ["unknown field 'populaton'", "known fields are key, design"]),
        ("design: a trial!\n", 1, ["design 'a trial!'", "meta-analysis"]),
        ("pooled: some\n", 1, ["pooled 'some' is not one of randomised"]),
        ("sourcetype: blog\n", 1, ["sourcetype 'blog'", "journal"]),
        ("authority: [regulatory, law]\n", 1, ["authority 'law'"]),
        ("authority: {a: 1}\n", 1, ["'authority' must be a list"]),
        ("population:\n  - Adults\n", 2, ["'population' must be one value"]),
        ("sample_size: {n: 3}\n", 1, ["'sample_size' must be one value"]),
        ("outcomes: 45%\n", 1, ["'outcomes' must be a list"]),
        ("outcomes:\n  - 45%\n", 2, ["each outcome must be a mapping"]),
        ("outcomes:\n  - value: 45%\n", 2, ["an outcome needs 'outcome:'"]),
        ("outcomes:\n  - outcome: R\n    effect: big\n", 3, ["unknown outcome field 'effect'"]),
        ("outcomes:\n  - outcome: R\n    value: [1, 2]\n", 3, ["outcome 'value' must be one value"]),
        ("numbers: [14, many]\n", 1, ["'many' in 'numbers' states no number"]),
        ("numbers:\n  - [1]\n", 2, ["'numbers' must be a list"]),
        ("design: rct\ndesign: cohort\n", 2, ["given twice (first on line 1)"]),
        ("key: smith2021\n", 1, ["differs from the file name"]),
        ("population: Adults\n  setting: x\n", 2, ["not valid YAML"]),
        ("population: [Adults\n", 2, ["not valid YAML"]),
        ("- a list\n", 1, ["must be a mapping"]),
        ("just text\n", 1, ["must be a mapping"]),
        ("a: 1\n---\nb: 2\n", 2, ["not valid YAML"]),
    ],
)
def test_bad_record_names_the_line_and_what_to_do(text, line, words):
    _, findings = parse(text)
    assert findings, text
    f = findings[0]
    assert (f.code, f.severity, f.location.path, f.location.line) == ("bad-record", "error", PATH, line)
    for w in words:
        assert w in f.message


@pytest.mark.parametrize("text", ["", "# only a comment\n", "design:\n", "key: smith2022\nnotes: ~\n"])
def test_empty_records_are_valid(text):
    record, findings = parse(text)
    assert findings == [] and record is not None and record.key == "smith2022"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_a_record_or_findings_never_a_traceback(text):
    record, findings = parse(text)
    assert record is not None or findings
    for f in findings:
        assert f.code == "bad-record" and f.location.line >= 1 and f.message


BIB = """@article{smith2022,
  title = {A trial},
  journal = {J},
  year = {2022},
  doi = {10.1/x},
  sourcetype = {journal},
  design = {rct},
  authority = {guideline},
}
@online{web2020,
  title = {A page},
  year = {2020},
  url = {https://example.org},
}
"""


def sources():
    return {s.key: s for s in load_bib_text(BIB, "references/s.bib").sources}


def test_classify_fills_a_missing_sourcetype():
    web = sources()["web2020"]
    assert web.sourcetype == ""
    findings = []
    got = classify(web, Record("web2020", web.location, sourcetype="government"), findings)
    assert got.sourcetype == "government" and findings == []


def test_classify_fills_design_and_authority_the_bib_leaves_out():
    web = sources()["web2020"]
    assert (web.design, web.authority) == ("", ())
    record, _ = parse("design: none\nauthority: [regulatory]\n")
    findings = []
    got = classify(web, record, findings)
    assert (got.design, got.authority, findings) == ("none", ("regulatory",), [])


def test_classify_reports_disagreements_and_keeps_the_bib():
    smith = sources()["smith2022"]
    record, _ = parse("sourcetype: government\ndesign: cohort\nauthority: [consensus]\n")
    findings = []
    got = classify(smith, record, findings)
    assert got.sourcetype == "journal"
    assert [(f.code, f.location.line) for f in findings] == [("bad-record", 1), ("bad-record", 2), ("bad-record", 3)]
    assert "sourcetype 'government' differs from the .bib entry's sourcetype 'journal'" in findings[0].message
    same, _ = parse("sourcetype: journal\ndesign: rct\nauthority: [guideline]\n")
    findings = []
    classify(smith, same, findings)
    assert findings == []


def test_a_record_gives_an_unclassified_source_its_type(tmp_path):
    kb = make_kb(tmp_path, "unclassified-source")
    (kb / "references/records/blog2021.yml").write_text("sourcetype: other\n")
    report = check_kb(load_config(kb))
    assert not [f for f in report.findings if f.code == "unclassified-source"]
    assert report.catalogue.source_map()["blog2021"].sourcetype == "other"


def test_two_records_for_one_key_and_records_option(tmp_path):
    kb = make_kb(tmp_path)
    (kb / "extra").mkdir()
    (kb / "extra/smith2022.yml").write_text("notes: again\n")
    cfg = kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("bibliography: [references/*.bib]", "bibliography: [references/*.bib]\n"
                                           "      records: [references/records/*.yml, extra/*.yml]"))  # fmt: skip
    config = load_config(kb)
    assert config.records == ("references/records/*.yml", "extra/*.yml")
    found = [f for f in check_kb(config).findings if f.code == "bad-record"]
    assert [(f.location.path, f.location.line) for f in found] == [("extra/smith2022.yml", 1)]
    assert "a second record for 'smith2022' (the first is references/records/smith2022.yml:1)" in found[0].message


def test_records_option_must_be_patterns(tmp_path):
    kb = make_kb(tmp_path)
    cfg = kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("review_max_age_days", "records: 5\n      review_max_age_days"))
    with pytest.raises(ConfigError, match="records: give a list of glob patterns"):
        load_config(kb)


def test_unreadable_bytes_still_load(tmp_path):
    f = tmp_path / "smith2022.yml"
    f.write_bytes(b"notes: caf\xe9 \x00\n")
    got = load_records([f], tmp_path)
    assert got.findings or got.records


def test_records_are_cached_and_reloaded_when_edited(base_kb):
    config = load_config(base_kb)
    first = load_catalogue(config)
    assert (base_kb / ".kb/cache/records.pickle").is_file()
    assert load_catalogue(config).records == first.records
    path = base_kb / "references/records/smith2022.yml"
    path.write_text(path.read_text().replace("2,665 patients", "2,666 patients"))
    again = {r.key: r for r in load_catalogue(config).records}
    assert again["smith2022"].sample_size == "2,666 patients"


def test_unsupported_number_message_and_json(tmp_path):
    kb = make_kb(tmp_path, "unsupported-number")
    data = json.loads(CliRunner().invoke(cli, ["check", str(kb), "--format", "json"]).output)
    first = next(f for f in data["findings"] if "'55%'" in f["message"])
    assert first["code"] == "unsupported-number" and first["source"] == "smith2022" and first["claim"].startswith("c-")
    assert first["severity"] == "error"  # a published number no record holds fails the check
    assert "sources checked: smith2022 in references/records/smith2022.yml)" in first["message"]
    assert "sources.bib" not in first["message"]
    assert "correct the number, or add it to the record (a finding, an outcome or numbers)" in first["message"]


def test_a_record_supports_its_numbers_and_bib_fields_never_do(tmp_path):
    kb = make_kb(tmp_path, "unsupported-number")
    page = kb / "docs/numbers.md"
    # volume 12, pages 100--110 and the year come from the .bib; 45% and 2,665 from the record
    page.write_text(page.read_text() + "\nVolume 12, pages 100 to 110, in 2022: 45% of 2,665 [@smith2022].\n")
    before = [f for f in check_kb(load_config(kb)).findings if f.code == "unsupported-number"]
    assert len(before) == 8  # 12, 100, 110 (volume, pages) and the five the page plants; 2022 is the year
    (kb / "references/records/smith2022.yml").write_text(
        "outcomes:\n  - outcome: Response\n    value: 55% within two hours\n"
        "numbers: [2665, 14, 79, 21, 12%, 45%, 30%]\n"
    )
    (kb / "references/records/agency2023.yml").write_text("notes: Updated in 2024.\nnumbers: [2023, 2024]\n")
    left = [f for f in check_kb(load_config(kb)).findings if f.code == "unsupported-number"]
    assert sorted(f.message.split("'")[1] for f in left) == ["100", "110", "12"]


@pytest.mark.parametrize(
    ("claim", "bib", "flagged"),
    [
        # the example: issue 2, volume 13, pages 307-349 are not a trial's results
        (
            "Melatonin 2 mg for 13 weeks helped 307 of 349 patients",
            "volume = {13}, number = {2}, pages = {307--349}",
            ["13", "2", "307", "349"],
        ),
        ("It was published in 2021", "year = {2021}", []),  # its own year names the source
        ("It was published in 2021", "volume = {2021}", ["2021"]),
        ("Response reached 55%", "note = {Response 55%}", ["55%"]),
        ("Response reached 45%", "", []),  # the record's own 45%
    ],
)
def test_bibliographic_fields_never_trace_a_number(tmp_path, claim, bib, flagged):
    kb = make_kb(tmp_path)
    (kb / "references/extra.bib").write_text(
        f"@article{{mel2020, author = {{Mel, A}}, title = {{Sleep}}, journal = {{J}}, {bib + ',' if bib else ''} "
        "year = {2020}, doi = {10.1/x}, sourcetype = {journal}}\n"
    )
    (kb / "references/records/mel2020.yml").write_text(
        "design: rct\noutcomes:\n  - outcome: Response\n    value: 45%\n"
    )
    (kb / "docs/mel.md").write_text(f"---\nreviewed: 2026-11-01\n---\n\n# Mel\n\n{claim} [@mel2020].\n")
    found = [f for f in check_kb(load_config(kb)).findings if f.code == "unsupported-number"]
    assert sorted(f.message.split("'")[1] for f in found) == sorted(flagged)
    assert all(f.severity == "error" for f in found)


def test_no_number_finding_where_no_cited_source_has_a_record(tmp_path):
    kb = make_kb(tmp_path, "missing-findings")
    (kb / "docs/more.md").write_text("---\nreviewed: 2026-11-01\n---\n\n# More\n\n12 of 99 improved [@norecord2021].\n")
    codes = [f.code for f in check_kb(load_config(kb)).findings]
    assert "unsupported-number" not in codes and codes.count("missing-findings") == 1


def test_missing_findings_only_where_a_record_matters(tmp_path):
    kb = make_kb(tmp_path, "missing-findings")
    bib = kb / "references/extra.bib"
    bib.write_text(bib.read_text().replace("evidence   = {rct}", "design = {none}"))
    page = kb / "docs/more.md"
    page.write_text("---\nreviewed: 2026-11-01\n---\n\n# More\n\nThe page says to call ahead [@norecord2021].\n")
    assert "missing-findings" not in {f.code for f in check_kb(load_config(kb)).findings}
    page.write_text(page.read_text() + "\nIt lists 3 clinics [@norecord2021].\n")
    (found,) = [f for f in check_kb(load_config(kb)).findings if f.code == "missing-findings"]
    assert "states a number (at docs/more.md:9)" in found.message


def test_numbers_on_draft_pages_are_draft_findings(tmp_path):
    kb = make_kb(tmp_path, "unsupported-number")
    cfg = kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text() + "draft_docs: |\n  numbers.md\n")
    report = check_kb(load_config(kb))
    assert not [f for f in report.findings if f.code == "unsupported-number"]
    assert len([f for f in report.draft_findings if f.code == "unsupported-number"]) == 5


def test_claims_citing_only_unknown_sources_are_not_checked(tmp_path):
    kb = make_kb(tmp_path)
    (kb / "docs/more.md").write_text("---\nreviewed: 2026-11-01\n---\n\n# More\n\nIt was 99% [@nobody2020].\n")
    codes = {f.code for f in check_kb(load_config(kb)).findings}
    assert "unknown-source" in codes and "unsupported-number" not in codes


def test_missing_findings_only_for_sources_cited_by_published_claims(tmp_path):
    kb = make_kb(tmp_path, "missing-findings")
    cfg = kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text() + "draft_docs: |\n  more.md\n")
    report = check_kb(load_config(kb))
    assert not [f for f in report.findings + report.draft_findings if f.code == "missing-findings"]


def test_a_number_on_a_later_line_of_a_claim_is_reported_there(tmp_path):
    kb = make_kb(tmp_path, "unsupported-number")
    found = [f for f in check_kb(load_config(kb)).findings if "'2024'" in f.message]
    assert [f.location.line for f in found] == [26]  # the claim starts on line 25


def test_list_markers_are_not_in_claim_text(tmp_path):
    kb = make_kb(tmp_path, "unsupported-number")
    claims = {c.location.line: c for c in load_catalogue(load_config(kb)).claims if c.page == "numbers.md"}
    assert claims[16].text.startswith("The first trials")
    assert claims[17].text.startswith("Later ones pooled 79")


def test_evidence_table_comment_is_not_a_claim(base_kb):
    text = (base_kb / "docs/topic.md").read_text()
    assert "<!-- kb: evidence-table -->" in text
    claims = load_catalogue(load_config(base_kb)).claims
    assert not any("evidence-table" in c.text for c in claims) and len(claims) == 4  # a lead-in: no claim


def test_kb_without_records_folder_loads(tmp_path):
    kb = make_kb(tmp_path)
    for f in (kb / "references/records").iterdir():
        f.unlink()
    report = check_kb(load_config(kb))
    assert {f.code for f in report.findings} == {"missing-findings"}
    assert Path(report.findings[0].location.path) == Path("references/sources.bib")


def test_claims_numbers_are_cached_and_follow_edits(tmp_path):
    kb = make_kb(tmp_path, "unsupported-number")
    config = load_config(kb)
    first = [f.message for f in check_kb(config).findings]
    assert (kb / ".kb/cache/numbers.pickle").is_file()
    assert [f.message for f in check_kb(load_config(kb)).findings] == first
    page = kb / "docs/numbers.md"
    page.write_text(page.read_text().replace("55%", "56%"))
    again = [f.message for f in check_kb(load_config(kb)).findings]
    assert any("'56%'" in m for m in again) and not any("'55%'" in m for m in again)
    (kb / ".kb/cache/numbers.pickle").write_bytes(b"not a pickle")
    assert [f.message for f in check_kb(load_config(kb)).findings] == again
