"""The editor's real-world loop on a second KB, exported the way a reference manager writes it.

``tests/fixtures/kbs/lowback`` (exercise therapy for chronic low back pain; every DOI a 10.5555 test DOI)
has corporate authors, a chapter with ``crossref`` to its book, proceedings, a newspaper ``@article``,
accented names, ``@string`` and month macros, a ``@misc`` with its URL in ``howpublished`` and a table of
claims. It must pass ``kb check --strict``, read as pandoc's APA prints each resolved entry, and build.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb_tools.cli import cli
from kb_tools.config.kbconfig import load_config
from kb_tools.references.citeproc import html_to_text
from tests.conftest import FIXTURES, KBS, site_data
from tests.site.test_golden import _entries, pandoc_plain

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")

# The crossref children written out by hand with what they inherit: pandoc's oracle input.
RESOLVED = FIXTURES / "lowback_resolved.bib"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def lowback(tmp_path: Path) -> Path:
    return Path(shutil.copytree(KBS / "lowback", tmp_path / "lowback"))


def precomposed(text: str) -> str:
    """What the oracle should read: NFC, an accented dotless i as i, no protective braces."""
    text = re.sub("\u0131(?=[\u0300-\u036f])", "i", text)
    return unicodedata.normalize("NFC", text).replace("{", "").replace("}", "")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    kb = lowback(tmp_path_factory.mktemp("editor-loop"))
    result = run("build", str(kb), "--strict")
    assert result.exit_code == 0, result.output
    return kb


def page_text(kb: Path, path: str) -> str:
    return html_to_text((kb / "site" / path).read_text(encoding="utf-8"))


def test_lowback_passes_strict(tmp_path):
    kb = lowback(tmp_path)
    data = json.loads(run("check", str(kb), "--strict", "--format", "json").output)
    assert data["findings"] == [] and data["summary"]["sources"] == 8  # the crossref'd book is used


def test_every_entry_reads_as_pandocs_apa_for_the_resolved_entry(tmp_path):
    kb = lowback(tmp_path)
    site = site_data(load_config(kb))
    bib = (kb / "references" / "library.bib").read_text(encoding="utf-8")
    strings = "\n".join(re.findall(r"^@string\{.*\}$", bib, re.M)) + "\n\n"
    entries = {**_entries(bib), **_entries(RESOLVED.read_text(encoding="utf-8"))}
    assert set(entries) == set(site.sources)
    for key, entry in entries.items():
        ours = html_to_text(site.styled.reference_html(key))
        assert ours == precomposed(pandoc_plain(strings + entry, key, tmp_path)), key
        assert unicodedata.is_normalized("NFC", ours) and "\u0131" not in ours and "{" not in ours, key
    chapter = site.styled.reference_text("lee2019")
    assert "In A. Brown & L. García (Eds.), Handbook of spinal rehabilitation (pp. 101–120)" in chapter
    assert site.styled.short("nice2016") == "(National Institute for Health and Care Excellence, 2016)"


def test_the_built_site_reads_right(built):
    site = built / "site"
    html = "\n".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "\u0131\u0301" not in html and "{NICE}" not in html
    # the chapter's page prints its book and editors; the book's page exists and is not unused
    assert "In A. Brown &amp; L. García (Eds.)" in (site / "sources/lee2019/index.html").read_text(encoding="utf-8")
    # a @misc whose URL is in howpublished: the Link is that URL
    backcare = page_text(built, "sources/backcare2021/index.html")
    assert "https://www.example.org/staying-active" in backcare and "none given" not in backcare
    # table rows read with their column headings
    garcia = page_text(built, "sources/garcia2021/index.html")
    assert "Approach: Motor control; Delivery: one-to-one, then home; Dose: 2 sessions a week for 8 weeks" in garcia
    # pages in the nav's order (Exercise therapy before Assessment), not file order
    okafor = page_text(built, "sources/okafor2019/index.html")
    assert okafor.index("Structured exercise reduces") < okafor.index("Radicular pain that spreads")
    sidebar = (site / "sources/okafor2019/index.html").read_text(encoding="utf-8")
    assert sidebar.index('href="../../topics/treatments/"') < sidebar.index('href="../../topics/assessment/"')
    assert "1 claim about Sciatica" in page_text(built, "conditions/sciatica/index.html")
    claims = json.loads((site / "claims.json").read_text(encoding="utf-8"))
    assert any(c["text"].startswith("Approach: Graded activity; Delivery: group classes") for c in claims)


def test_bib_syntax_names_its_entry_once(tmp_path):
    from tests.conftest import make_kb

    data = json.loads(run("check", str(make_kb(tmp_path, "bib-syntax")), "--format", "json").output)
    (finding,) = data["findings"]
    assert finding["source"] == "broken2020" and "line 14" not in finding["message"]


def _search(kb: Path, query: str) -> list[str]:
    result = run("search", query, str(kb), "--json")
    assert result.exit_code == 0, result.output
    return [hit["text"] for hit in json.loads(result.output)["results"]]


def test_an_organisation_and_a_heading_are_searchable(built):
    assert any("stay active" in t for t in _search(built, "BackCare"))  # organization of a @misc
    hits = _search(built, "motor control")
    assert any(t.startswith("Approach: Motor control; Delivery:") for t in hits), hits


def test_mkdocs_build_works_on_the_export(tmp_path):
    kb = lowback(tmp_path)
    mkdocs = Path(sys.executable).with_name("mkdocs")
    proc = subprocess.run([str(mkdocs), "build", "--strict"], cwd=kb, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (kb / "site" / "sources" / "brown2019" / "index.html").is_file()


# --- the rules on their own ------------------------------------------------------------------------------


def _one(bib: str):
    from kb_tools.load.bibtex import load_bib_text

    return load_bib_text(bib, "refs.bib").sources[0]


@pytest.mark.parametrize(
    ("written", "name"),
    [
        (r"Garc{\'\i}a", "García"),
        (r"Garc\'{\i}a", "García"),
        (r"Garc\'{i}a", "García"),
        (r"{\"o}ster", "öster"),
        (r"\"{O}ster", "Öster"),
        (r"Nguy{\~{\^e}}n", "Nguyễn"),
    ],
)
def test_accented_names_are_precomposed(written, name):
    (person,) = _one(f"@misc{{k, author = {{{written}, Ana}}}}").authors
    assert person.last == name and unicodedata.is_normalized("NFC", person.last)


@pytest.mark.parametrize(
    ("entry", "guess"),
    [
        ("@article{k, journal = {The Guardian}, title = {T}}", "journalism"),
        ("@article{k, journal = {Quarterly Fixture Studies}, title = {T}}", "journalism"),  # no volume, no DOI
        ("@article{k, journal = {Fixture Research}, volume = {3}, doi = {10.5555/x}}", "journal"),
        ("@misc{k, title = {T}, url = {https://www.fixture.gov/notice}}", "government"),
        ("@techreport{k, author = {{Fixture Department of Health}}, title = {T}}", "government"),
        ("@techreport{k, institution = {University of Fixtures}, title = {T}}", "university"),
    ],
)
def test_unclassified_source_suggests_a_type(entry, guess):
    from kb_tools.check.sourcerules import likely_sourcetype, unclassified

    s = _one(entry)
    assert s.sourcetype == ""  # never taken from the entry type
    assert likely_sourcetype(s)[0] == guess
    assert f"perhaps sourcetype = {{{guess}}}" in unclassified(s).message


@pytest.mark.parametrize(
    ("entry", "fires"),
    [
        ("@book{k, title = {T}, isbn = {978-0-00-000000-2}, sourcetype = {professional}}", False),
        ("@incollection{k, title = {T}, isbn = {978-0-00-000000-2}, sourcetype = {professional}}", False),
        ("@inproceedings{k, title = {T}, sourcetype = {university}}", True),
        ("@article{k, journal = {Herald}, url = {https://news.example.com/a}, sourcetype = {journalism}}", False),
        ("@article{k, journal = {Herald}, sourcetype = {journalism}}", True),
        ("@article{k, journal = {J}, sourcetype = {journal}}", True),
        (r"@misc{k, howpublished = {\url{https://example.org/a_b}}, sourcetype = {other}}", False),
        ("@misc{k, note = {Available at https://example.org/x.}, sourcetype = {other}}", False),
        ("@misc{k, title = {T}, sourcetype = {other}}", True),
    ],
)
def test_missing_identifier(entry, fires):
    from kb_tools.check.sourcerules import missing_identifier, source_url

    s = _one(entry)
    assert (missing_identifier(s) is not None) == fires
    if "howpublished" in entry:
        assert source_url(s) == "https://example.org/a_b"


@pytest.mark.parametrize(
    ("entry", "noun"),
    [
        ("@article{k, journal = {J}, sourcetype = {journal}}", "journal article 'k' has no doi"),
        ("@article{k, journal = {Herald}, sourcetype = {journalism}}", "news article 'k' has no url"),
        ("@book{k, title = {T}, sourcetype = {professional}}", "book 'k' (@book) has no isbn, doi or url"),
        ("@incollection{k, title = {T}, sourcetype = {university}}", "chapter 'k' (@incollection)"),
        ("@inbook{k, title = {T}, sourcetype = {university}}", "chapter 'k' (@inbook)"),
        ("@inproceedings{k, title = {T}, sourcetype = {university}}", "conference paper 'k' (@inproceedings)"),
        ("@proceedings{k, title = {T}, sourcetype = {university}}", "proceedings volume 'k' (@proceedings)"),
        ("@online{k, title = {T}, sourcetype = {other}}", "source 'k' has neither doi nor url"),
    ],
)
def test_missing_identifier_names_the_kind_of_source(entry, noun):
    """A conference paper is not asked for "the book's ISBN" (issue 22, item 6)."""
    from kb_tools.check.sourcerules import missing_identifier

    message = missing_identifier(_one(entry)).message
    assert noun in message
    if "proceedings" in entry:
        assert "book's" not in message and "proceedings' ISBN" in message or "volume's ISBN" in message


@pytest.mark.parametrize(
    "entry",
    [
        "@inproceedings{k, title = {T}, doi = {10.5555/p}, sourcetype = {university}}",
        "@inproceedings{k, title = {T}, isbn = {978-0-00-000000-2}, sourcetype = {university}}",
        "@inproceedings{k, title = {T}, url = {https://example.org/p}, sourcetype = {university}}",
    ],
)
def test_a_conference_paper_with_any_identifier_passes(entry):
    from kb_tools.check.sourcerules import missing_identifier

    assert missing_identifier(_one(entry)) is None


def test_a_corporate_author_written_as_a_person_is_reported():
    from kb_tools.check.sourcerules import corporate_author

    s = _one("@techreport{k, author = {National Institute for Health and Care Excellence}, title = {T}}")
    assert "double braces" in corporate_author(s).message
    assert corporate_author(_one("@techreport{k, author = {{World Health Organization}}}")) is None


@pytest.mark.parametrize(
    ("field", "fires"),
    [
        ("institution = {Institute for Health and Care}", True),
        ('publisher = "Health and Care Press"', True),
        ("organization = {{Institute for Health and Care}}", False),
        ("institution = {{NICE} and {WHO}}", True),
        ("publisher = {Brand {and} Sons}", False),
        ("publisher = hk", False),
    ],
)
def test_an_organisation_pandoc_would_split_at_and(field, fires):
    from kb_tools.load.bibtex import load_bib_text

    findings = load_bib_text(f"@book{{k, author = {{Smith, J}}, {field}}}", "refs.bib").findings
    got = [(f.code, f.severity) for f in findings if f.code != "bib-warning"]  # hk is undefined here
    assert got == ([("corporate-author", "warning")] if fires else [])


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("Exercise helps [@nice2020.", ["[@nice2020."]),
        ("Exercise helps [see @nice2020, p. 4 and more", ["[see @nice2020,"]),
        ("Exercise helps [@nice2020] and [@okafor2019", ["[@okafor2019"]),
        ("Exercise helps [@nice2020].", []),
        ("Write `[@key` as `[@key]`", []),
        ("Mail [us] at a@b.org, [@nice2020]", []),
    ],
)
def test_unclosed_citations(tmp_path, text, bad):
    from kb_tools.check.policy import _unclosed_citations
    from kb_tools.load.pageblocks import parse_page

    (block,) = parse_page(text + "\n").blocks

    class Claim:
        id = "c-1"
        location = type("L", (), {"path": "docs/p.md", "line": 3})()

    Claim.text = block.text
    found = _unclosed_citations(Claim)
    assert [f.message.split("'")[1] for f in found] == bad
    assert all(f.code == "bad-citation" and f.location.line == 3 for f in found)
