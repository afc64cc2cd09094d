"""The sleep test fixture (a KB outside KAP) built by MkDocs: one label per source type, and under a numeric
style (AMA) one convention on every page: superscripts that hug their word, and generated pages that
number their sources with a reference list of their own, as topic pages do."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from kb_tools.core.grading import SOURCETYPE_LABELS
from kb_tools.site.topicpages import _hug
from tests.conftest import KBS
from tests.site_helpers import broken_links, mkdocs_build

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="citations need pandoc")


def build(tmp: Path, csl: str | None = None) -> Path:
    kb = tmp / "sleep"
    shutil.copytree(KBS / "sleep", kb)
    if csl:
        conf = kb / "mkdocs.yml"
        conf.write_text(
            conf.read_text().replace("review_max_age_days: 3650", f"review_max_age_days: 3650\n      csl: {csl}")
        )
    result = mkdocs_build(kb, "--strict")
    assert result.returncode == 0, result.stderr
    return kb / "site"


@pytest.fixture(scope="module")
def apa(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("apa"))


@pytest.fixture(scope="module")
def ama(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("ama"), "ama")


def test_source_types_read_the_same_in_the_sources_table_source_pages_and_search_filters(apa):
    table = (apa / "sources/index.html").read_text()
    rows = re.findall(r"<tr><td>.*?</tr>", table, re.S)
    types = [re.findall(r"</td><td>([^<]+?)(?: <strong>|</td>)", r)[0] for r in rows]  # the second cell
    assert set(types) == {"Journal article", "Professional body", "Government"}
    assert "professional" not in types and "journal" not in types
    assert "<dd>Professional body (accepted" in (apa / "sources/fasm2021/index.html").read_text()
    assert "<td>Journal article</td>" in (apa / "report/index.html").read_text()
    data = json.loads((apa / "search-data.json").read_text())  # the search filters' labels
    assert {t["id"]: t["label"] for t in data["sourcetypes"]} == SOURCETYPE_LABELS


def test_ama_superscripts_hug_the_word_before_them(ama):
    html = (ama / "topics/melatonin/index.html").read_text()
    assert 'compared with placebo<span class="kb-citation"><sup>' in html
    assert not re.search(r"\s<span class=\"kb-citation\"><sup>", html)


@pytest.mark.parametrize(
    "text, start, expected",
    [
        ("minutes [@a].", 8, 7),  # the space goes
        ("minutes  \t[@a].", 10, 7),
        ("- [@a] alone", 2, 2),  # a list marker keeps its space
        ("1. [@a]", 3, 3),
        ("| [@a] |", 2, 2),  # so does a table cell's pipe
        ("> [@a]", 2, 2),
        ("[@a] first", 0, 0),
        ("cells | [@a]", 8, 8),
        ("said: [@a]", 6, 5),
    ],
)
def test_a_superscript_citation_takes_the_space_before_it_only_after_a_word(text, start, expected):
    assert _hug(text, start) == expected


def test_numeric_generated_pages_number_their_sources_with_a_reference_list(ama):
    for path in ("conditions/insomnia/index.html", "sources/alder2022/index.html"):
        html = (ama / path).read_text()
        items = re.findall(r'<li class="kb-claim-item">(.*?)</li>', html, re.S)
        assert items, path
        # each claim's words, then its sources' numbers on this page as a topic page prints them (AMA's
        # superscripts); never an author-year label such as "(Alder et al., 2022)"
        cited = r'</a><span class="kb-citation"><sup><a class="kb-cite" href="[^"]+">\d+</a>(,<a [^>]+>\d+</a>)*</sup>'
        assert all(re.search(cited, item) for item in items), path
        assert not re.search(r"\([A-Z][^()]*, \d{4}\)", " ".join(items)), path
        refs = re.search(r'<ul class="kb-references kb-references-numbered">(.*?)</ul>', html, re.S)
        assert refs, f"{path} has no reference list"
        numbers = re.findall(r'<div class="csl-left-margin">(\d+)\.</div>', refs.group(1))
        assert numbers == [str(n) for n in range(1, len(numbers) + 1)]
        used = {int(n) for n in re.findall(r'class="kb-cite" href="[^"]+">(\d+)</a>', " ".join(items))}
        assert used == set(range(1, len(numbers) + 1)), path


def test_numeric_evidence_tables_name_authors_with_the_page_number(ama):
    html = (ama / "topics/melatonin/index.html").read_text()
    assert '">Alder et al.<sup>1</sup></a></th>' in html
    assert "Alder et al., 2022" not in html.split('id="references"')[0]


def test_author_date_generated_pages_keep_their_short_citations(apa):
    html = (apa / "conditions/insomnia/index.html").read_text()
    assert '<a class="kb-cite" href="../../sources/alder2022/">(Alder et al., 2022)</a>' in html
    assert "kb-references-numbered" not in html


def test_built_sites_have_no_broken_links(apa, ama):
    assert broken_links(apa) == []
    assert broken_links(ama) == []
