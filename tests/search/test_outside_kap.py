"""Search on a KB outside KAP (the sleep test fixture), through no lay term of its own: compound and split
words, organisations' acronyms, and the KB's main subject ranked by the strength of the evidence.

The judged queries are tests/fixtures/kbs/sleep/judgments.yml; the static search answers the same ones in
Chromium (tests/browser/test_pages.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from kb_tools.config.kbconfig import load_config
from kb_tools.core.model import Location, Person, Source
from kb_tools.index.acronyms import acronyms, initials
from kb_tools.index.writer import write_index
from kb_tools.pipeline import check_kb
from kb_tools.references import citeproc as apa
from kb_tools.search.compounds import split
from kb_tools.search.engine import Engine
from tests.conftest import KBS

SLEEP = KBS / "sleep"


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    if shutil.which("pandoc") is None:
        pytest.skip("citations need pandoc")
    kb = tmp_path_factory.mktemp("sleep") / "sleep"
    shutil.copytree(SLEEP, kb)
    config = load_config(kb)
    report = check_kb(config)
    cat = report.catalogue
    styled = apa.style_catalogue(cat.bibtex, [s.key for s in cat.sources], [], config.cache_path)
    write_index(config, report, styled, config.index_path)
    claims = [c for p in cat.pages if not p.draft for c in p.claims]
    return Engine(config.index_path), claims


def judged(claims) -> list[tuple[str, str, list[str]]]:
    out = []
    for item in yaml.safe_load((SLEEP / "judgments.yml").read_text(encoding="utf-8"))["queries"]:
        ids = []
        for page, phrase in item["relevant"]:
            found = [c.id for c in claims if c.page == page and phrase.lower() in c.plain.lower()]
            assert len(found) == 1, f"{item['query']!r}: {page} / {phrase!r} names {len(found)} claims"
            ids += found
        out.append((item["query"], item["kind"], ids))
    return out


def test_every_judged_claim_is_in_the_first_five(engine):
    eng, claims = engine
    cases = judged(claims)
    assert {kind for _, kind, _ in cases} >= {"compound", "acronym", "subject"}
    missing = []
    for query, _, ids in cases:
        top = [h.claim for h in eng.search(query, limit=5).hits]
        missing += [(query, cid) for cid in ids if cid not in top]
    assert missing == []


def test_split_and_joined_words_find_the_claims_without_a_suggestion(engine):
    eng, _ = engine
    for query in ("sleep walking", "jetlag"):
        res = eng.search(query)
        assert res.hits and not res.relaxed and res.suggestion is None, query
    assert eng.search("jetlag").hits[0].text.startswith("Melatonin taken at the destination")


def test_the_kb_subject_ranks_stronger_designs_first_not_repetition(engine):
    eng, _ = engine
    designs = [h.design for h in eng.search("melatonin", limit=11).hits]
    assert designs.index("case-series") > designs.index("rct") > designs.index("meta-analysis-randomised")
    texts = [h.text for h in eng.search("melatonin", limit=5).hits]
    assert not any("gummies" in t for t in texts)


def source(authors=(), **fields) -> Source:
    return Source("k", "report", Location("x.bib", 1), authors=authors, fields=tuple(fields.items()))


@pytest.mark.parametrize(
    "src, expected",
    [
        (source((Person(last="American Academy of Sleep Medicine (AASM)", literal=True),)), ("AASM",)),
        (source((Person(last="European Medicines Agency", literal=True),)), ("EMA",)),
        (source((Person(last="National Institute for Health and Care Excellence", literal=True),)), ("NIHCE",)),
        (source((Person(last="World Health Organization", literal=True),), shortauthor="WHO"), ("WHO",)),
        (source(institution="Food and Drug Administration (F.D.A.)"), ("FDA",)),
        (source((Person(last="Smith", first="Jane"),)), ()),  # a person has no acronym
        (source((Person(last="Cochrane", literal=True),)), ()),  # one word: no initials
        (source((Person(last="Department of health", literal=True),)), ()),  # not a name in capitals
    ],
)
def test_organisation_acronyms(src, expected):
    assert acronyms(src) == expected


def test_initials_skip_function_words():
    assert initials("Agency for Healthcare Research and Quality") == "AHRQ"


@pytest.mark.parametrize(
    "word, vocabulary, expected",
    [
        ("jetlag", {"jet": 2, "lag": 2}, ("jet", "lag")),
        ("sleepwalking", {"sleep": 9, "walking": 1, "sleepwalk": 1, "ing": 5}, ("sleep", "walking")),
        ("melatonin", {"mel": 1, "atonin": 1}, ("mel", "atonin")),
        ("income", {"in": 5, "come": 5}, None),  # a half shorter than three letters is no word
        ("jetlag", {"jet": 2}, None),
    ],
)
def test_split_uses_the_index_vocabulary(word, vocabulary, expected):
    assert split(word, vocabulary) == expected


def test_the_fixture_is_marked_as_test_data():
    assert "TEST FIXTURE" in (SLEEP / "README.md").read_text()
    assert "INVENTED" in (SLEEP / "references/sources.bib").read_text()
    assert "TEST FIXTURE" in (SLEEP / "mkdocs.yml").read_text()
    assert Path(SLEEP / "judgments.yml").is_file()


def test_acronyms_from_a_bib_entry_as_a_reference_manager_writes_it():
    from kb_tools.load.bibtex import load_bib_text

    bib = """@report{nice2020,
      author = {{National Institute for Health and Care Excellence}}, shortauthor = {{NICE}},
      title = {A guideline}, year = {2020}, institution = {{European Medicines Agency}}}"""
    (src,) = load_bib_text(bib, "x.bib").sources
    assert acronyms(src) == ("NIHCE", "EMA", "NICE")
