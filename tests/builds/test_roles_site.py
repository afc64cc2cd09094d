"""Condition roles, list units and what a synthesis pooled, in a real MkDocs build of tests/fixtures/kbs/roles.

The fixture has a randomised trial, a meta-analysis of observational studies (its record says ``pooled``), a
regulator's label and a survey of a design the KB adds (``cross-sectional``). A boxed warning names suicidal
thoughts as a harm; lists of side effects (harms) and of people who should not be given ketamine
(exclusions) carry their citation on the last item; a survey claim is tagged treated.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from benchmarks.chromium import CHROMIUM
from kb_tools.config.kbconfig import load_config
from kb_tools.pipeline import check_kb
from kb_tools.search.engine import Engine
from tests.conftest import KBS, TESTS
from tests.site_helpers import mkdocs_build, serve_static

ARTIFACTS = TESTS / "artifacts"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    kb = Path(shutil.copytree(KBS / "roles", tmp_path_factory.mktemp("roles") / "kb"))
    result = mkdocs_build(kb, "--strict")
    assert result.returncode == 0, result.stderr
    return kb


def test_the_fixture_is_clean_and_the_added_design_ranks_where_designs_puts_it(built):
    report = check_kb(load_config(built))
    assert report.findings == ()
    designs = load_config(built).designs
    assert designs.index("cohort") + 1 == designs.index("cross-sectional") == designs.index("case-control") - 1


# condition -> (treated claims, strongest design label, harms, exclusions)
PAGES = {
    "depression": (3, "Randomised controlled trial", 0, 0),  # the observational meta-analysis ranks below the RCT
    "suicidal-ideation": (1, "Cross-sectional study", 1, 0),  # the boxed warning is a harm, not a statement
    "psychosis": (1, "Randomised controlled trial", 1, 1),  # "did not worsen" is no harm
    "hypertension": (0, None, 1, 1),
}


def _section(html: str, heading: str) -> str:
    parts = re.split(rf"<h2 id=\"[^\"]*\">{heading}", html, maxsplit=1)
    return parts[1].split("</ul>", 1)[0] if len(parts) == 2 else ""


@pytest.mark.parametrize(("condition", "want"), PAGES.items())
def test_condition_page_lists_treated_claims_first_then_harms_and_exclusions(built, condition, want):
    treated, strongest, harms, exclusions = want
    html = (built / "site" / "conditions" / condition / "index.html").read_text()
    summary = html.split('class="kb-condition-summary">', 1)[1].split("</p>", 1)[0]
    assert summary.startswith(f"{treated} claim{'' if treated == 1 else 's'} about ")
    assert (strongest is None and "Strongest" not in summary) or f">{strongest}</span>" in summary
    assert _section(html, "Harms").count('class="kb-claim-item"') == harms
    assert _section(html, "Exclusions").count('class="kb-claim-item"') == exclusions
    if harms and exclusions:
        assert html.index(">Harms</h2>") < html.index(">Exclusions</h2>")
    if harms:  # the treated claims come first, then the harms
        assert html.index("kb-condition-scope") < html.index(">Harms</h2>")
        assert "Regulatory statement" not in summary  # a warning about a harm is no statement on treating it


def test_list_items_read_with_their_lead_in_out_of_place(built):
    html = (built / "site" / "conditions" / "hypertension" / "index.html").read_text()
    assert "Reported side effects include: raised blood pressure" in _section(html, "Harms")
    assert "Ketamine should not be given to people with: uncontrolled hypertension" in _section(html, "Exclusions")
    claims = json.loads((built / "site" / "claims.json").read_text())
    texts = [c["text"] for c in claims]
    assert "Reported side effects include: psychosis;" in texts
    leads = ("Reported side effects include:", "Ketamine should not be given to people with:")
    assert not any(t in leads for t in texts)  # a lead-in is no claim of its own
    first = next(c for c in claims if c["text"] == "Reported side effects include: psychosis;")
    assert first["sources"] == ["label2023"]  # the last item's citation covers the first
    assert first["roles"] == {"psychosis": "harm"}


def test_anchors_agree_between_page_claims_json_and_index(built):
    claims = json.loads((built / "site" / "claims.json").read_text())
    page = (built / "site" / "topics" / "effects" / "index.html").read_text()
    anchors = set(re.findall(r'id="(c-[0-9a-f]{10}(?:-\d+)?)"', page))
    assert {c["id"] for c in claims} == anchors
    engine = Engine(load_config(built).index_path)
    hits = engine.search("", roles=("harm", "exclusion", "treated"), limit=50).hits
    assert {h.claim for h in hits} == anchors


def test_claims_json_carries_roles_and_design_labels(built):
    claims = {c["text"]: c for c in json.loads((built / "site" / "claims.json").read_text())}
    warning = claims["The label carries a boxed warning for suicidal thoughts in people with depression."]
    assert warning["roles"] == {"depression": "treated", "suicidal-ideation": "harm"}
    pooled = claims["Pooled real-world studies reported lower depression scores after ketamine."]
    assert (pooled["design"], pooled["design_label"]) == (
        "meta-analysis-observational",
        "Meta-analysis of observational studies",
    )


@pytest.mark.parametrize(
    ("conditions", "roles", "total"),
    [
        ((), ("harm",), 3),
        (("suicidal-ideation",), ("harm",), 1),
        (("depression",), ("harm",), 0),  # the warning names depression as who was treated
        (("psychosis", "hypertension"), ("exclusion",), 2),
        (("psychosis",), (), 3),
    ],
)
def test_role_filter(built, conditions, roles, total):
    res = Engine(load_config(built).index_path).search("", conditions, roles=roles, limit=50)
    assert res.total == total
    facet = {v.value: v.count for v in dict(res.facets)["role"]}
    if conditions == ("psychosis",):
        assert facet == {"treated": 1, "harm": 1, "exclusion": 1}


def test_evidence_overview_counts_harms_and_exclusions_apart(built):
    html = (built / "site" / "evidence" / "index.html").read_text()
    row = re.search(r'<tr><th scope="row"><a href="[^"]*conditions/hypertension/">.*?</tr>', html, re.S).group(0)
    assert re.findall(r'<td class="kb-role-col">(\d*)</td>', row) == ["1", "1"]
    assert "Meta-analysis of observational studies" in html and "Cross-sectional study" in html


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium")
def test_condition_page_sections_in_chromium(built, browser):
    with serve_static(built / "site") as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
            page.goto(f"{base}/conditions/psychosis/")
            headings = page.locator("article h2").all_inner_texts()
            assert headings[-2:] == ["Harms", "Exclusions"] and headings[0] == "Effects"
            summary = page.locator(".kb-condition-summary").inner_text()
            assert summary.startswith("1 claim about Psychosis as the condition treated or studied.")
            assert "Strongest study design behind them: Randomised controlled trial" in summary
            assert page.locator("ul.kb-harms > li").count() == 1 and page.locator("ul.kb-exclusions > li").count() == 1
            assert "Reported side effects include: psychosis" in page.locator("ul.kb-harms").inner_text()
            page.locator(".kb-condition-roles a").first.click()
            assert page.evaluate("location.hash") == "#kb-harms"
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "condition-psychosis-roles.png"), full_page=True)
        finally:
            page.close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium")
def test_static_search_filters_by_role_as_the_api_does(built, browser):
    api = Engine(load_config(built).index_path).search("", ("psychosis",), roles=("harm",), limit=50)
    with serve_static(built / "site") as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            page.goto(f"{base}/search/?condition=psychosis&role=harm")
            page.locator(".kb-search__result").first.wait_for()
            assert page.locator(".kb-search__result").count() == api.total == 1
            shown = page.locator(".kb-search__layout").inner_text()
            assert "Reported side effects include: psychosis" in shown and "Psychosis (harm)" in shown
            assert "Role of the condition" in shown and "Exclusion" in shown  # the facet, with the other roles' counts
        finally:
            page.close()


@pytest.mark.engines
@pytest.mark.parametrize("engine", ["properdocs", "zensical"])
def test_other_engines_render_the_same_roles_and_list_units(built, engine, tmp_path):
    from tests.engines.test_engines import kb_build

    kb = Path(shutil.copytree(KBS / "roles", tmp_path / "kb"))
    result = kb_build(kb, "--engine", engine)
    assert result.returncode == 0, result.stderr
    assert (kb / "site/claims.json").read_text() == (built / "site/claims.json").read_text()
    html = (kb / "site/conditions/psychosis/index.html").read_text()
    assert _section(html, "Harms").count('class="kb-claim-item"') == 1
    assert "Ketamine should not be given to people with: active psychosis" in _section(html, "Exclusions")
