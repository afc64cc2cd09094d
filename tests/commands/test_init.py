"""The starter KB ``kb init`` writes: what its comments point to exists, and it uses today's fields."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

import kb_tools
from kb_tools.cli import cli

SCAFFOLD = Path(kb_tools.__file__).parent / "scaffold"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[1] for line in text.splitlines() if "#" in line)


def test_every_page_the_starter_mentions_exists_and_is_in_the_nav(tmp_path):
    kb = tmp_path / "newkb"
    assert run("init", str(kb)).exit_code == 0
    mentioned: set[str] = set()
    for path in kb.rglob("*"):
        if path.is_file() and path.suffix in (".yml", ".bib", ".md"):
            text = path.read_text(encoding="utf-8")
            mentioned |= set(re.findall(r"docs/[\w/-]+\.md", _comments(text) if path.suffix == ".yml" else text))
            said = (_comments(text) if path.suffix == ".yml" else text).lower()
            for words, page in (
                ("editors' guide", "docs/editors-guide.md"),
                ("editorial policy", "docs/editorial-policy.md"),
            ):
                if words in said:
                    mentioned.add(page)
    assert {"docs/editors-guide.md", "docs/editorial-policy.md"} <= mentioned
    nav = (kb / "mkdocs.yml").read_text(encoding="utf-8")
    for page in sorted(mentioned | {"docs/about.md"}):
        assert (kb / page).is_file(), page
        assert page.removeprefix("docs/") in nav, page
    check = run("check", str(kb), "--strict", "--format", "json")
    assert check.exit_code == 0, check.output
    assert json.loads(check.output)["summary"]["pages"] == 5


def test_the_scaffold_uses_design_and_authority_not_the_deprecated_evidence_field():
    for path in SCAFFOLD.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"^\s*evidence\s*=", text, re.M), path
            assert "tex.evidence" not in text, path
    bib = (SCAFFOLD / "references/sources.bib").read_text(encoding="utf-8")
    assert "design     = {none}" in bib and "authority  = {guideline}" in bib


def test_the_guides_bibtex_examples_use_design_and_authority():
    from tests.conftest import REPO

    for doc in ("README.md", "docs/editors-guide.md"):
        text = (REPO / doc).read_text(encoding="utf-8")
        for block in re.findall(r"```bibtex\n(.*?)```", text, re.S):
            assert not re.search(r"^\s*evidence\s*=", block, re.M), (doc, block)
        assert "tex.evidence" not in text, doc


def test_the_readme_lists_what_kb_init_writes(tmp_path):
    """The README's "Start your own KB" table names exactly the files ``kb init`` writes."""
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Start your own KB", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.strip().startswith("| `")]
    listed = {name for line in table for name in re.findall(r"`([^`]+)`", line.split("|")[1])}
    kb = tmp_path / "my-kb"
    assert run("init", str(kb)).exit_code == 0
    written = {p.relative_to(kb).as_posix() for p in kb.rglob("*") if p.is_file()}
    assert listed == written
