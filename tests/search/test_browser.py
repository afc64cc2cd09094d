"""The engine's rules as the build writes them for the browser's static search (``kb_tools.search.browser``)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import StemmingAnalyzer
from whoosh.lang.porter import stem

from kb_tools.search import browser, whooshquery
from kb_tools.search.query import TOKEN, Vocabulary

META = {
    "conditions": [{"id": "low-back-pain", "name": "Low back pain", "synonyms": ["lumbago", "LBP"]}],
    "lay_terms": {"stop_words": ["what"], "terms": {"teenagers": ["adolescents", "young people"]}},
}


@pytest.mark.parametrize(
    ("python", "js"),
    [
        (r"\w+", r"[\p{L}\p{N}_]+"),
        (r"[\w\*]+(\.?[\w\*]+)*", r"[\p{L}\p{N}_\*]+(\.?[\p{L}\p{N}_\*]+)*"),
        (r"(?P<word>[^\s\"]+)\d", r"(?<word>[^\s\"]+)\p{Nd}"),
        (r"\\w[]w]", r"\\w[\]w]"),  # an escaped backslash, and "]" first in a class, stay literal
        (r"([^aeiouylsz])\1$", r"([^aeiouylsz])\1$"),
    ],
)
def test_python_patterns_are_written_for_javascript(python, js):
    assert browser.js_pattern(python) == js


def test_the_rules_are_the_engines_own():
    rules = browser.rules(META)
    assert rules["query"]["token"] == browser.js_pattern(TOKEN.pattern)
    assert rules["query"]["fields"]["author"] == ["unit", "cited"] and "OR" in rules["query"]["operators"]
    assert rules["rank"]["b"] == {"text": 0.75, "own": 0.5, "cited": 0.75, "conditions": 0.75, "named": 0.75}
    assert rules["rank"]["lengths"][:12] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]  # Whoosh's one-byte lengths
    assert rules["filter_fields"]["sources"] == {"split": True, "lower": True}
    assert rules["filter_fields"]["design"] == {"split": False, "lower": False}
    assert rules["facets"] == ["condition", "role", "design", "sourcetype"]
    needs = rules["messages"]["needs_value"]
    assert needs.format(name="year", example="2023") == "'year:' needs a value, e.g. year:2023"


def test_the_rules_follow_the_engine_when_it_changes(monkeypatch):
    monkeypatch.setattr(whooshquery, "CITED_BOOST", 0.25)
    monkeypatch.setattr(whooshquery, "FIX_LIMIT", 7)
    rules = browser.rules(META)
    assert rules["rank"]["cited_boost"] == 0.25 and rules["corrections"]["limit"] == 7


def test_the_vocabulary_is_read_as_the_engine_reads_it():
    v = browser.vocabulary_rules(META)
    assert v["longest"] == Vocabulary.from_meta(META).longest == 3
    assert v["phrases"]["low back pain"] == v["phrases"]["low back pains"] == v["phrases"]["lbp"] == "low-back-pain"
    assert v["lay"] == {"teenag": ["adolescents", "young people"]}  # keyed by Porter stems; stand-ins as written
    assert "what" in v["stop"] and "the" in v["stop"]


def test_porter_rules_are_whooshs():
    rules = browser.porter_rules()
    assert rules["step2"]["ational"] == "ate" and rules["step3"]["ness"] == ""
    # Python's re.match anchors at the start: the browser anchors each pattern so, and they match as Python's
    at_bl_iz = re.compile(rules["patterns"]["at_bl_iz"])
    assert at_bl_iz.match("at") and not at_bl_iz.match("hopat")


def test_stems_group_the_words_whose_stem_differs():
    got = browser.stems(["Treatments treated; the studies", "A study of treatment (e.g. 3.5 mg)"])
    assert got == {"studi": "studies study", "treat": "treated", "treatment": "treatments"}
    assert all(stem(w) == s for s, ws in got.items() for w in ws.split())


def test_another_stemmer_leaves_the_browser_with_the_stems_alone():
    rules = browser.analyzer_rules(StemmingAnalyzer(stemfn=str.upper))
    assert rules["porter"] is False and rules["minsize"] == 2
    assert browser.stems(["treatments"], StemmingAnalyzer(stemfn=str.upper)) == {"TREATMENTS": "treatments"}


def _stems_one_by_one(texts, analyzer):
    """The definition ``stems`` keeps: every token of every text, each word analyzed on its own."""
    words = {t.text.lower() for text in texts for t in analyzer.items[0](text)}
    out: dict[str, list[str]] = {}
    for word in sorted(words):
        got = [t.text for t in analyzer(word)]
        if len(got) == 1 and got[0] != word:
            out.setdefault(got[0], []).append(word)
    return {s: " ".join(ws) for s, ws in sorted(out.items())}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="aeiİIstudyngrd.,- \n3é_ß", max_size=40), max_size=5))
def test_stems_in_one_pass_are_the_words_analyzed_one_by_one(texts):
    analyzer = browser.text_analyzer()
    assert browser.stems(texts) == _stems_one_by_one(texts, analyzer)


def test_an_analyzer_that_splits_tokens_is_analyzed_word_by_word():
    from whoosh.analysis import IntraWordFilter, RegexTokenizer

    analyzer = RegexTokenizer() | IntraWordFilter()
    texts = ["PowerShell wi-fi", "SD500 treatments"]
    assert browser.stems(texts, analyzer) == _stems_one_by_one(texts, analyzer)
