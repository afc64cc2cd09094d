"""The KAP knowledge base's content, checked against the shared source material.

* No run of ten words on a page (published or draft), outside quotation marks, is copied from the seed article,
  from a quote in the checked facts (``shared/reference-facts.md``, ``shared/extra-sources.md``) or from a
  finding's ``quote`` in a record.
* No claim without a finding: every published claim names, in a citation (``[@key, finding: id]``), a finding
  of its source's record, and every finding it names exists there.
* Every DOI, PMID, PMCID and URL in ``references/*.bib`` appears in those facts files.
* Every source has a findings record (``references/records/<key>.yml``) whose design is the entry's, and
  every figure a published claim states is in a record or a bibliographic field of a source it cites.
* The clinician's questions in ``tests/search_judgments.yml`` (kind ``clinical``) are answered by their
  judged claims among the first five results of ``kb search``, and every judged phrase names one claim.

The shared folder sits beside the repository (``../shared``); from a git worktree, beside the main
checkout; ``KB_SHARED_DIR`` overrides both. Tests that need it skip, saying why, when it is absent.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from kb_tools.config.kbconfig import load_config
from kb_tools.core import grading
from kb_tools.index.writer import write_index
from kb_tools.load.catalogue import load_catalogue
from kb_tools.pipeline import check_kb
from kb_tools.references import citeproc as apa
from kb_tools.search.engine import Engine
from tests.conftest import REPO
from tests.site_helpers import copy_kap

SHINGLE = 10
DESIGNS = {*grading.DESIGNS, grading.NO_DESIGN}
_SPELLED = {
    w: n
    for n, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
    if n
}
_NUMBER = re.compile(r"(?<![A-Za-z\d.,])\d+(?:,\d{3})*(?:\.\d+)?")
_WORD_NUMBER = re.compile(r"\b(" + "|".join(_SPELLED) + r")\b", re.I)


def _shared_dir() -> Path | None:
    candidates = [os.environ.get("KB_SHARED_DIR"), REPO.parent / "shared"]
    git = REPO / ".git"
    if git.is_file():  # a worktree: "gitdir: <main>/.git/worktrees/<name>"
        gitdir = Path(git.read_text(encoding="utf-8").split(":", 1)[1].strip())
        candidates.append(gitdir.parent.parent.parent.parent / "shared")
    for cand in candidates:
        if cand and (Path(cand) / "reference-facts.md").is_file():
            return Path(cand)
    return None


SHARED = _shared_dir()
needs_shared = pytest.mark.skipif(
    SHARED is None, reason="the shared source material (../shared or KB_SHARED_DIR) is not there"
)


def words(text: str) -> list[str]:
    text = text.replace("’", "'").replace("‘", "'").lower()
    return re.findall(r"[a-z0-9]+", text)


def shingles(text: str, n: int = SHINGLE) -> set[tuple[str, ...]]:
    ws = words(text)
    return {tuple(ws[i : i + n]) for i in range(len(ws) - n + 1)}


def page_prose(markdown: str) -> str:
    """A page's words as a reader meets them: no front matter, comments, citations or link targets."""
    text = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"\[[^\[\]]*@[^\[\]]*\]", " ", text)  # [@a; @b, p. 3]
    text = re.sub(r"-?@[\w:.-]+", " ", text)  # in-text @key
    text = re.sub(r"\]\([^)]*\)", "] ", text)  # [text](target) -> text
    return re.sub(r'^!!! \w+(?: "[^"]*")?', " ", text, flags=re.M)


def unquoted(text: str) -> str:
    """The text outside quotation marks (straight or curly double quotes): a quote may repeat its source."""
    return re.sub(r"“[^”]*”", " ", re.sub(r'"[^"\n]*"', " ", text))


def quotes(text: str) -> list[str]:
    """The quoted passages of a facts file (straight or curly double quotes)."""
    return re.findall(r'"([^"\n]{15,}?)"', text) + re.findall(r"“([^”]{15,}?)”", text)


def numbers_in(text: str) -> set[float]:
    found = {float(m.group(0).replace(",", "")) for m in _NUMBER.finditer(text)}
    return found | {float(_SPELLED[m.group(1).lower()]) for m in _WORD_NUMBER.finditer(text)}


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [] if value is None else [str(value)]


@pytest.fixture(scope="module")
def kap(tmp_path_factory) -> Path:
    return copy_kap(tmp_path_factory.mktemp("content"))


@pytest.fixture(scope="module")
def catalogue(kap):
    return load_catalogue(load_config(kap))


def published_claims(catalogue):
    return [c for p in catalogue.pages if not p.draft and p.claims_enabled for c in p.claims]


def records() -> dict[str, dict]:
    return {
        p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        for p in sorted((REPO / "references" / "records").glob("*.yml"))
    }


@needs_shared
def test_no_ten_words_copied_from_the_article_or_the_quoted_sources():
    seed = (SHARED / "seed" / "ketamine-assisted-psychotherapy-article.txt").read_text(encoding="utf-8")
    facts = [(SHARED / f).read_text(encoding="utf-8") for f in ("reference-facts.md", "extra-sources.md")]
    sources = {"the seed article": shingles(seed)}
    for q in (q for text in facts for q in quotes(text)):
        sources.setdefault("the quotes in the facts files", set()).update(shingles(q))
    for key, rec in records().items():
        for item in rec.get("findings") or []:
            sources.setdefault(f"a quote in records/{key}.yml", set()).update(shingles(str(item.get("quote", ""))))
    copied = []
    for page in sorted((REPO / "docs").rglob("*.md")):
        mine = shingles(unquoted(page_prose(page.read_text(encoding="utf-8"))))
        for name, theirs in sources.items():
            copied += [f"{page.relative_to(REPO)}: '{' '.join(s)}' (from {name})" for s in sorted(mine & theirs)]
    assert copied == []


@needs_shared
def test_every_identifier_in_the_bibliography_is_in_the_checked_facts(catalogue):
    facts = "\n".join((SHARED / f).read_text(encoding="utf-8") for f in ("reference-facts.md", "extra-sources.md"))
    facts = facts.lower()
    missing = []
    for s in catalogue.sources:
        fields = dict(s.fields)
        for name in ("doi", "pmid", "pmcid", "url"):
            value = fields.get(name, "").strip()
            if value and value.lower() not in facts:
                missing.append(f"{s.key}: {name} {value}")
    assert missing == []


def test_every_source_has_a_findings_record_with_its_design(catalogue):
    recs = records()
    problems = []
    for s in catalogue.sources:
        fields = dict(s.fields)
        rec = recs.get(s.key)
        if rec is None:
            problems.append(f"{s.key}: no references/records/{s.key}.yml")
            continue
        if fields.get("design") not in DESIGNS:
            problems.append(f"{s.key}: design {fields.get('design')!r} is not one of {sorted(DESIGNS)}")
        if rec.get("design") != fields.get("design"):
            problems.append(f"{s.key}: the record's design {rec.get('design')!r} is not the entry's")
    assert problems == []
    assert set(recs) == {s.key for s in catalogue.sources}, "a record for a source that is not in the bibliography"


_FINDING = re.compile(r"\bfinding:\s*(.*)$", re.S)


def named_findings(citation) -> list[str]:
    """The finding ids a citation names (``[@key, p. 4, finding: a, b]``), however kb stores them."""
    got = getattr(citation, "findings", None)
    if got:
        return list(got)
    m = _FINDING.search(citation.suffix or "")
    return [i.strip() for i in m.group(1).split(",") if i.strip()] if m else []


def findings_of(rec: dict) -> dict[str, dict]:
    return {str(f.get("id")): f for f in rec.get("findings") or [] if isinstance(f, dict)}


def test_every_figure_a_claim_states_is_in_the_records_of_the_sources_it_cites(catalogue):
    """Numbers trace to findings records only, never to a volume, issue or page range of the entry; the year
    of a cited source may name it ("a 2022 narrative review")."""
    recs = records()
    known = {key: {n for t in _strings(rec) for n in numbers_in(t)} for key, rec in recs.items()}
    years = {s.key: numbers_in(s.year) for s in catalogue.sources}
    unsupported = []
    for claim in published_claims(catalogue):
        text = re.sub(r"<!--.*?-->", " ", claim.plain, flags=re.S)
        cited = set().union(*(known.get(c.key, set()) | years.get(c.key, set()) for c in claim.citations))
        for n in sorted(numbers_in(text) - cited):
            unsupported.append(f"{claim.location}: {n:g} in '{text[:70]}'")
    assert unsupported == []


def test_no_claim_without_a_finding(catalogue):
    """Every published claim names a finding of a record of a source it cites, and every named finding exists."""
    recs = records()
    problems = []
    for claim in published_claims(catalogue):
        named = [(c.key, i) for c in claim.citations for i in named_findings(c)]
        if not named:
            problems.append(f"{claim.location}: names no finding ('{claim.plain[:60]}')")
        for key, fid in named:
            if fid not in findings_of(recs.get(key, {})):
                problems.append(f"{claim.location}: finding '{fid}' is not in references/records/{key}.yml")
    assert problems == []


def test_every_finding_has_an_id_statement_and_locator_and_its_quote_is_in_the_facts():
    """A record holds what someone read: its quotes are verbatim from the checked facts (whitespace aside)."""
    facts = ""
    if SHARED is not None:
        facts = " ".join((SHARED / f).read_text(encoding="utf-8") for f in ("reference-facts.md", "extra-sources.md"))
    facts = " ".join(facts.split())
    problems = []
    for key, rec in records().items():
        items = rec.get("findings") or []
        if not items:
            problems.append(f"{key}: no findings")
        ids = [str(f.get("id")) for f in items]
        problems += [f"{key}: finding id '{i}' given twice" for i in set(ids) if ids.count(i) > 1]
        for f in items:
            missing = [k for k in ("id", "statement", "locator") if not f.get(k)]
            problems += [f"{key}/{f.get('id')}: no {k}" for k in missing]
            quote = " ".join(str(f.get("quote", "")).split())
            if quote and facts and quote not in facts:
                problems.append(f"{key}/{f.get('id')}: quote not in the facts files: {quote[:60]}")
    assert problems == []


def test_no_markdown_link_syntax_reaches_a_claims_text(catalogue):
    leaky = [f"{c.location}: {c.plain[:70]}" for c in published_claims(catalogue) if re.search(r"\]\(", c.plain)]
    assert leaky == []


def _index(kap: Path) -> Path:
    config = load_config(kap)
    report = check_kb(config)
    cat = report.catalogue
    styled = apa.style_catalogue(cat.bibtex, [s.key for s in cat.sources], [], config.cache_path)
    write_index(config, report, styled, config.index_path)
    return config.index_path


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="APA citations need pandoc")
def test_judged_phrases_name_one_claim_and_clinical_questions_are_answered_in_the_top_five(kap, catalogue):
    judged = yaml.safe_load((REPO / "tests" / "search_judgments.yml").read_text(encoding="utf-8"))["queries"]
    claims = published_claims(catalogue)
    engine = Engine(_index(kap))
    problems = []
    for item in judged:
        ids = []
        for page, phrase in item["relevant"]:
            found = [c.id for c in claims if c.page == page and phrase.lower() in c.plain.lower()]
            if len(found) != 1:
                problems.append(f"{item['query']!r}: {page} / {phrase!r} names {len(found)} claims")
            ids += found
        if item["kind"] == "clinical":
            top = [h.claim for h in engine.search(item["query"], limit=5).hits]
            problems += [f"{item['query']!r}: {cid} not in the first five" for cid in ids if cid not in top]
    assert problems == []
    assert sum(item["kind"] == "clinical" for item in judged) >= 8
