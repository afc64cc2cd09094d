"""Claim search in headless Chromium: the header's search box and the search page, under kb serve and on a
static host (no /api/search: the browser searches claims.json with search-data.json)."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request

import pytest

from benchmarks.a11y import static_server
from benchmarks.chromium import CHROMIUM
from tests.browser.test_site import ARTIFACTS
from tests.serve.test_serve import built_kb, server  # noqa: F401 - shared session fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]

HOSTS = ["served", "static"]
FOCUS_RING_JS = """() => { const s = getComputedStyle(document.activeElement);
  return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2; }"""


@pytest.fixture(scope="module")
def static_host(built_kb):  # noqa: F811
    with static_server(built_kb / "site") as url:
        yield url


@pytest.fixture(params=HOSTS)
def base(request):
    if request.param == "served":
        return "http://" + request.getfixturevalue("server")
    return request.getfixturevalue("static_host")


def api_has(base: str, field: str) -> bool:
    """Whether this host's /api/search answers with ``field``, in the response or its results (the static host has
    no API: the browser computes every field)."""
    try:
        with urllib.request.urlopen(base + "/api/search?q=ketamine&limit=1", timeout=10) as resp:
            body = json.load(resp)
            return field in body or any(field in r for r in body.get("results", []))
    except OSError:
        return True  # no API: the static search computes every field


@pytest.fixture
def page(browser, base):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    p = context.new_page()
    p.errors = []
    p.on("pageerror", lambda e: p.errors.append(str(e)))
    p.on("console", lambda m: "Content Security Policy" in m.text and p.errors.append(m.text))
    yield p
    assert p.errors == []
    context.close()


def results(page) -> list[str]:
    return page.locator(".kb-search__result .kb-search__text").all_inner_texts()


def wait_status(page, pattern: str) -> None:
    page.locator(".kb-search__status", has_text=re.compile(pattern)).wait_for()


# ---- the header's search box ----------------------------------------------------------------------


def test_header_box_lists_claims_as_you_type_and_enter_opens_the_search_page(page, base):
    page.goto(base + "/topics/safety/")
    box = page.locator("#kb-hsearch-q")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
    box.click()
    page.keyboard.type("bladder")
    option = page.locator("#kb-hsearch-list [role=option]").first
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert option.locator("mark").inner_text().lower() == "bladder"
    assert "Safety" in option.locator(".kb-hsearch__where").inner_text()
    page.locator(".kb-hsearch__live", has_text="1 claim found").wait_for(state="attached")
    labels = page.locator("#kb-hsearch-list [role=option]").all_inner_texts()
    assert labels[-1] == "Search the pages' text for “bladder”"
    page.keyboard.press("ArrowDown")  # the first claim is chosen; the focus stays in the box
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    assert option.get_attribute("aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "kb-hsearch-q"
    page.keyboard.press("Escape")  # closes the list
    assert box.get_attribute("aria-expanded") == "false" and box.get_attribute("aria-activedescendant") is None
    page.keyboard.press("Enter")  # no option chosen: every result on the search page
    page.wait_for_url(re.compile(r"/search/\?q=bladder$"))
    page.locator(".kb-search__result").first.wait_for()
    assert page.input_value("#kb-search-q") == "bladder"
    assert results(page) == ["Long-term use can cause bladder symptoms and lower urinary tract damage."]
    assert page.locator(".md-search__input").is_hidden()  # ?q= did not open the theme's page search


@pytest.mark.parametrize("base", ["static"], indirect=True)
def test_static_header_box_lets_a_half_typed_word_stand_for_the_words_it_begins(page, base):
    page.goto(base + "/topics/safety/")
    page.fill("#kb-hsearch-q", "bladd")
    option = page.locator("#kb-hsearch-list .kb-hsearch__claim").first
    option.wait_for()
    assert option.locator("mark").inner_text() == "bladder"
    page.goto(base + "/search/?q=bladd")  # the search page reads the query as /api/search does: no claim says it
    page.locator(".kb-search__empty").wait_for()


def test_header_option_opens_the_claim(page, base):
    page.goto(base + "/")
    page.keyboard.press("/")  # the theme's shortcut focuses the claim box
    assert page.evaluate("document.activeElement.id") == "kb-hsearch-q"
    page.keyboard.type("blood pressure")
    page.locator(".kb-hsearch__claim").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/topics/safety/#c-[0-9a-f]+$"))


def test_header_last_option_searches_the_pages_text(page, base):
    page.goto(base + "/topics/youth/")
    page.fill("#kb-hsearch-q", "monitored")
    page.locator(".kb-hsearch__pages").wait_for()
    page.keyboard.press("ArrowUp")  # up from the box: the last option
    assert page.locator(".kb-hsearch__pages").get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")
    assert page.evaluate("document.getElementById('__search').checked")
    assert page.input_value(".md-search__input") == "monitored"
    page.locator(".md-search-result__item").first.wait_for()  # the theme's page search, with its own results


def test_header_box_on_a_phone(browser, base):
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(base + "/topics/safety/")
    assert page.locator("#kb-hsearch-q").is_hidden()
    opener = page.get_by_role("button", name="Search claims")
    opener.click()
    assert opener.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.id") == "kb-hsearch-q"
    page.keyboard.type("dissociation")
    page.locator(".kb-hsearch__claim").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth - innerWidth") == 0
    page.screenshot(path=str(ARTIFACTS / "search-header-375.png"))
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")  # empties the box
    page.keyboard.press("Escape")  # closes it, back to its button
    assert page.locator("#kb-hsearch-q").is_hidden()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Search claims"
    context.close()


# ---- the search page --------------------------------------------------------------------------------


def facet(page, name: str, label: str):
    return page.locator(f".kb-facet:has(legend:text-is('{name}')) label", has_text=label)


def test_result_shows_page_section_badge_chips_and_citations(page, base):
    page.goto(base + "/search/?q=suicidal+ideation")
    first = page.locator(".kb-search__result").first
    first.wait_for()
    assert first.locator(".kb-search__text").inner_text() == "Suicidal ideation fell within hours of a single dose."
    assert first.locator(".kb-search__text mark").count() >= 1
    assert first.locator(".kb-search__claim").inner_text() == "Conditions studied › Other conditions"
    badge = first.locator(".kb-level")
    # an uncontrolled real-world meta-analysis: graded as what it pooled (the ladder's sixth design, level 5)
    assert badge.inner_text() == "Meta-analysis of observational studies" and "kb-level-5" in badge.get_attribute(
        "class"
    )
    chip = first.locator(".kb-chip")
    assert chip.inner_text() == "Suicidal ideation"
    assert chip.get_attribute("href").endswith("/conditions/suicidal-ideation/")
    cite = first.locator(".kb-search__sources a")
    assert cite.inner_text() == "(Alnefeesi et al., 2022)"
    assert cite.get_attribute("href").endswith("/sources/alnefeesi2022/")
    first.locator("a.kb-search__claim").click()
    page.wait_for_url(re.compile(r"/topics/conditions/#c-[0-9a-f]+$"))


def test_facets_count_combine_and_live_in_the_url(page, base):
    assert api_has(base, "facets"), "kb serve's /api/search must answer with facets"
    page.goto(base + "/search/?q=ketamine")
    page.locator(".kb-facet").first.wait_for()
    total = int(page.locator(".kb-search__status").inner_text().split()[0])
    meta = facet(page, "Study design", "Meta-analysis")
    series = facet(page, "Study design", "Case series")
    n_meta = int(meta.locator(".kb-facet__count").inner_text().split()[0])
    n_series = int(series.locator(".kb-facet__count").inner_text().split()[0])
    assert n_meta >= 1 and n_series >= 1 and n_meta + n_series <= total
    meta.locator("input").check()
    page.wait_for_url(re.compile(r"design=meta-analysis-observational"))
    wait_status(page, rf"^{n_meta} claims?")
    shown = page.locator(".kb-search__result .kb-level").all_inner_texts()
    assert shown == ["Meta-analysis of observational studies"] * n_meta
    # counts are disjunctive: the other designs keep their counts, and ticking one adds its claims (OR)
    series.locator("input").check()
    wait_status(page, rf"^{n_meta + n_series} claims")
    assert "design=meta-analysis-observational&design=case-series" in page.url
    # across facets AND: journal sources only, then back
    facet(page, "Source type", "Journal").locator("input").check()
    wait_status(page, rf"^{n_meta + n_series} claims")
    assert "sourcetype=journal" in page.url
    page.go_back()
    page.go_back()
    wait_status(page, rf"^{n_meta} claims?")
    assert meta.locator("input").is_checked() and not series.locator("input").is_checked()
    page.go_back()
    wait_status(page, rf"^{total} claims")
    page.go_forward()
    wait_status(page, rf"^{n_meta} claims?")


def test_a_condition_facet_alone_lists_its_claims(page, base):
    page.goto(base + "/search/?condition=ptsd")
    wait_status(page, r"^1 claim\b")
    assert results(page) == ["Post-traumatic stress disorder responded in small open-label studies."]
    assert page.input_value("#kb-search-q") == ""


def test_sort_by_strength_of_design(page, base):
    assert api_has(base, "sort"), "kb serve's /api/search must answer with sort"
    page.goto(base + "/search/?q=ketamine")
    page.locator(".kb-search__result").first.wait_for()
    page.select_option("#kb-search-sort", "design")
    page.wait_for_url(re.compile(r"sort=design"))
    page.wait_for_load_state("networkidle")  # the sorted results have replaced the old ones
    # the strongest design here is the meta-analysis of observational studies (level 5 of the default ladder)
    page.wait_for_function("() => !!document.querySelector('.kb-search__result')?.querySelector('.kb-level-5')")
    ranks = page.evaluate("""() => [...document.querySelectorAll('.kb-search__result')].map(r => {
      const m = (r.querySelector('.kb-level') || {className: ''}).className.match(/kb-level-(\\d+)/);
      return m ? +m[1] : 99; })""")
    assert ranks == sorted(ranks) and ranks[0] == 5
    page.go_back()
    page.wait_for_url(re.compile(r"\?q=ketamine$"))
    assert page.input_value("#kb-search-sort") == "relevance"


def test_did_you_mean_runs_the_suggestion(page, base):
    page.goto(base + "/search/?q=bladdr")
    link = page.locator("a.kb-search__suggestion", has_text="bladder")
    link.wait_for()
    assert link.get_attribute("href").endswith("?q=bladder")
    link.click()
    page.wait_for_url(re.compile(r"\?q=bladder$"))
    assert page.input_value("#kb-search-q") == "bladder"
    page.locator(".kb-search__didyoumean").wait_for(state="detached")
    assert page.locator(".kb-search__result mark").first.inner_text() == "bladder"


def test_empty_state_says_what_to_try(page, base):
    page.goto(base + "/search/?q=xylophone&condition=ptsd")
    empty = page.locator(".kb-search__empty")
    empty.wait_for()
    assert empty.inner_text().startswith("No claim matches “xylophone” with these filters.")
    assert "Check the spelling" in empty.inner_text()
    empty.get_by_role("button", name="Clear the filters").click()
    page.wait_for_url(re.compile(r"\?q=xylophone$"))
    page.locator(".kb-search__empty", has_text="No claim matches “xylophone”.").wait_for()
    page.get_by_role("button", name="Search the pages' text for “xylophone”").click()
    assert page.evaluate("document.getElementById('__search').checked")


def test_relaxed_results_say_they_match_only_some_words(page, base):
    assert api_has(base, "relaxed"), "kb serve's /api/search must answer with relaxed"
    page.goto(base + "/search/?q=bladder+adolescents")  # two known words that no claim has together
    page.locator(".kb-search__relaxed").wait_for()
    assert "match only some" in page.locator(".kb-search__relaxed").inner_text()
    found = results(page)
    assert "Long-term use can cause bladder symptoms and lower urinary tract damage." in found
    assert any("adolescents" in r for r in found)


@pytest.mark.parametrize("base", ["static"], indirect=True)
def test_static_search_names_pages_sources_and_designs_as_the_site_does(page, base):
    page.goto(base + "/search/?q=ketamine")
    page.locator(".kb-search__result").first.wait_for()
    notice = page.locator(".kb-search__notice").inner_text()
    assert notice.startswith("Searched in your browser:") and "conditions' names" in notice and "own rules" in notice
    shown = page.locator(".kb-search__layout").inner_text()
    keys_and_ids = r"\b(?:fda2023|alnefeesi2022|wolfson2023|meta-analysis|case-series|none|journal|government)\b"
    raw = re.findall(r"\S+\.md\b|" + keys_and_ids, shown)
    assert raw == []
    assert "Safety › Known risks" in shown and "(U.S. Food and Drug Administration, 2023)" in shown
    assert "Regulatory statement" in shown and "No study design" in shown and "Government" in shown


def test_search_page_from_the_keyboard_alone(page, base):
    page.goto(base + "/search/")
    page.locator("#kb-search-q").focus()
    page.keyboard.type("ketamine")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q=ketamine$"))
    page.locator(".kb-search__result").first.wait_for()
    reached = []
    for _ in range(60):  # Tab through the filters, the sort and on to the first result
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const a = document.activeElement;
          return [a.tagName.toLowerCase(), a.type || '', a.className || '', a.name || ''].join(' '); }""")
        assert page.evaluate(FOCUS_RING_JS), f"{info} has no visible focus ring"
        reached.append(info)
        if "kb-search__claim" in info:
            break
    assert any("checkbox" in r for r in reached)
    assert any(r.startswith("select") for r in reached)
    # tick a filter with the space bar: the focus stays on it
    page.locator(".kb-facet input").first.focus()
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"&condition=|&design=|&sourcetype="))
    assert page.evaluate("document.activeElement.type") == "checkbox"
    assert page.evaluate("document.activeElement.checked")
    page.wait_for_load_state("networkidle")  # the filtered results have replaced the old ones
    page.locator("a.kb-search__claim").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#c-[0-9a-f]+$"))


def test_highlight_is_not_markup(page, base):
    page.goto(base + "/search/?q=script+alert")
    text = page.locator(".kb-search__result .kb-search__text").first
    text.wait_for()
    assert text.inner_text() == "A page may quote markup such as <script>alert(1)</script> without running it."
    assert page.locator(".kb-search__results script, .kb-hsearch script").count() == 0


def test_old_query_links_still_work(page, base):
    page.goto(base + "/search/?query=bladder")
    page.locator(".kb-search__result").first.wait_for()
    assert page.input_value("#kb-search-q") == "bladder"


@pytest.mark.parametrize("width, height", [(1280, 900), (375, 812)])
def test_search_page_screenshots(browser, base, request, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(base + "/search/?q=ketamine")
    page.locator(".kb-search__result").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth - innerWidth") == 0
    filters = page.locator("details.kb-search__filters")
    if width < 700:  # on a phone the filters start closed, and closed they take no more room than their title
        assert not filters.evaluate("d => d.open")
        summary = filters.locator("summary").bounding_box()["height"]
        assert filters.bounding_box()["height"] <= summary + 2
    host = request.node.callspec.params["base"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"search-{host}-{width}.png"), full_page=True)
    context.close()


# ---- the static search answers as /api/search does ------------------------------------------------------

# (what the query is, the query): the static search's top three claims are /api/search's, as a set, and so
# is its "did you mean"
STATIC_LIKE_API = [
    ("a condition's synonym", "suicidality"),
    ("a condition's acronym", "PTSD"),
    ("a multi-word synonym", "suicidal thoughts"),
    ("a hyphenated multi-word synonym", "treatment-resistant depression"),
    ("an acronym: one claim names it, one is only tagged", "TRD"),
    ("a lay term, plural", "teenagers"),
    ("a multi-word lay term", "habit forming"),
    ("a lay term in a question", "is it addictive"),
    ("a lay term for a two-word phrase", "heart"),
    ("a typo", "bladdr"),
    ("a typo in a multi-word synonym", "suicidal thoghts"),
    ("words no claim has together", "bladder adolescents"),
]


def api_search(host: str, q: str) -> dict:
    url = f"http://{host}/api/search?" + urllib.parse.urlencode({"q": q, "limit": 10})
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.load(resp)


@pytest.mark.parametrize("base", ["static"], indirect=True)
@pytest.mark.parametrize("what, q", STATIC_LIKE_API, ids=[w for w, _ in STATIC_LIKE_API])
def test_static_search_finds_what_the_api_finds(page, base, server, what, q):  # noqa: F811
    api = api_search(server, q)
    assert api["results"], f"{what}: the fixture KB must have claims for {q!r}"
    page.goto(base + "/search/?" + urllib.parse.urlencode({"q": q}))
    page.locator(".kb-search__result").first.wait_for()
    assert set(results(page)[:3]) == {r["text"] for r in api["results"][:3]}, what
    suggestion = page.locator("a.kb-search__suggestion")
    assert (suggestion.inner_text() if suggestion.count() else None) == api["suggestion"], what


@pytest.mark.parametrize("base", ["static"], indirect=True)
def test_static_did_you_mean_only_when_it_finds_claims(page, base):
    for query in ("q=bladdr+-bladder", "q=bladdr&condition=ptsd"):  # "bladder" would find nothing either
        page.goto(base + "/search/?" + query)
        page.locator(".kb-search__empty").wait_for()
        assert page.locator(".kb-search__didyoumean").count() == 0, query
    page.goto(base + "/search/?q=bladdr")
    page.locator("a.kb-search__suggestion", has_text="bladder").wait_for()
