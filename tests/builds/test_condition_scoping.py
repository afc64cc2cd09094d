"""Conditions belong to claims: a real MkDocs build of a KB whose page is tagged with two conditions.

The fixture (tests/fixtures/kbs/scoping) has a page tagged [ptsd, anxiety] with a depression-only
meta-analysis claim, a claim naming no condition, a tagged claim, a `none` claim, and a section per
condition. The PTSD page must not show "Meta-analysis" as its strongest design.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from benchmarks.chromium import CHROMIUM
from benchmarks.chromium import CHROMIUM_ARGS as ARGS
from kb_tools.config.kbconfig import load_config
from kb_tools.pipeline import check_kb
from tests.conftest import KBS, TESTS
from tests.site_helpers import mkdocs_build, serve_static

ARTIFACTS = TESTS / "artifacts"

# claim's first words -> its conditions
EXPECTED = {
    "A pooled analysis": ["depression"],  # names depression: never inherits the page's ptsd, anxiety
    "A regulator warned": ["ptsd", "anxiety"],  # names none: takes the page's
    "Fewer nightmares": ["ptsd"],  # tagged
    "The label lists": [],  # tagged none
    "Four patients": ["ptsd"],  # under "## PTSD"
    "Patients described": ["anxiety"],  # under "## Anxiety"
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    kb = Path(shutil.copytree(KBS / "scoping", tmp_path_factory.mktemp("scoping") / "kb"))
    result = mkdocs_build(kb, "--strict")
    assert result.returncode == 0, result.stderr
    return kb


def _conditions_by_start(claims) -> dict[str, list[str]]:
    return {next(k for k in EXPECTED if text.startswith(k)): conds for text, conds in claims}


def test_check_scopes_each_claim(built):
    report = check_kb(load_config(built))
    assert report.findings == ()
    got = _conditions_by_start((c.plain, list(c.conditions)) for c in report.catalogue.claims)
    assert got == EXPECTED


def test_claims_json_uses_each_claims_scope(built):
    claims = json.loads((built / "site" / "claims.json").read_text())
    assert _conditions_by_start((c["text"], c["conditions"]) for c in claims) == EXPECTED


def _strongest(html: str) -> str:
    m = re.search(r"Strongest study design behind them: (?:<span[^>]*>([^<]+)</span>|<strong>(none)</strong>)", html)
    assert m, "the condition page names no strongest design"
    return m.group(1) or m.group(2)


@pytest.mark.parametrize(
    ("condition", "strongest", "claims", "statements"),
    [
        ("depression", "Meta-analysis of randomised trials", 1, 0),
        ("ptsd", "Case series", 3, 1),  # the meta-analysis is about depression only
        ("anxiety", "Case series", 2, 1),
    ],
)
def test_condition_pages(built, condition, strongest, claims, statements):
    html = (built / "site" / "conditions" / condition / "index.html").read_text()
    assert _strongest(html) == strongest
    assert f"{claims} claim{'s' if claims != 1 else ''} about" in html
    section = re.split(r'<h2 id="regulatory-guideline-and-consensus-statements"', html, maxsplit=1)
    assert (len(section) == 2) == bool(statements)
    if statements:
        listed = section[1].split("</ul>", 1)[0]
        assert listed.count('class="kb-claim-item"') == statements
        assert "Regulatory statement" in listed


def test_evidence_overview_credits_sources_to_their_claims_conditions(built):
    html = (built / "site" / "evidence" / "index.html").read_text()
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r'<tr><th scope="row"><a href="[^"]*sources/(\w+)/">.*?</th>(.*?)</tr>', html, re.S)
    }
    cells = {k: re.findall(r"<td>(.*?)</td>", v, re.S) for k, v in rows.items()}
    # columns: Depression, PTSD, Anxiety
    assert [bool(c) for c in cells["meta2022"]] == [True, False, False]
    assert [bool(c) for c in cells["series2021"]] == [False, True, True]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium")
def test_condition_page_in_chromium_shows_the_right_strongest_design(built):
    sync_api = pytest.importorskip("playwright.sync_api")
    with serve_static(built / "site") as base, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
            page.goto(f"{base}/conditions/ptsd/")
            summary = page.locator(".kb-condition-summary").inner_text()
            assert "Strongest study design behind them: Case series" in summary
            assert "Meta-analysis" not in page.locator("article").inner_text()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "condition-ptsd-scoped.png"), full_page=True)
        finally:
            browser.close()
