"""Real MkDocs builds of fixture KBs: generated pages, citations, anchors, exports, drafts, atomic kb build."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb_tools import pipeline
from kb_tools.cli import cli
from kb_tools.config.kbconfig import load_config
from kb_tools.core.errors import BuildError
from kb_tools.engines.mkdocs import runner as mkdocs_runner
from kb_tools.pipeline import check_kb
from tests.conftest import TESTS, make_kb
from tests.site_helpers import broken_links, copy_kap, mkdocs_build, parse_html


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    kb = make_kb(tmp_path_factory.mktemp("site"))
    result = mkdocs_build(kb, "--strict")
    assert result.returncode == 0, result.stderr
    return kb


def test_generated_pages_exist_at_their_urls(built):
    site = built / "site"
    for rel in [
        "index.html",
        "topic/index.html",
        "sources/index.html",
        "sources/smith2022/index.html",
        "sources/agency2023/index.html",
        "conditions/index.html",
        "conditions/depression/index.html",
        "conditions/ptsd/index.html",
        "evidence/index.html",
        "report/index.html",
        "claims.json",
        "references.json",
        "assets/kb/kb.css",
    ]:
        assert (site / rel).is_file(), rel
    assert 'href="../assets/kb/kb.css"' in (site / "topic/index.html").read_text()


def test_citations_render_as_apa_links_with_full_reference(built):
    html = (built / "site/topic/index.html").read_text()
    assert "[@smith2022]" not in html and "@smith2022" not in html
    assert '(<a class="kb-cite" href="../sources/smith2022/" title="Smith, J., &amp; Doe, J. (2022).' in html
    assert "Smith &amp; Doe (" in html and ">2022, p. 104</a>)" in html  # in-text form keeps the locator
    assert '<h2 id="references">References</h2>' in html
    assert 'id="ref-agency2023"' in html and 'id="ref-smith2022"' in html
    assert 'class="kb-reviewed"' in html and "1 November 2026" in html


def test_every_claim_has_its_anchor(built):
    report = check_kb(load_config(built))
    ids = parse_html(built / "site/topic/index.html").ids
    claims = report.catalogue.claims
    assert claims and all(c.id in ids for c in claims)


def test_no_broken_links_or_anchors(built):
    assert broken_links(built / "site") == []


def test_source_pages_link_back_to_claim_anchors(built):
    site = built / "site"
    page = site / "sources/agency2023/index.html"
    backs = [h for h, a in parse_html(page).links if "kb-claim-link" in (a.get("class") or "")]
    assert len(backs) == 2 and all(h.startswith("../../topic/#c-") for h in backs)  # its list's two items
    assert broken_links(site, [page]) == []
    text = page.read_text()
    assert "Government (accepted by the editorial policy)" in text  # the label the search filters use
    assert "Regulatory statement" in text and 'href="https://example.gov/safety"' in text


def test_condition_and_overview_pages(built):
    site = built / "site"
    cond = (site / "conditions/depression/index.html").read_text()
    assert "4 claims about Depression as the condition treated or studied" in cond  # the lead-in is no claim
    assert re.search(r"Strongest study design behind them: <span[^>]*>Meta-analysis of randomised trials</span>", cond)
    # the agency's statement is listed apart, as an authority's statement, not as a design
    assert "Regulatory, guideline and consensus statements" in cond
    evidence = (site / "evidence/index.html").read_text()
    assert re.search(
        r"<td>2 · <span class=\"kb-level kb-level-0\"[^>]*>Meta-analysis of randomised trials</span></td>", evidence
    )
    assert re.search(r"<td>\d · <span class=\"kb-authority kb-authority-regulatory\"", evidence)
    report = (site / "report/index.html").read_text()
    assert "No findings" in report and "(100%)" in report


def test_exports_are_valid(built):
    site = built / "site"
    claims = json.loads((site / "claims.json").read_text())
    report = check_kb(load_config(built))
    assert [c["id"] for c in claims] == [c.id for c in report.catalogue.claims]
    first = claims[0]
    assert set(first) == {"id", "text", "page", "url", "section", "conditions", "sources", "design", "authorities"} | {
        "roles",  # each condition's role: treated, harm or exclusion
        "design_label",  # the design as the site names it
        "evidence",  # deprecated single ladder, kept for one release
        "support",  # what its sources report that it rests on
    }
    assert first["url"] == f"topic/#{first['id']}" and "@" not in first["text"]
    assert first["sources"] == ["smith2022"] and first["evidence"] == "meta-analysis"
    assert (first["design"], first["authorities"]) == ("meta-analysis-randomised", [])
    assert first["design_label"] == "Meta-analysis of randomised trials" and first["roles"] == {"depression": "treated"}
    agency = next(c for c in claims if c["sources"] == ["agency2023"])
    assert (agency["design"], agency["authorities"], agency["evidence"]) == ("", ["regulatory"], "regulatory")
    refs = json.loads((site / "references.json").read_text())
    assert sorted(r["id"] for r in refs) == ["agency2023", "smith2022"]
    assert all("title" in r and "type" in r for r in refs)


def test_drafts_are_not_published_and_do_not_fail(tmp_path):
    kb = make_kb(tmp_path)
    cfg = kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text() + "draft_docs: |\n  drafts/\n")
    (kb / "docs/drafts").mkdir()
    wip = "---\ntitle: WIP\nreviewed: 2026-11-01\n---\n\n# WIP\n\nAn uncited draft claim.\n"
    (kb / "docs/drafts/wip.md").write_text(wip)
    result = mkdocs_build(kb, "--strict")
    assert result.returncode == 0, result.stderr
    assert not (kb / "site/drafts").exists()
    assert all(not c["page"].startswith("drafts/") for c in json.loads((kb / "site/claims.json").read_text()))
    report = (kb / "site/report/index.html").read_text()
    assert "docs/drafts/wip.md" in report and "uncited-claim" in report


def preview_like_mkdocs_serve(kb: Path) -> None:
    """One build as ``mkdocs serve`` runs each of its builds (the plugin told the command is ``serve``)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config as mkdocs_config

    cfg = mkdocs_config(config_file=str(kb / "mkdocs.yml"))
    cfg.plugins.on_startup(command="serve", dirty=False)
    try:
        build(cfg)
    finally:
        cfg.plugins.on_shutdown()


def test_uncited_claim_is_marked_and_fails_strict(tmp_path):
    kb = make_kb(tmp_path, "uncited-claim")
    strict = mkdocs_build(kb, "--strict")
    assert strict.returncode != 0
    assert "docs/topic.md:17: error uncited-claim" in strict.stderr
    assert mkdocs_build(kb).returncode != 0  # plain mkdocs build refuses too, as kb build does
    preview_like_mkdocs_serve(kb)  # the live preview goes on, marking what the check found
    html = (kb / "site/topic/index.html").read_text()
    assert html.count("[citation needed]") == 2  # the claim and the uncited item (a lead-in is no claim)


def test_claim_text_is_escaped_on_generated_pages(tmp_path):
    kb = make_kb(tmp_path)
    topic = kb / "docs/topic.md"
    # alert(x), not alert(1): a published "1" no record holds would be an unsupported-number error
    topic.write_text(topic.read_text() + "\nDepression <script>alert(x)</script> and *TRD* [@smith2022].\n")
    bib = kb / "references/sources.bib"
    bib.write_text(bib.read_text().replace("a meta-analysis", "a <script>alert(2)</script> meta-analysis"))
    assert mkdocs_build(kb, "--strict").returncode == 0
    # the topic page is the editor's own Markdown (raw HTML allowed); generated pages must escape it
    for rel in ("conditions/depression/index.html", "sources/smith2022/index.html", "sources/index.html"):
        html = (kb / "site" / rel).read_text()
        assert "<script>alert" not in html, rel
    assert "<script>alert(2)" not in (kb / "site/topic/index.html").read_text()  # BibTeX text, via pandoc
    assert (
        "&lt;script&gt;alert(x)&lt;/script&gt; and <em>TRD</em>"
        in (kb / "site/conditions/depression/index.html").read_text()
    )


def test_kb_build_refuses_to_publish_on_errors(tmp_path):
    kb = make_kb(tmp_path, "uncited-claim")
    result = CliRunner().invoke(cli, ["build", str(kb)])
    assert result.exit_code == 1
    assert "docs/topic.md:17: error uncited-claim" in result.output
    assert not (kb / "site").exists()


def test_kb_build_publishes_site_and_index(tmp_path):
    kb = make_kb(tmp_path)
    result = CliRunner().invoke(cli, ["build", str(kb)])
    assert result.exit_code == 0, result.output
    assert (kb / "site/sources/smith2022/index.html").is_file()
    if importlib.util.find_spec("kb_tools.index.writer"):
        assert any((kb / ".kb/index").iterdir())
    assert not [p.name for p in kb.iterdir() if ".building-" in p.name or ".old-" in p.name]


def test_failed_build_leaves_previous_site_untouched(tmp_path, monkeypatch):
    kb = make_kb(tmp_path)
    config = load_config(kb)
    pipeline.build_site(config)
    before = {p.relative_to(kb): p.read_bytes() for p in (kb / "site").rglob("*") if p.is_file()}

    def half_a_build(config, handoff, site_dir):
        (site_dir / "index.html").write_text("half a site")
        raise RuntimeError("disk full")

    monkeypatch.setattr(mkdocs_runner, "run_mkdocs", half_a_build)
    with open(kb / "docs/topic.md", "a", encoding="utf-8") as fh:
        fh.write("\n## A section added since\n")  # so the build runs (unchanged inputs: nothing to do)
    with pytest.raises(BuildError, match="previous site is unchanged"):
        pipeline.build_site(config)
    after = {p.relative_to(kb): p.read_bytes() for p in (kb / "site").rglob("*") if p.is_file()}
    assert after == before
    assert not [p.name for p in kb.iterdir() if ".building-" in p.name]


@pytest.mark.slow  # the whole KAP KB, cold
def test_kap_kb_builds_strict(tmp_path):
    kb = copy_kap(tmp_path)
    result = mkdocs_build(kb, "--strict")
    assert result.returncode == 0, result.stderr[-3000:]
    site = kb / "site"
    assert not (site / "drafts").exists()
    assert (site / "sources/alnefeesi2022/index.html").is_file()
    assert broken_links(site) == []


def test_citation_forms_kb_builds_strict(tmp_path):
    kb = Path(shutil.copytree(TESTS / "golden/kb", tmp_path / "forms"))
    result = mkdocs_build(kb, "--strict")
    assert result.returncode == 0, result.stderr
    assert broken_links(kb / "site") == []


def test_mkdocs_does_not_list_the_source_pages_as_missing_from_the_nav(tmp_path):
    """Source pages stay out of the nav on purpose; MkDocs listed every one (10,000 lines on a large KB)."""
    kb = make_kb(tmp_path)
    result = mkdocs_build(kb)
    assert result.returncode == 0, result.stderr
    assert (kb / "site/sources/smith2022/index.html").is_file()
    assert "not included in the" not in result.stderr and "sources/smith2022.md" not in result.stderr
