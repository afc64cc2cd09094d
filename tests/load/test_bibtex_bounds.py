"""Oversized BibTeX is a finding, never a build that runs out of memory (issue 23 item 8): the loader bounds
what ``@string`` concatenation expands and how large a field may be, and pandoc is handed only the fields
the citation style prints."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kb_tools.cli import cli
from kb_tools.load import bibmiddleware
from kb_tools.load.bibtex import load_bib_text
from kb_tools.references import bibsplit
from kb_tools.references import citeproc as apa

MAX_FIELD_CHARS = 1 << 20  # bibmiddleware.MAX_FIELD_CHARS


def test_the_field_bound():
    assert bibmiddleware.MAX_FIELD_CHARS == MAX_FIELD_CHARS


def string_bomb(levels: int = 8, entry: str = "s5") -> str:
    """The issue's kind of bomb: each @string is ten of the one before (16 x 10^7 characters at s7)."""
    lines = ['@string{s0 = "xxxxxxxxxxxxxxxx"}']
    lines += [f"@string{{s{i} = {' # '.join([f's{i - 1}'] * 10)}}}" for i in range(1, levels)]
    lines.append(f"@article{{bomb, title = {entry}, author = {{Doe, J.}}, year = 2020, sourcetype = {{journal}}}}")
    return "\n".join(lines) + "\n"


def test_a_string_concatenation_bomb_is_a_finding_at_each_line():
    bomb = string_bomb()
    assert len(bomb) < 900
    result = load_bib_text(bomb, "refs.bib")
    got = [(f.code, f.location.line, f.source) for f in result.findings]
    assert got == [("bib-syntax", 6, None), ("bib-syntax", 7, None), ("bib-syntax", 8, None), ("bib-syntax", 9, "bomb")]
    assert "s5" in result.findings[0].message and "1 MB" in result.findings[0].message
    assert result.sources == ()  # the entry that uses it is skipped
    assert len(result.clean_bibtex) < 1000  # and pandoc never sees the large @strings


def test_many_strings_just_under_the_bound_exhaust_the_files_budget():
    parts = " # ".join(["s1"] * 9)  # 900,000 characters each, under the field bound
    text = '@string{s0 = "' + "x" * 10_000 + '"}\n@string{s1 = ' + " # ".join(["s0"] * 10) + "}\n"
    text += "".join(f"@string{{big{i} = {parts}}}\n" for i in range(40))
    result = load_bib_text(text, "refs.bib")
    assert {f.code for f in result.findings} == {"bib-syntax"}
    assert len(result.findings) >= 20  # past 16 MB of expanded text, every further @string is refused
    assert len(result.clean_bibtex) < len(text)


def test_a_field_too_large_as_written_is_a_finding_at_its_entry():
    big = "word " * (MAX_FIELD_CHARS // 5 + 10)  # just over 1 MB
    text = "@article{ok, title = {Fine}, author = {Doe, J.}, year = 2020, sourcetype = {journal}}\n\n"
    text += "@article{big, title = {T}, author = {Doe, J.}, year = 2020, sourcetype = {journal},\n"
    text += f"  abstract = {{{big}}}\n}}\n"
    result = load_bib_text(text, "refs.bib")
    (found,) = result.findings
    assert (found.code, found.location.line, found.source) == ("bib-syntax", 3, "big")
    assert "abstract" in found.message
    assert [s.key for s in result.sources] == ["ok"]
    assert len(result.clean_bibtex) < 1000


def test_a_bomb_fails_the_check_and_the_claim_citing_it_names_the_finding(base_kb):
    (base_kb / "references" / "bomb.bib").write_text(string_bomb(), encoding="utf-8")
    topic = base_kb / "docs" / "topic.md"
    topic.write_text(topic.read_text().replace("[@agency2023]:", "[@agency2023; @bomb]:"))
    result = CliRunner().invoke(cli, ["check", str(base_kb), "--format", "json"])
    found = json.loads(result.output)["findings"]
    assert result.exit_code == 1
    assert [f["line"] for f in found if f["code"] == "bib-syntax"] == [6, 7, 8, 9]
    unknown = [f for f in found if f["code"] == "unknown-source"]  # the lead-in's cite covers its items
    assert unknown and all("references/bomb.bib:9" in f["message"] for f in unknown)


ENTRY = """@article{a,
  title = {A {B} c},
  abstract = {x {y} "z" , w} # " more {}" # jan,
  author="Doe, J.",
  keywords = k1,
  file = {/home/me/a.pdf},
  year = 2020
}"""


@pytest.mark.parametrize(
    ("style", "kept", "gone"),
    [
        ('<text variable="title"/>', ["title", "author", "year"], ["abstract", "keywords", "file"]),
        ('<text variable="abstract title"/>', ["title", "abstract"], ["keywords", "file"]),
        ('<text variable="keyword"/>', ["keywords"], ["abstract", "file"]),
    ],
)
def test_pandoc_is_handed_only_the_fields_the_style_prints(style, kept, gone):
    slim = bibsplit.without_fields(ENTRY, bibsplit.unused_fields(style))
    fields = [line.split("=")[0].strip() for line in slim.splitlines()[1:-1]]
    assert all(k in fields for k in kept) and not any(g in fields for g in gone), slim
    assert slim.startswith("@article{a,") and slim.endswith("}")


@pytest.mark.parametrize(
    "entry", ["@article{a, abstract = {never closed", '@article{a, abstract = "never closed', "no entry"]
)
def test_an_entry_that_cannot_be_read_field_by_field_is_handed_over_whole(entry):
    assert bibsplit.without_fields(entry, frozenset({"abstract"})) == entry


def test_a_large_uncited_abstract_never_reaches_pandoc(monkeypatch):
    abstract = "word " * 150_000  # 750 KB: under the loader's bound, and no APA reference prints it
    bib = load_bib_text(
        "@article{a, title = {T}, author = {Doe, J.}, year = 2020, sourcetype = {journal},\n"
        f"  abstract = {{{abstract}}}}}\n",
        "refs.bib",
    ).clean_bibtex
    handed: list[str] = []
    monkeypatch.setattr(
        apa, "_run_pandoc", lambda text, groups, *a, **k: handed.append(text) or apa.Formatted({}, ("",) * len(groups))
    )
    apa.format_all(bib, ["[@a]"])
    assert handed and all(len(text) < 1000 and "abstract" not in text for text in handed)
