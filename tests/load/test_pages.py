"""Claim extraction: which blocks are claims, what they cite, and their lines, ids and conditions."""

from __future__ import annotations

import pytest

from kb_tools.config.kbconfig import KbConfig, load_config
from kb_tools.load.conditions import ConditionMatcher
from kb_tools.load.pages import claim_id, load_page_text
from tests.conftest import REPO

KAP_CONDITIONS = load_config(REPO).conditions  # kb assumes no conditions; these tests use the KAP KB's
CONFIG = KbConfig(
    root=__import__("pathlib").Path("."),
    config_file=__import__("pathlib").Path("mkdocs.yml"),
    conditions=KAP_CONDITIONS,
)
MATCHER = ConditionMatcher(KAP_CONDITIONS)


def claims_of(body: str, front: str = "title: T\nreviewed: 2026-01-01"):
    text = f"---\n{front}\n---\n{body}"
    page, findings = load_page_text(text, "p.md", "docs/p.md", CONFIG, MATCHER)
    return page, findings


# (markdown body, expected [(line, kind, keys)])  -- lines count the 4-line front matter and blank line
CASES = [
    ("One claim [@a].\n", [(5, "paragraph", ("a",))]),
    ("Two lines\nof one claim [@a; @b].\n", [(5, "paragraph", ("a", "b"))]),
    ("# Heading [@h]\n\nText.\n", [(7, "paragraph", ())]),
    ("```\ncode [@x]\n```\n\nText `@y` here.\n", [(9, "paragraph", ())]),
    ("    indented code [@x]\n", []),
    # a list's lead-in is no claim of its own: each item is one, read with it (see tests/load/test_list_units.py)
    ("Lead-in [@a]:\n\n- one\n- two [@b]\n", [(7, "item", ("a",)), (8, "item", ("b",))]),
    ("Lead-in:\n\n- one [@a]\n- two [@b]\n", [(7, "item", ("a",)), (8, "item", ("b",))]),
    ("Lead-in:\n\n- one\n- two [@b]\n", [(7, "item", ("b",)), (8, "item", ("b",))]),  # the last item's covers all
    ("Lead-in:\n\n- one [@a]\n- two\n", [(7, "item", ("a",)), (8, "item", ())]),  # the first item's only itself
    ("No colon [@a].\n\n- one\n", [(5, "paragraph", ("a",)), (7, "item", ())]),
    ("Colon [@a]:\n\nA paragraph, not a list.\n", [(5, "paragraph", ("a",)), (7, "paragraph", ())]),
    ("- item [@a]:\n  - nested one\n  - nested two\n", [(6, "item", ("a",)), (7, "item", ("a",))]),
    ("<!-- kb: not-a-claim -->\nNot a claim.\n\nA claim.\n", [(8, "paragraph", ())]),
    ("<!-- kb: not-a-claim -->\n- a\n- b\n\nAfter [@x].\n", [(9, "paragraph", ("x",))]),
    ("<!-- other comment -->\nA claim.\n", [(6, "paragraph", ())]),
    ("| h1 | h2 |\n|----|----|\n| a | b [@x] |\n| c | d |\n", [(7, "row", ("x",)), (8, "row", ())]),
    ("| S | F |\n|---|---|\n| @x | found |\n", [(7, "row", ("x",))]),
    ('!!! note "Title"\n    Inside [@a].\n', [(6, "paragraph", ("a",))]),
    ("> Quoted [@q].\n", [(5, "paragraph", ("q",))]),
    ("1. first [@a]\n2. second\n", [(5, "item", ("a",)), (6, "item", ())]),
    ("Mail me at a@b.org, see <https://x.org/@y>.\n", [(5, "paragraph", ())]),
    ("As @smith2020 [p. 4] found.\n", [(5, "paragraph", ("smith2020",))]),
]


@pytest.mark.parametrize(("body", "want"), CASES, ids=[c[0][:30] for c in CASES])
def test_claim_table(body, want):
    page, _ = claims_of(body)
    got = [(c.location.line, c.kind, c.keys) for c in page.claims]
    assert got == want


def test_not_a_claim_marks_are_counted():
    page, _ = claims_of("<!-- kb: not-a-claim -->\nA.\n\n<!-- kb: not-a-claim -->\nB.\n\nC [@c].\n")
    assert page.not_claims == 2
    assert [c.text for c in page.claims] == ["C [@c]."]


def test_claims_false_page_has_no_claims():
    page, findings = claims_of("Anything.\n", front="title: T\nclaims: false\nreviewed: 2026-01-01")
    assert page.claims == () and not page.claims_enabled and findings == []


def test_ids_are_stable_when_another_claim_changes():
    before, _ = claims_of("First [@a].\n\nSecond [@b].\n\nThird [@c].\n")
    after, _ = claims_of("First, edited [@a].\n\nSecond [@b].\n\nThird [@c].\n")
    assert before.claims[1].id == after.claims[1].id
    assert before.claims[2].id == after.claims[2].id
    assert before.claims[0].id != after.claims[0].id


def test_ids_ignore_citations_and_disambiguate_repeats():
    assert claim_id("p.md", "Text [@a].") == claim_id("p.md", "Text [@b].")
    page, _ = claims_of("Same.\n\nSame.\n")
    assert page.claims[1].id == page.claims[0].id + "-2"


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Helps treatment-resistant depression.", ("depression",)),
        ("TRD responds.", ("depression",)),
        ("trd responds.", ()),
        ("Suicidal thoughts fell.", ("suicidal-ideation",)),
        ("Post traumatic stress disorder and anxiety.", ("anxiety", "ptsd")),
        ("People with an addiction.", ("substance-use",)),
        ("Alcohol use disorder.", ("substance-use",)),
        ("Nothing here [@ptsd2020].", ()),
    ],
)
def test_conditions_from_words(text, want):
    page, _ = claims_of(text + "\n")
    assert page.claims[0].conditions == want


TWO = "title: T\nconditions: [ptsd, anxiety]"

# (front matter, body, each claim's conditions): a claim's own words and tags first, then the nearest
# heading that names a condition, then its lead-in, and only then the page's `conditions:`
SCOPE_CASES = [
    # page tagged with two conditions: a claim naming one gets only that one, a claim naming none gets both
    (TWO, "Less anxiety [@a].\n\nNo condition named [@b].\n", [("anxiety",), ("ptsd", "anxiety")]),
    # a claim naming a condition the page is not tagged with never inherits the page's
    (TWO, "About depression [@a].\n", [("depression",)]),
    # a tag adds to what the words name; `none` blocks inheritance
    (TWO, "Depression [@a] <!-- kb: conditions: suicidal-ideation -->\n", [("depression", "suicidal-ideation")]),
    (TWO, "General [@a] <!-- kb: conditions: none -->\n", [()]),
    (TWO, "Tagged [@a] <!--kb:conditions ptsd-->\n", [("ptsd",)]),
    # sections headed by different conditions scope the claims under them, down to nested headings
    (
        TWO,
        "## PTSD\n\nA [@a].\n\n### Evidence\n\nB [@b].\n\n## Anxiety\n\nC [@c].\n\n## Other\n\nD [@d].\n",
        [("ptsd",), ("ptsd",), ("anxiety",), ("ptsd", "anxiety")],
    ),
    # a heading naming a condition never overrides the claim's own words
    ("title: T", "## PTSD\n\nDepression fell [@a].\n", [("depression",)]),
    # a lead-in's words scope its items; an item's own words win
    ("title: T", "In depression [@a]:\n\n- one\n- anxiety [@b]\n", [("depression",), ("anxiety",)]),
    # no page conditions, no heading, no words: about nothing
    ("title: T", "Plain [@a].\n", [()]),
]


@pytest.mark.parametrize(("front", "body", "want"), SCOPE_CASES)
def test_claim_scoped_conditions(front, body, want):
    page, findings = claims_of(body, front=front)
    assert [c.conditions for c in page.claims] == want
    assert not [f for f in findings if f.code == "bad-page"]


def test_condition_tag_is_not_part_of_the_claim():
    tagged, _ = claims_of("Fewer symptoms [@a] <!-- kb: conditions: ptsd -->\n")
    plain, _ = claims_of("Fewer symptoms [@a]\n")
    assert tagged.claims[0].plain == plain.claims[0].plain == "Fewer symptoms"
    assert tagged.claims[0].id == plain.claims[0].id  # tagging a claim keeps its anchor


@pytest.mark.parametrize(
    ("body", "line", "needle"),
    [
        ("Text [@a] <!-- kb: conditions: migraine -->\n", 5, "unknown condition id 'migraine' in a conditions tag"),
        ("Two\nlines [@a] <!-- kb: conditions: -->\n", 6, "empty conditions tag"),
        # on the line before the claim (as not-a-claim marks go) it is an HTML block of its own and tags nothing
        ("<!-- kb: conditions: ptsd -->\nText [@a]\n", 5, "conditions tag is on a line of its own"),
        ("Text [@a]\n\n<div>\n<!-- kb: conditions: ptsd -->\n</div>\n", 8, "conditions tag is on a line of its own"),
    ],
)
def test_bad_condition_tags_are_findings(body, line, needle):
    page, findings = claims_of(body)
    assert [(f.code, f.location.line) for f in findings] == [("bad-page", line)]
    assert needle in findings[0].message
    assert page.claims[0].conditions == ()


@pytest.mark.parametrize(
    ("body", "findings"),
    [
        # a misspelt mark is silently plain HTML to MkDocs: its block would be published as a claim
        (
            "<!-- kb: not-a-clam -->\nJust prose.\n",
            [(5, "unknown kb directive 'not-a-clam'; did you mean 'not-a-claim'?")],
        ),
        ("Text [@a] <!-- kb: condition: ptsd -->\n", [(5, "did you mean 'conditions'?")]),
        ("Text [@a]\n\n<!-- kb: evidence-tabel -->\n", [(7, "did you mean 'evidence-table'?")]),
        ("<!--kb:frobnicate-->\nText [@a]\n", [(5, "unknown kb directive 'frobnicate'; kb knows")]),
        # the known directives, and any directive written in code, are not findings
        ("<!-- kb: not-a-claim -->\nJust prose.\n\n<!-- kb: evidence-table -->\n", []),
        ("Write `<!-- kb: not-a-clam -->` like this [@a].\n", []),
        ("```\n<!-- kb: nonsense -->\n```\n\nText [@a]\n", []),
        ("<!-- an ordinary comment -->\nText [@a]\n", []),
    ],
)
def test_unknown_kb_directives_are_findings(body, findings):
    _, got = claims_of(body)
    assert [f.location.line for f in got] == [line for line, _ in findings]
    for f, (_, needle) in zip(got, findings, strict=True):
        assert f.code == "bad-page" and needle in f.message


@pytest.mark.parametrize(
    ("front", "line", "needle"),
    [
        ("title: T\nconditions: [migraine]", 3, "unknown condition id 'migraine'"),
        ("title: T\nreviewed: 2026-13-45", 3, "not a date"),
        ("title: [unclosed", 2, "not valid YAML"),
        ("- a list", 2, "must be a mapping"),
    ],
)
def test_bad_front_matter_is_a_finding(front, line, needle):
    _, findings = claims_of("Text.\n", front=front)
    assert [(f.code, f.location.line) for f in findings] == [("bad-page", line)]
    assert needle in findings[0].message


def test_row_text_moves_citation_only_cells_to_the_end():
    page, _ = claims_of("| Source | Design | Finding |\n|---|---|---|\n| @x | case series | all improved |\n")
    assert page.claims[0].text == "case series | all improved @x"


def test_excluded_phrases_do_not_name_the_condition():
    from kb_tools.core.model import Condition

    matcher = ConditionMatcher([Condition("depression", "Depression", ("depression",), ("respiratory depression",))])
    assert matcher.match("It can cause respiratory depression.") == ()
    assert matcher.match("Respiratory  depression and depression.") == ("depression",)
    assert matcher.match("Treats depression.") == ("depression",)


def test_a_binary_file_named_md_is_one_bad_page_not_garbage_claims(tmp_path):
    from kb_tools.load.pagepool import load_pages

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe garbage words\n")
    (tmp_path / "docs/cp1252.md").write_bytes("Caf\xe9 \x93quoted\x94 [@a]\n".encode("latin-1"))
    pages, findings = load_pages(KbConfig(root=tmp_path, config_file=tmp_path / "mkdocs.yml"))
    assert [p.path for p in pages] == ["cp1252.md"]  # a legacy-encoded page is still read, and reported:
    assert [(f.code, f.location.path, f.location.line) for f in findings if f.code == "bad-page"] == [
        ("bad-page", "docs/cp1252.md", 1),  # the site is built from UTF-8 only (issue 23, item 10)
        ("bad-page", "docs/image.md", 1),
    ]
    assert any("is not UTF-8 text (byte 0xE9" in f.message for f in findings)
    assert any("the page is not text (it holds NUL bytes" in f.message for f in findings)


LINK_CASES = [
    ("See the [treatment stages](treatment-stages.md) page [@a].\n", "See the treatment stages page."),
    ("Home use adds risk (see the [FDA's warning](safety.md#the-fdas-2023-warning)) [@a].\n",
     "Home use adds risk (see the FDA's warning)."),
    ('A [link with a title](https://x.org/a_(b) "T") and [another](#x) [@a].\n', "A link with a title and another."),
    ("Brackets [kept] (not a link) [@a].\n", "Brackets [kept] (not a link)."),
]  # fmt: skip


@pytest.mark.parametrize(("body", "want"), LINK_CASES, ids=[c[1][:25] for c in LINK_CASES])
def test_claim_text_keeps_a_links_words_and_drops_its_target(body, want):
    """claims.json, the search index and condition pages read ``plain``: no Markdown link syntax reaches them."""
    page, _ = claims_of(body)
    assert page.claims[0].plain == want
