"""The real KAP site in Debian's headless Chromium: axe-core, keyboard use, and phones.

One fresh ``mkdocs build --strict`` of a copy of the KAP KB, served by a static file server on 127.0.0.1
(so the search page runs its reduced search over ``claims.json``). axe-core comes bundled with
``axe-playwright-python``. The audit is ``benchmarks.a11y``; its table of counts is printed (``pytest -s``)
and written to ``tests/artifacts/axe-counts.txt``, with screenshots of every page type at 375 and 1280 px.
"""

from __future__ import annotations

import re

import pytest

from benchmarks import a11y
from benchmarks.chromium import CHROMIUM
from tests.browser.test_site import ARTIFACTS
from tests.site_helpers import copy_kap, mkdocs_build, serve_static

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium"),
]

FOCUS_RING_JS = """() => {
  const s = getComputedStyle(document.activeElement);
  return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
}"""


@pytest.fixture(scope="module")
def kap_site(tmp_path_factory):
    kb = copy_kap(tmp_path_factory.mktemp("a11y"))
    result = mkdocs_build(kb, "--strict")
    assert result.returncode == 0, result.stderr
    return kb / "site"


@pytest.fixture(scope="module")
def base(kap_site):
    with serve_static(kap_site) as url:
        yield url


@pytest.fixture(scope="module")
def page_types(kap_site):
    return a11y.page_types(kap_site)


def test_no_serious_or_critical_axe_violations_on_any_page_type(browser, base, page_types):
    audits = [a11y.audit(browser, base, pt, scheme) for pt in page_types for scheme in a11y.SCHEMES]
    table = a11y.table(audits)
    print("\naxe-core violations (offending nodes) on the KAP site:\n" + table)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-counts.txt").write_text(table + "\n", encoding="utf-8")
    assert {pt.name for pt in page_types} == {a.page for a in audits}
    bad = {f"{a.page}/{a.scheme}": a.nodes for a in audits if a.serious}
    assert bad == {}


def test_dark_scheme_follows_the_system_and_the_toggle(browser, base):
    for scheme, want in (("light", "default"), ("dark", "slate")):
        context = a11y.new_context(browser, base, scheme)
        page = context.new_page()
        page.goto(base + "/")
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == want
        context.close()
    context = a11y.new_context(browser, base, "light")
    page = context.new_page()
    page.goto(base + "/")
    page.locator("form[data-md-component=palette] label:visible").first.click()
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    context.close()


@pytest.mark.parametrize("width, height", [(375, 812), (1280, 900)])
def test_every_page_type_fits_the_screen_and_is_photographed(browser, base, page_types, width, height):
    ARTIFACTS.mkdir(exist_ok=True)
    wider = {}
    for pt in page_types:
        context = a11y.new_context(browser, base, "light", width, height)
        page = a11y.open_page(context, base, pt)
        wider[pt.name] = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        page.screenshot(path=str(ARTIFACTS / f"page-{pt.name}-{width}.png"), full_page=True)
        context.close()
    print(f"\npx wider than a {width} px viewport: {wider}")
    assert wider == dict.fromkeys(wider, 0)


def test_wide_tables_scroll_inside_themselves_and_names_stay_whole(browser, base):
    context = a11y.new_context(browser, base, "light", 375, 812)
    page = context.new_page()
    page.goto(base + "/evidence/")
    regions = page.locator(".kb-scroll[role=region][tabindex='0']")
    assert regions.count() == 2
    assert page.evaluate("[...document.querySelectorAll('.kb-scroll')].some(e => e.scrollWidth > e.clientWidth)")
    # a name in the overview is one line: never broken mid-word
    broken = page.evaluate("""() => [...document.querySelectorAll('.kb-matrix th[scope=row] a')]
      .filter(a => a.getClientRects().length > 1 || a.offsetHeight > 1.8 * parseFloat(getComputedStyle(a).lineHeight))
      .map(a => a.textContent)""")
    assert broken == []
    regions.first.focus()
    assert page.evaluate(FOCUS_RING_JS)
    page.keyboard.press("ArrowRight")  # a focused region scrolls with the keyboard
    context.close()


def test_search_page_works_from_the_keyboard(browser, base):
    context = a11y.new_context(browser, base, "light")
    page = context.new_page()
    page.goto(base + "/search/")
    where = """() => { const a = document.activeElement;
      if (a.id === 'kb-hsearch-q' || a.id === 'kb-search-q') return a.id;
      if (a.closest('.kb-search__filters')) return a.tagName === 'SUMMARY' ? 'filters' : a.type;
      return a.id || null; }"""
    reached = []
    for _ in range(80):  # from the top of the page: the header's claim box, then the page's own
        page.keyboard.press("Tab")
        el = page.evaluate(where)
        if el is not None:
            assert page.evaluate(FOCUS_RING_JS), f"{el} has no visible focus ring"
            reached.append(el)
        if el == "kb-search-q":
            break
    assert reached.index("kb-hsearch-q") < reached.index("kb-search-q")
    page.keyboard.type("ketamine")
    page.keyboard.press("Enter")
    page.locator(".kb-search__result").first.wait_for()
    seen = []
    for _ in range(60):  # on through the filters (a condition ticked with the space bar) and the sort
        page.keyboard.press("Tab")
        el = page.evaluate(where)
        assert page.evaluate(FOCUS_RING_JS), f"{el} has no visible focus ring"
        seen.append(el)
        if el == "checkbox" and seen.count("checkbox") == 1:
            page.keyboard.press("Space")
            page.wait_for_url("**&condition=*")
            assert page.evaluate("document.activeElement.checked")
        if el == "kb-search-sort":
            page.keyboard.press("ArrowDown")  # the next sort: strength of study design
            page.wait_for_url("**sort=design*")
        if page.evaluate("document.activeElement.classList.contains('kb-search__claim')"):
            break
    assert "filters" in seen and "checkbox" in seen and "kb-search-sort" in seen
    page.keyboard.press("Enter")  # the first result's link
    page.wait_for_url("**#c-*")
    context.close()


def test_reduced_search_shows_claims_as_readers_see_them(browser, base):
    """On a static host the browser searches claims.json: links' targets, paths and keys never show."""
    context = a11y.new_context(browser, base, "light")
    page = context.new_page()
    page.goto(base + "/search/?q=blood+pressure+known+risks")  # safety.md links "known risks" to its section
    page.locator(".kb-search__result").first.wait_for()
    shown = page.locator(".kb-search__results").inner_text()
    assert "known risks of ketamine" in shown
    assert re.findall(r"\S+\.md\b|\]\(|`", shown) == []
    context.close()


def test_citation_preview_opens_on_keyboard_focus(browser, base, page_types):
    topic = next(pt for pt in page_types if pt.name == "topic")
    context = a11y.new_context(browser, base, "light")
    page = context.new_page()
    page.goto(base + topic.path)
    for _ in range(150):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('kb-cite')"):
            break
    else:
        pytest.fail("no citation is reachable with Tab")
    assert page.evaluate(FOCUS_RING_JS)
    tip = page.locator("[role=tooltip].md-tooltip2--active")
    tip.wait_for()
    described = page.evaluate("document.activeElement.getAttribute('aria-describedby')")
    assert described and page.locator(f"#{described}").inner_text().strip()
    href = page.evaluate("document.activeElement.href")
    page.keyboard.press("Enter")
    page.wait_for_url(href)
    assert "/sources/" in page.url
    context.close()
