"""Lists are units of meaning: a lead-in ending in ":" is read with each of its items and is no claim alone;
a citation on the lead-in or on the last item covers every item; ids depend on the item's own words only."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_tools.config.kbconfig import KbConfig
from kb_tools.load.conditions import ConditionMatcher
from kb_tools.load.pages import claim_id, load_page_text

CONFIG = KbConfig(root=Path("."), config_file=Path("mkdocs.yml"))


def claims_of(body: str):
    page, findings = load_page_text(f"---\ntitle: T\n---\n{body}", "p.md", "docs/p.md", CONFIG, ConditionMatcher(()))
    assert findings == []
    return page.claims


# (markdown, [(line, shown out of place, keys)]); the front matter and its blank line take lines 1-3
CASES = [
    ("Side effects include [@a]:\n\n- nausea\n- dizziness\n",
     [(6, "Side effects include: nausea", ("a",)), (7, "Side effects include: dizziness", ("a",))]),
    ("Side effects include:\n\n- nausea\n- dizziness [@b]\n",
     [(6, "Side effects include: nausea", ("b",)), (7, "Side effects include: dizziness", ("b",))]),
    ("Side effects include:\n\n- nausea [@a]\n- dizziness [@b]\n",
     [(6, "Side effects include: nausea", ("a",)), (7, "Side effects include: dizziness", ("b",))]),
    ("Side effects include:\n\n- nausea [@a]\n- dizziness\n",
     [(6, "Side effects include: nausea", ("a",)), (7, "Side effects include: dizziness", ())]),
    ("Side effects [@a]:\n\n- nausea [@b]\n- dizziness\n",
     [(6, "Side effects: nausea", ("b",)), (7, "Side effects: dizziness", ("a",))]),
    # a lead-in's tag after its colon keeps it a lead-in
    ("Side effects include: <!-- kb: conditions: none -->\n\n- nausea [@a]\n",
     [(6, "Side effects include: nausea", ("a",))]),
    # nested: an item ending in ":" is the lead-in of its own list, read after the outer lead-in
    ("Watch for:\n\n- blood pressure changes:\n  - a rise\n  - a fall [@a]\n",
     [(7, "Watch for: blood pressure changes: a rise", ("a",)),
      (8, "Watch for: blood pressure changes: a fall", ("a",))]),
    # not a list unit: no colon, or no list after it
    ("No colon here [@a].\n\n- nausea\n", [(4, "No colon here.", ("a",)), (6, "nausea", ())]),
    ("Colon [@a]:\n\nA paragraph.\n", [(4, "Colon:", ("a",)), (6, "A paragraph.", ())]),
    ("1. first [@a]\n2. second\n", [(4, "first", ("a",)), (5, "second", ())]),
]  # fmt: skip


@pytest.mark.parametrize(("body", "want"), CASES)
def test_list_units(body, want):
    got = [(c.location.line, " ".join(c.shown.split()), c.keys) for c in claims_of(body)]
    assert got == want


def test_an_items_id_is_its_own_words_whatever_its_lead_in_says():
    (a,) = claims_of("Side effects include [@a]:\n\n- nausea\n")
    (b,) = claims_of("Reported harms were [@b]:\n\n- nausea\n")
    assert a.id == b.id == claim_id("p.md", "nausea") and a.plain == "nausea"
    assert a.lead_in == "Side effects include:"
