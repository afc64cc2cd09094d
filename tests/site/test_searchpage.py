"""What the built site gives the claim search: search-data.json, the search page, and the header template."""

from __future__ import annotations

import json

import jinja2

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
    }
    assert data["sources"]["fda2023"]["authority"] == ["regulatory"]
    assert [d["id"] for d in data["designs"]][0] == "meta-analysis-randomised" and data["designs"][-1]["id"] == "none"
    assert {"id": "ptsd", "label": "PTSD"} in data["conditions"]
    assert {"id": "journal", "label": "Journal article"} in data["sourcetypes"]
    assert data["dirurls"] is True


def test_search_data_has_the_vocabulary_the_index_expands_with(built_kb):  # noqa: F811
    data = json.loads((built_kb / "site/search-data.json").read_text(encoding="utf-8"))
    meta = json.loads((built_kb / ".kb/index/kb-index.json").read_text(encoding="utf-8"))
    vocab = data["vocabulary"]
    assert vocab["lay_terms"] == meta["lay_terms"]  # the KB's lay terms and stop words, as the index has them
    assert [{k: c[k] for k in ("id", "name", "synonyms")} for c in vocab["conditions"]] == meta["conditions"]
    assert vocab["conditions"][1] == {
        "id": "suicidal-ideation",
        "name": "Suicidal ideation",
        "synonyms": ["suicidal ideation", "suicidal thoughts", "suicidality"],
    }  # "exclude" only when the condition has phrases that do not name it


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
