"""Condition roles: the tag's parts and the cue words kb infers a role from (core.scope, load.roles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_tools.config.kbconfig import KbConfig
from kb_tools.core import scope
from kb_tools.core.model import Condition
from kb_tools.load.conditions import ConditionMatcher
from kb_tools.load.pages import load_page_text

CONDITIONS = (
    Condition("depression", "Depression", ("depression", "depressive"), ("respiratory depression",)),
    Condition("suicidal-ideation", "Suicidal ideation", ("suicidal ideation", "suicidal thoughts", "suicidality")),
    Condition("psychosis", "Psychosis", ("psychosis", "psychotic")),
    Condition("hypertension", "Hypertension", ("hypertension", "high blood pressure")),
    Condition("cystitis", "Cystitis", ("cystitis",)),
)
CONFIG = KbConfig(root=Path("."), config_file=Path("mkdocs.yml"), conditions=CONDITIONS)
MATCHER = ConditionMatcher(CONDITIONS)


def roles_of(body: str) -> list[dict[str, str]]:
    page, findings = load_page_text(f"---\ntitle: T\n---\n{body}", "p.md", "docs/p.md", CONFIG, MATCHER)
    assert findings == []
    return [dict(zip(c.conditions, c.roles, strict=True)) for c in page.claims]


# (tag as written, (condition, role) pairs, errors' words)
TAGS = [
    ("<!-- kb: conditions: depression -->", [("depression", "treated")], []),
    ("<!-- kb: conditions: depression; harms: suicidal-ideation -->",
     [("depression", "treated"), ("suicidal-ideation", "harm")], []),
    ("<!-- kb: harms: psychosis, cystitis; exclusions: hypertension -->",
     [("psychosis", "harm"), ("cystitis", "harm"), ("hypertension", "exclusion")], []),
    ("<!-- kb: exclusions: psychosis -->", [("psychosis", "exclusion")], []),
    ("<!-- KB: Conditions: Depression ; Harms: Psychosis -->", [("depression", "treated"), ("psychosis", "harm")], []),
    ("<!-- kb: conditions: none; harms: psychosis -->", [("psychosis", "harm")], []),
    ("<!-- kb: conditions: depression; harms: depression -->", [("depression", "treated")], ["two roles"]),
    ("<!-- kb: conditions: depression; risks: psychosis -->", [("depression", "treated")], ["unknown part 'risks:"]),
    ("<!-- kb: conditions: depression; harms: -->", [("depression", "treated")], ["empty 'harms:' part"]),
]  # fmt: skip


@pytest.mark.parametrize(("tag", "roles", "errors"), TAGS)
def test_tag_parts(tag, roles, errors):
    (got,) = scope.tags(f"A claim. {tag}")
    assert list(got.roles) == roles
    assert len(got.errors) == len(errors) and all(w in e for w, e in zip(errors, got.errors, strict=True))
    assert scope.strip_tags(f"A claim. {tag}") == "A claim."


# (claim, the role of each condition it is about): cue words give a role only where they are plain
INFERRED = [
    ("Ketamine reduced depressive symptoms [@a].", {"depression": "treated"}),
    ("The label has a boxed warning for suicidal thoughts in people with depression [@a].",
     {"depression": "treated", "suicidal-ideation": "harm"}),
    ("Esketamine can worsen psychosis [@a].", {"psychosis": "harm"}),
    ("Psychosis got worse in two patients [@a].", {"psychosis": "harm"}),
    ("Ketamine-induced cystitis can be severe [@a].", {"cystitis": "harm"}),
    ("Side effects include high blood pressure and dissociation [@a].", {"hypertension": "harm"}),
    ("Treatment-emergent suicidal ideation was rare [@a].", {"suicidal-ideation": "harm"}),
    ("Ketamine should not be given to people with psychosis [@a].", {"psychosis": "exclusion"}),
    ("It is contraindicated in uncontrolled hypertension [@a].", {"hypertension": "exclusion"}),
    ("People with psychosis were excluded from the trials [@a].", {"psychosis": "exclusion"}),
    ("Ketamine is not suitable for people with psychosis [@a].", {"psychosis": "exclusion"}),
    # no role without a plain cue: negated, reversed, or a word of benefit in the way
    ("Ketamine did not worsen psychosis [@a].", {"psychosis": "treated"}),
    ("Ketamine reduced the risk of suicidal thoughts [@a].", {"suicidal-ideation": "treated"}),
    ("There was no increased risk of psychosis [@a].", {"psychosis": "treated"}),
    ("People at risk of suicidal ideation took part [@a].", {"suicidal-ideation": "treated"}),
    ("Despite the warnings, ketamine improved depression [@a].", {"depression": "treated"}),
    ("The warning was issued. Depression improved [@a].", {"depression": "treated"}),
    ("Psychosis is not contraindicated here [@a].", {"psychosis": "treated"}),
    ("Respiratory depression is a risk of anaesthesia [@a].", {}),
    # every mention must agree: a condition both treated and warned about stays treated
    ("Ketamine treats depression, but can worsen depression in some [@a].", {"depression": "treated"}),
    # a cue far from the condition gives it no role
    ("A warning was issued by the agency after a long review of many reports and then, years later, "
     "a trial studied psychosis [@a].", {"psychosis": "treated"}),
    # the tag always wins
    ("Ketamine can worsen psychosis [@a]. <!-- kb: conditions: psychosis -->", {"psychosis": "treated"}),
    ("Psychosis improved [@a]. <!-- kb: harms: psychosis -->", {"psychosis": "harm"}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "want"), INFERRED)
def test_inferred_roles(text, want):
    assert roles_of(text) == [want]


# a list is read as one unit: the lead-in's cue words and its tag give its items' conditions their roles
LISTS = [
    ("Reported side effects include:\n\n- psychosis\n- high blood pressure [@a]\n",
     [{"psychosis": "harm"}, {"hypertension": "harm"}]),
    ("Do not offer ketamine to people with:\n\n- psychosis\n- hypertension [@a]\n",
     [{"psychosis": "exclusion"}, {"hypertension": "exclusion"}]),
    ("Ketamine helped people with:\n\n- depression [@a]\n- psychosis [@a]\n",
     [{"depression": "treated"}, {"psychosis": "treated"}]),
    ("Watch for these [@a]: <!-- kb: harms: psychosis -->\n\n- hallucinations\n- psychosis\n",
     [{"psychosis": "harm"}, {"psychosis": "harm"}]),
]  # fmt: skip


@pytest.mark.parametrize(("body", "want"), LISTS)
def test_list_items_take_roles_from_their_lead_in(body, want):
    assert roles_of(body) == want
