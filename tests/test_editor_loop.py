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

from kb_tools.apa import html_to_text
from kb_tools.cli import cli
from kb_tools.config import load_config
from kb_tools.sitedata import prepare

from .conftest import FIXTURES, KBS
from .test_site_golden import _entries, pandoc_plain

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
    site = prepare(load_config(kb))
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
    assert "1 claim about Sciatica" in page_text(built, "conditions/sciatica/index.html")


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
