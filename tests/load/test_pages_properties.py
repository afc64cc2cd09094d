"""Property tests: any page text loads into a Page and findings, never a traceback."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kb_tools.config.kbconfig import KbConfig, load_config
from kb_tools.load.conditions import ConditionMatcher
from kb_tools.load.pages import load_page_text
from tests.conftest import REPO

KAP_CONDITIONS = load_config(REPO).conditions  # kb assumes no conditions; these tests use the KAP KB's
CONFIG = KbConfig(root=Path("."), config_file=Path("mkdocs.yml"), conditions=KAP_CONDITIONS)
MATCHER = ConditionMatcher(KAP_CONDITIONS)

# Fragments that exercise the parser's branches: front matter, lists, lead-ins, marks, tables, code.
FRAGMENTS = st.sampled_from(
    [
        "---\n", "title: T\n", "reviewed: 2026-02-30\n", "conditions: [ptsd, x]\n", "conditions: 5\n",
        "# H\n", "\n", "Text [@a].\n", "Lead-in:\n", "- item\n", "  - nested:\n", "1. one\n",
        "<!-- kb: not-a-claim -->\n", "| a | b |\n", "|---|---|\n", "```\n", "    code\n",
        "!!! note\n", "> quote @b\n", "[@a; -@b, p. 4]\n", "`@c`\n", "{{ x }}\n", "---\n---\n", ": \n",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS | st.text(max_size=40), max_size=30))
def test_any_page_loads(parts):
    text = "".join(parts)
    page, findings = load_page_text(text, "p.md", "docs/p.md", CONFIG, MATCHER)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for f in findings:
        assert f.location.path == "docs/p.md"
        assert 1 <= f.location.line <= lines + 1
        assert f.message
    for c in page.claims:
        assert 1 <= c.location.line <= lines
        assert c.id.startswith("c-")
    assert len({c.id for c in page.claims}) == len(page.claims)
