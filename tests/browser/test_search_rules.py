"""The browser runs the rules the build generated as the engine runs its own, in headless Chromium.

The words of the repository's pages and docs (and their inflections) are stemmed by the browser's Porter steps as
by ``whoosh.lang.porter.stem``; texts are split into the index's stems by the browser's analyzer as by the
index's; queries are read into the same clauses, filters and compounds as ``kb_tools.search.query.parse`` and
``compounds.apply`` read them.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from whoosh.lang.porter import stem

from benchmarks.a11y import static_server
from benchmarks.chromium import CHROMIUM
from kb_tools.index.schema import read_meta, read_words, schema
from kb_tools.search import compounds
from kb_tools.search.query import QueryError, Vocabulary, parse, words_of
from tests.conftest import REPO
from tests.serve.test_serve import built_kb  # noqa: F401 - the shared session fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]

SUFFIXES = ("s", "es", "ed", "ing", "ly", "ies", "ational", "tional", "ization", "fulness", "ousness", "iveness")
SUFFIXES += ("alism", "aliti", "iciti", "ical", "ness", "ement", "ment", "able", "ible", "ance", "ence", "ize", "eed")


def corpus_words() -> list[str]:
    """The words of the repository's Markdown, and each with the suffixes Porter's steps take off."""
    text = " ".join(p.read_text(encoding="utf-8") for p in [*REPO.glob("*.md"), *(REPO / "docs").rglob("*.md")])
    words = sorted(set(words_of(text)))
    return sorted(set(words) | {w + s for w in words[::7] for s in SUFFIXES} | {"y" + w for w in words[::11]})


@pytest.fixture(scope="module")
def page(browser, built_kb):  # noqa: F811
    with static_server(built_kb / "site") as base:
        context = browser.new_context()
        p = context.new_page()
        p.goto(base + "/search/")
        p.wait_for_function("() => !!window.kbSearchTerms")
        p.evaluate("async () => { window.searchData = await (await fetch('../search-data.json')).json(); }")
        yield p
        context.close()


def test_the_browsers_porter_steps_stem_as_whoosh(page):
    words = corpus_words()
    assert len(words) > 10_000
    js = "(ws) => { const a = kbSearchTerms.analyzer(searchData.rules, {}); return ws.map(a.porter); }"
    got = page.evaluate(js, words)
    assert {w: g for w, g in zip(words, got, strict=True) if g != stem(w)} == {}


TEXTS = [
    "Café naïve e.g. 3.5 mg/kg, x_y *wild* -- İstanbul 日本語 ½ the of A I 10,000 U.S. FDA's patients' re-dosing",
    "Treatments, treated, treating and treatment-resistant studies: generously, hopefulness, sensational",
]


def test_the_browsers_analyzer_gives_the_index_stems(page, built_kb):  # noqa: F811
    texts = TEXTS + [p.read_text(encoding="utf-8") for p in (built_kb / "docs" / "topics").glob("*.md")]
    analyzer = schema()["text"].analyzer
    for stems in ("searchData.stems", "{}"):  # with the KB's stems, and with the Porter steps alone
        js = f"(ts) => {{ const a = kbSearchTerms.analyzer(searchData.rules, {stems}); return ts.map(a.tokens); }}"
        got = page.evaluate(js, texts)
        assert got == [[t.text for t in analyzer(text)] for text in texts]


QUERIES = [
    "suicidal thoughts",
    "is it addictive for teenagers",
    '"blood pressure" -bladder',
    "bladder OR adolescents NOT ketamine",
    "author:wolfson year:2023 design:rct",
    "-condition:ptsd source:FDA2023 evidence:RCT",
    "title:ketamine section:safety monitoring",
    "http://example.org note: -x- - -- ' \" unclosed",
    "Migraine headaches lumbago TRD treatment resistant depressions",
    "sleep walking jetlag wakeup time OR",
    "AND OR NOT",
    "condition:",
    "condition:nonsense",
    "year:",
]


def python_parse(q: str, vocab: Vocabulary, words: dict) -> dict:
    try:
        parsed = compounds.apply(parse(q, vocab), words, vocab)
    except QueryError as exc:
        return {"error": str(exc)}
    d = asdict(parsed)
    return {
        "clauses": [[_unit(u) for u in c["units"]] for c in d["clauses"]],
        "negated": [_unit(u) for u in d["negated"]],
        "conditions": list(d["conditions"]),
        "sources": list(d["sources"]),
        "filters": [list(f) for f in d["filters"]],
    }


def _unit(u: dict) -> dict:
    return {**u, "words": list(u["words"]), "expansions": [list(e) for e in u["expansions"]]}


READ_JS = """(qs) => { const t = kbSearchTerms, r = searchData.rules, a = t.analyzer(r, searchData.stems);
  const v = t.vocabulary(r, a), words = new Map(Object.entries(window.indexWords));
  return qs.map(q => { try { const p = t.compounds(r, v, t.parse(r, v, q), words);
      p.clauses = p.clauses.map(c => c.map(u => { const o = Object.assign({}, u); delete o.completions; return o; }));
      p.negated = p.negated.map(u => { const o = Object.assign({}, u); delete o.completions; return o; });
      return p; } catch (e) { if (e instanceof t.QueryError) return { error: e.message }; throw e; } }); }"""


def test_the_browser_reads_queries_as_the_engine(page, built_kb):  # noqa: F811
    index = built_kb / ".kb" / "index"
    vocab, words = Vocabulary.from_meta(read_meta(index)), read_words(index)
    page.evaluate("(w) => { window.indexWords = w; }", words)
    got = page.evaluate(READ_JS, QUERIES)
    expected = [python_parse(q, vocab, words) for q in QUERIES]
    assert json.loads(json.dumps(got)) == expected


def test_the_browsers_word_list_is_the_indexs(page, built_kb):  # noqa: F811
    got = page.evaluate(
        "async () => { const claims = await (await fetch('../claims.json')).json();"
        " return Object.fromEntries(kbSearchStatic.prepare(claims, searchData).words); }"
    )
    assert got == read_words(built_kb / ".kb" / "index")  # what compound words and "did you mean" go by
