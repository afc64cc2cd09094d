"""The claim index and query engine, on a real Whoosh index over the search fixture KB."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb_tools.cli import cli
from kb_tools.config.kbconfig import load_config
from kb_tools.core.grading import DESIGNS
from kb_tools.index.schema import META_FILE, SCHEMA_VERSION, read_meta
from kb_tools.index.writer import write_index
from kb_tools.pipeline import check_kb
from kb_tools.references import citeproc as apa
from kb_tools.search.engine import Engine, IndexMissing, QueryError
from kb_tools.search.facets import FACETS
from tests.conftest import KBS

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="APA citations need pandoc")


def build_index(kb: Path) -> Path:
    config = load_config(kb)
    report = check_kb(config)
    cat = report.catalogue
    styled = apa.style_catalogue(cat.bibtex, [s.key for s in cat.sources], [], config.cache_path)
    write_index(config, report, styled, config.index_path)
    return config.index_path


@pytest.fixture(scope="module")
def search_kb(tmp_path_factory) -> Path:
    kb = tmp_path_factory.mktemp("kbs") / "search"
    shutil.copytree(KBS / "search", kb)
    build_index(kb)
    return kb


@pytest.fixture(scope="module")
def engine(search_kb: Path) -> Engine:
    return Engine(load_config(search_kb).index_path)


def texts(results) -> list[str]:
    return [h.text for h in results.hits]


def first(engine: Engine, query: str, **kw) -> str:
    res = engine.search(query, **kw)
    assert res.hits, f"{query!r} found nothing"
    return res.hits[0].text


def test_index_holds_published_claims_only(search_kb, engine):
    meta = read_meta(load_config(search_kb).index_path)
    assert meta["claims"] == 13 and meta["pages"] == 3 and meta["schema_version"] == SCHEMA_VERSION
    assert engine.search("zebracorn").total == 0  # the claim on a draft page is not indexed
    assert not list(search_kb.joinpath(".kb").glob(".index-*"))  # no temporary folders left behind


@pytest.mark.parametrize("query", ["PTSD", "ptsd", "post-traumatic stress disorder", "posttraumatic stress disorder"])
def test_condition_synonyms_find_the_same_claims(engine, query):
    assert first(engine, query).startswith("Post-traumatic stress disorder responded")


def test_lay_synonym_of_condition(engine):
    assert first(engine, "suicidal thoughts").startswith("Suicidal ideation fell")
    assert "suicidal-ideation" in engine.search("suicidal thoughts").hits[0].conditions


def test_stemming(engine):
    res = engine.search("treatments")
    assert any("during treatment" in t for t in texts(res))
    assert any("during treatments" in t for t in texts(res))


@pytest.mark.parametrize(
    ("typo", "fixed", "expect"),
    [("dissocation", "dissociation", "Dissociation and"), ("anxeity", "anxiety", "Anxiety symptoms")],
)
def test_typos_are_corrected_with_a_suggestion(engine, typo, fixed, expect):
    res = engine.search(typo)
    assert res.suggestion == fixed
    assert res.hits[0].text.startswith(expect)


def test_stem_level_typo_needs_no_correction(engine):
    res = engine.search("ketamin bladder")
    assert res.suggestion is None and res.hits[0].text.startswith("Long-term use")


def test_all_words_must_match(engine):
    assert engine.search("bladder").total == 1
    assert engine.search("ketamine blood").total == 1 and not engine.search("ketamine blood").relaxed


def test_when_no_claim_has_every_word_claims_with_some_are_ranked(engine):
    res = engine.search("bladder hallucinations")
    assert res.relaxed and res.total == 2
    res = engine.search("how does ketamine raise the pressure of blood in the brain")
    assert res.relaxed and res.hits[0].text.startswith("Ketamine can raise blood pressure")


def test_quoted_phrase(engine):
    assert texts(engine.search('"blood pressure"')) == ["Ketamine can raise blood pressure during treatment."]
    assert engine.search('"pressure blood"').total == 0


def test_field_filters(engine):
    res = engine.search("condition:ptsd")
    assert res.total >= 1 and all("ptsd" in h.conditions for h in res.hits)
    assert all(h.score == 0.0 for h in res.hits)  # a filter-only listing has no relevance order
    res = engine.search("source:wolfson2023")
    assert {h.text.split()[0] for h in res.hits} == {"Four", "Involving"}
    assert engine.search("ketamine", source="WOLFSON2023").total == 2
    assert engine.search("ketamine", conditions=("depression",)).total >= 1
    assert engine.search("ketamine -bladder").total == engine.search("ketamine").total - 1


def test_plain_language_questions(engine):
    assert first(engine, "is it addictive").startswith("Ketamine has a potential for abuse")
    assert first(engine, "can teenagers get it").startswith(("Four adolescents", "Involving the family"))
    assert first(engine, "bladder").startswith("Long-term use")


@pytest.mark.parametrize("query", ["AND", "-", "OR NOT", '""', "   "])
def test_empty_or_operator_only_queries_are_a_clear_error(engine, query):
    with pytest.raises(QueryError, match="type one or more words"):
        engine.search(query)


@pytest.mark.parametrize(
    "query", ['"unbalanced quote', "bladder AND", "- bladder", "bladder OR", "((bladder", "note:bladder"]
)
def test_malformed_queries_give_best_effort_results(engine, query):
    engine.search(query)  # never raises


def test_only_common_words_is_a_clear_error(engine):
    with pytest.raises(QueryError, match="type one or more words"):
        engine.search("what is it")
    with pytest.raises(QueryError, match="only common words"):
        engine.search("x y")
    assert engine.search("what is it", conditions=("ptsd",)).total >= 1  # the filter alone still lists claims


def test_bad_filters_and_long_queries(engine):
    with pytest.raises(QueryError, match="needs a value"):
        engine.search("condition:")
    with pytest.raises(QueryError, match="valid condition ids are: ptsd, suicidal-ideation"):
        engine.search("condition:flu")
    with pytest.raises(QueryError, match="too long"):
        engine.search("x" * 10_000)


def test_highlight_escapes_before_marking(engine):
    hit = engine.search("script alert").hits[0]
    assert "<script>" not in hit.highlight
    assert "&lt;<mark>script</mark>&gt;<mark>alert</mark>(1)&lt;/" in hit.highlight
    assert "<script>alert(1)</script>" in hit.text


def test_json_contract(engine):
    data = json.loads(json.dumps(engine.search("blood pressure").to_json()))
    assert set(data) == {"query", "total", "results", "suggestion", "relaxed", "sort", "facets"}
    assert (data["relaxed"], data["sort"], set(data["facets"])) == (False, "relevance", {*FACETS})
    r = data["results"][0]
    assert set(r) == {
        *("claim", "text", "highlight", "url", "page", "conditions", "sources", "score"),
        *("design", "authorities", "evidence"),  # evidence: deprecated single ladder, kept for one release
        *("section", "page_url"),
        *("roles", "design_label"),  # each condition's role in the claim; the design as pages name it
        "support",  # what its sources report that it rests on: [{source, finding, statement, locator, quote}]
    }
    assert r["url"] == f"topics/safety/#{r['claim']}" and r["page"] == "Safety"
    assert r["page_url"] == "topics/safety/" and r["section"] == "Known risks"
    assert r["sources"] == [
        {
            "key": "fda2023",
            "citation": "(U.S. Food and Drug Administration, 2023)",
            "sourcetype": "government",
            "design": "none",
            "authority": ["regulatory"],
            "evidence": "regulatory",
        }
    ]
    assert (r["design"], r["authorities"], r["evidence"]) == ("", ["regulatory"], "regulatory")
    assert isinstance(r["score"], float) and isinstance(r["support"], list)
    assert "<mark>blood pressure</mark>" in r["highlight"]


def test_rebuild_swaps_in_and_engine_reopens(search_kb, engine, tmp_path):
    before = engine.search("zebracorn").total
    page = search_kb / "docs" / "topics" / "extra.md"
    page.write_text("---\ntitle: Extra\nreviewed: 2026-11-01\n---\n\n# Extra\n\nZebracorn facts [@fda2023].\n")
    try:
        build_index(search_kb)
        assert before == 0 and engine.search("zebracorn").total == 1
    finally:
        page.unlink()
        build_index(search_kb)
    assert engine.search("zebracorn").total == 0


def test_failed_write_keeps_previous_index(search_kb, engine, monkeypatch):
    import kb_tools.index.writer as index_mod

    config = load_config(search_kb)
    meta_before = (config.index_path / META_FILE).read_text()

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(index_mod, "swap_in", boom)
    with pytest.raises(RuntimeError):
        write_index(config, check_kb(config), None, config.index_path)
    assert (config.index_path / META_FILE).read_text() == meta_before
    assert not list(config.index_path.parent.glob(".index-*"))
    assert engine.search("bladder").total == 1


def test_missing_index(tmp_path):
    with pytest.raises(IndexMissing, match="run kb build first"):
        Engine(tmp_path / "nothing").search("x")


def test_cli_text_json_and_errors(search_kb):
    run = CliRunner().invoke
    res = run(cli, ["search", "suicidal thoughts", str(search_kb)])
    assert res.exit_code == 0, res.output
    assert "Suicidal ideation fell" in res.output and "Page: Conditions studied" in res.output
    assert "(Alnefeesi et al., 2022)" in res.output
    res = run(cli, ["search", "bladder", str(search_kb), "--json", "--limit", "1"])
    data = json.loads(res.output)
    assert data["total"] == 1 and data["suggestion"] is None and len(data["results"]) == 1
    res = run(cli, ["search", "ketamine", str(search_kb), "--condition", "flu"])
    assert res.exit_code == 2 and "ptsd, suicidal-ideation, depression, anxiety" in res.output
    res = run(cli, ["search", "AND", str(search_kb)])
    assert res.exit_code == 2


def test_cli_missing_index(base_kb):
    res = CliRunner().invoke(cli, ["search", "ketamine", str(base_kb)])
    assert res.exit_code == 1 and "run kb build first" in res.output


# --- incremental index updates ------------------------------------------------------------------------


@pytest.fixture
def update_kb(tmp_path) -> Path:
    kb = tmp_path / "search"
    shutil.copytree(KBS / "search", kb)
    build_index(kb)
    return kb


def _rebuild(kb: Path) -> dict:
    build_index(kb)
    return read_meta(load_config(kb).index_path)


def _page_with(kb: Path, phrase: str) -> Path:
    return next(p for p in sorted((kb / "docs").rglob("*.md")) if phrase in p.read_text(encoding="utf-8"))


def test_unchanged_rebuild_is_an_empty_update(update_kb):
    meta = _rebuild(update_kb)
    assert meta["update"] == {"incremental": True, "added": 0, "deleted": 0}


def test_edited_claim_is_found_with_its_new_text_not_its_old_one(update_kb):
    page = _page_with(update_kb, "bladder")
    text = page.read_text(encoding="utf-8")
    assert "bladder" in text
    page.write_text(text.replace("bladder", "kidneyquux"), encoding="utf-8")
    meta = _rebuild(update_kb)
    assert meta["update"]["incremental"] and 1 <= meta["update"]["added"] < meta["claims"]
    engine = Engine(load_config(update_kb).index_path)
    assert engine.search("bladder").total == 0
    assert_phrases_as_whoosh(engine)  # an updated index has deleted documents
    res = engine.search("kidneyquux")
    assert res.total == 1 and "kidneyquux" in res.hits[0].text
    assert engine.search("ketamine").total == Engine(load_config(update_kb).index_path).search("ketamine").total
    full = update_kb.parent / "full"
    write_index(load_config(update_kb), check_kb(load_config(update_kb)), None, full, previous=full / "none")
    fresh = Engine(full)
    for q in ("ketamine", "condition:ptsd", "blood pressure", "kidneyquux", "treatments"):
        a, b = engine.search(q), fresh.search(q)
        assert a.total == b.total, q
        assert [h.claim for h in a.hits] == [h.claim for h in b.hits], q  # same ranking, same listing order


def test_removed_page_claims_are_gone(update_kb):
    page = _page_with(update_kb, "bladder")
    before = read_meta(load_config(update_kb).index_path)["claims"]
    page.unlink()
    meta = _rebuild(update_kb)
    assert meta["update"]["incremental"] and meta["update"]["added"] == 0 and meta["update"]["deleted"] >= 1
    assert meta["claims"] == before - meta["update"]["deleted"]
    engine = Engine(load_config(update_kb).index_path)
    assert engine.search("bladder").total == 0
    assert_phrases_as_whoosh(engine)  # an updated index has deleted documents
    assert engine.search("condition:ptsd").total >= 1


def test_new_page_is_added_by_update(update_kb):
    page = update_kb / "docs" / "topics" / "extra.md"
    page.write_text("---\ntitle: Extra\nreviewed: 2026-11-01\n---\n\n# Extra\n\nZebracorn facts [@fda2023].\n")
    meta = _rebuild(update_kb)
    assert meta["update"] == {"incremental": True, "added": 1, "deleted": 0}
    assert Engine(load_config(update_kb).index_path).search("zebracorn").total == 1


def test_config_change_forces_a_full_rebuild(update_kb):
    cfg = update_kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("site_name:", "site_name: Renamed", 1), encoding="utf-8")
    meta = _rebuild(update_kb)
    assert meta["update"]["incremental"] is False and meta["update"]["added"] == meta["claims"]


def test_lay_terms_change_forces_a_full_rebuild(update_kb):
    (update_kb / "lay_terms.yml").write_text("terms:\n  quuxy: [ketamine]\n", encoding="utf-8")
    meta = _rebuild(update_kb)
    assert meta["update"]["incremental"] is False
    assert Engine(load_config(update_kb).index_path).search("quuxy").total >= 1


def test_designs_order_change_forces_a_full_rebuild(update_kb):
    cfg = update_kb / "mkdocs.yml"
    order = "[" + ", ".join(["case-series", *(d for d in DESIGNS if d != "case-series")]) + "]"
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(text.replace("      conditions:", f"      designs: {order}\n      conditions:", 1), encoding="utf-8")
    try:
        meta = _rebuild(update_kb)
        assert meta["update"]["incremental"] is False and meta["designs"][0] == "case-series"
        res = Engine(load_config(update_kb).index_path).search("ketamine", sort="design", limit=20)
        assert [v.value for v in dict(res.facets)["design"]] == ["case-series", "meta-analysis-observational", "none"]
        assert [h.design for h in res.hits[:3]] == ["case-series", "case-series", "meta-analysis-observational"]
    finally:
        cfg.write_text(text, encoding="utf-8")
        _rebuild(update_kb)


def test_an_index_of_an_older_schema_is_rebuilt_not_read(update_kb):
    path = load_config(update_kb).index_path
    meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    (path / META_FILE).write_text(json.dumps({**meta, "schema_version": SCHEMA_VERSION - 1}), encoding="utf-8")
    with pytest.raises(IndexMissing):  # the engine does not read it as if it had today's fields
        Engine(path).search("ketamine")
    meta = _rebuild(update_kb)
    assert meta["update"]["incremental"] is False and meta["schema_version"] == SCHEMA_VERSION
    assert Engine(path).search("ketamine").total >= 1


def test_failed_update_keeps_previous_index(update_kb, monkeypatch):
    import kb_tools.index.writer as index_mod

    config = load_config(update_kb)
    page = _page_with(update_kb, "bladder")
    page.write_text(page.read_text(encoding="utf-8").replace("bladder", "kidneyquux"), encoding="utf-8")
    files_before = {p.name: p.read_bytes() for p in config.index_path.iterdir()}

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(index_mod, "swap_in", boom)
    with pytest.raises(RuntimeError):
        write_index(config, check_kb(config), None, config.index_path)
    assert {p.name: p.read_bytes() for p in config.index_path.iterdir()} == files_before
    assert not list(config.index_path.parent.glob(".index-*"))
    assert Engine(config.index_path).search("bladder").total == 1


def test_phrase_scores_are_whooshs(engine):
    """The engine's own phrase matching gives Whoosh's matches and scores, the same floats in the same order."""
    assert_phrases_as_whoosh(engine)


def assert_phrases_as_whoosh(engine: Engine) -> None:
    from whoosh.query import Phrase

    from kb_tools.search import matchsets

    st = engine._current()
    phrases = set()
    for fields in st.searcher.all_stored_fields():
        toks = matchsets.tokens(st, "text", fields["text"])
        for k in (2, 3):
            phrases.update(tuple(toks[i : i + k]) for i in range(len(toks) - k + 1))
        phrases.update({tuple(toks[:1] * 2), tuple(toks[-1:] + toks[:1]), (*toks[:1], "zzzunknown")})
    context = st.searcher.context()
    for words in sorted(p for p in phrases if len(p) > 1):
        q = Phrase("text", list(words))
        whoosh = {}
        for sub, offset in st.searcher.leaf_searchers():
            m = q.matcher(sub, context)
            while m.is_active():
                whoosh[m.id() + offset] = m.score()
                m.next()
        ours = matchsets._phrase_scores(st, q)
        assert list(ours.items()) == list(whoosh.items()), words
