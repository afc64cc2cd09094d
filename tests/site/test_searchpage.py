"""What the built site gives the claim search: search-data.json, the search page, and the header template."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
from whoosh import index as whoosh_index
from whoosh.analysis import STOP_WORDS
from whoosh.query import Term

from kb_tools.index.schema import schema
from kb_tools.search import browser
from kb_tools.search.engine import OWN_B
from kb_tools.search.facets import FACETS
from kb_tools.search.whooshquery import CITED_BOOST
from kb_tools.site.theme import theme_overrides
from tests.serve.test_serve import built_kb  # noqa: F401 - the shared session fixture


def test_search_data_names_pages_and_sources_as_the_site_does(built_kb):  # noqa: F811
    data = json.loads((built_kb / "site/search-data.json").read_text(encoding="utf-8"))
    assert data["pages"] == {
        "index.md": "Home",
        "topics/conditions.md": "Conditions studied",
        "topics/safety.md": "Safety",
        "topics/youth.md": "Young people",
    }  # published pages only: no drafts
    assert data["sources"]["alnefeesi2022"] == {
        "citation": "(Alnefeesi et al., 2022)",
        "sourcetype": "journal",
        "design": "meta-analysis-observational",
        "authority": [],
        # what the index searches it by: its authors (organisations, acronyms) and title; and its year, for year:
        "cited": "Yazen Alnefeesi David Chen-Li Ella Krane Real-world effectiveness of ketamine in "
        "treatment-resistant depression",
        "year": "2022",
    }
    assert data["sources"]["fda2023"]["authority"] == ["regulatory"]
    assert [d["id"] for d in data["designs"]][0] == "meta-analysis-randomised" and data["designs"][-1]["id"] == "none"
    assert {"id": "ptsd", "label": "PTSD"} in data["conditions"]
    assert {"id": "journal", "label": "Journal article"} in data["sourcetypes"]
    assert [f["id"] for f in data["facets"]] == list(FACETS)
    assert data["dirurls"] is True


def index_meta_of(kb: Path) -> dict:
    return json.loads((kb / ".kb/index/kb-index.json").read_text(encoding="utf-8"))


def test_search_data_has_the_vocabulary_the_index_expands_with(built_kb):  # noqa: F811
    data = json.loads((built_kb / "site/search-data.json").read_text(encoding="utf-8"))
    vocab = data["rules"]["vocabulary"]
    assert vocab == browser.vocabulary_rules(index_meta_of(built_kb))  # as the engine reads its index's meta
    assert vocab["phrases"]["suicidal thoughts"] == "suicidal-ideation"
    assert vocab["lay"]["teenag"] == ["adolescent", "adolescents", "youth"]  # keyed by Porter stems, as the engine
    assert "what" in vocab["stop"] and "the" in vocab["stop"]  # the KB's question words and Whoosh's stop words


def test_search_data_stems_every_word_of_the_kb_as_the_index_does(built_kb):  # noqa: F811
    data = json.loads((built_kb / "site/search-data.json").read_text(encoding="utf-8"))
    by_word = {w: stem for stem, words in data["stems"].items() for w in words.split()}
    analyzer = schema()["text"].analyzer
    ix = whoosh_index.open_dir(str(built_kb / ".kb/index"))
    with ix.searcher() as searcher:
        texts = [f["text"] for f in searcher.all_stored_fields()]
        indexed = {t.decode() for t in searcher.reader().lexicon("text")}
    words = {t.text.lower() for text in texts for t in analyzer.items[0](text)}
    # a word the map leaves out is its own stem: the browser's stems of the claim texts are the index's
    assert {w: [t.text for t in analyzer(w)] for w in words} == {
        w: [by_word.get(w, w)] if w not in STOP_WORDS and len(w) > 1 else [] for w in words
    }
    assert {by_word.get(w, w) for w in words if w not in STOP_WORDS and len(w) > 1} == indexed
    assert by_word["treatments"] == "treatment" and by_word["studies"] == "studi"
    assert all(by_word[w] != w for w in by_word)  # only words whose stem differs: the file stays small


def test_search_data_has_what_the_index_holds_beyond_claims_json(built_kb):  # noqa: F811
    data = json.loads((built_kb / "site/search-data.json").read_text(encoding="utf-8"))
    claims = json.loads((built_kb / "site/claims.json").read_text(encoding="utf-8"))
    ix = whoosh_index.open_dir(str(built_kb / ".kb/index"))
    with ix.searcher() as searcher:
        stored = {f["id"]: f for f in searcher.all_stored_fields()}
        named = {
            cid: sorted(searcher.stored_fields(d)["id"] for d in searcher.docs_for_query(Term("named", cid)))
            for cid in ("ptsd", "suicidal-ideation", "depression", "anxiety")
        }
    # the text the index holds: claims.json's, but where that keeps Markdown (`code`), the index's plain text
    assert {c["id"]: data["texts"].get(c["id"], c["text"]) for c in claims} == {k: f["text"] for k, f in stored.items()}
    quoted = "A page may quote markup such as <script>alert(1)</script> without running it."
    assert list(data["texts"].values()) == [quoted]
    # the conditions a claim names in its own words, as the index's ``named`` field has them
    assert {cid: sorted(ids) for cid, ids in data["named"].items()} == {k: v for k, v in named.items() if v}
    assert len(data["named"]) == 4


def test_search_data_rules_are_the_engines(built_kb):  # noqa: F811
    rules = json.loads((built_kb / "site/search-data.json").read_text(encoding="utf-8"))["rules"]
    assert rules == json.loads(json.dumps(browser.rules(index_meta_of(built_kb))))
    assert rules["rank"]["cited_boost"] == CITED_BOOST and rules["rank"]["b"]["own"] == OWN_B
    assert rules["analyzer"]["stop"] == sorted(STOP_WORDS) and rules["analyzer"]["porter"] is True


def test_every_page_has_the_claim_box_and_the_page_search(built_kb):  # noqa: F811
    for page in ("index.html", "topics/safety/index.html", "sources/fda2023/index.html", "search/index.html"):
        html = (built_kb / "site" / page).read_text(encoding="utf-8")
        assert 'role="combobox"' in html and 'data-md-component="search-query"' in html, page
    search = (built_kb / "site/search/index.html").read_text(encoding="utf-8")
    assert search.count("__kbSearchHref") == 1  # only the search page holds ?q= back from the theme's search
    assert "__kbSearchHref" not in (built_kb / "site/index.html").read_text(encoding="utf-8")


def render_search_partial(original: dict[str, str]) -> str:
    icons = {f".icons/material/{n}.svg": f"<svg>{n}</svg>" for n in ("magnify", "close")}
    env = jinja2.Environment(loader=theme_overrides(jinja2.DictLoader({**original, **icons})))
    env.filters["url"] = lambda u: u
    config = {"use_directory_urls": True}
    return env.get_template("partials/search.html").render(config=config, page=None)


def test_the_header_template_includes_the_themes_own_search_after_the_claim_box():
    html = render_search_partial({"partials/search.html": "<div data-md-component=search>THEIRS</div>"})
    assert html.index('id="kb-hsearch-q"') < html.index("THEIRS")  # a custom_dir override of it included too
    assert 'action="search/"' in html


def test_other_templates_stay_the_themes():
    env = jinja2.Environment(loader=theme_overrides(jinja2.DictLoader({"main.html": "THEIRS", "kb-light.html": "X"})))
    assert env.get_template("main.html").render() == "THEIRS"
    assert env.get_template("kb-light.html").render() == "X"
