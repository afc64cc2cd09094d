"""Incremental ``kb build``: unchanged pages are copied from the live site, and a stale page is never served."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb_tools import pipeline
from kb_tools.config.kbconfig import load_config
from kb_tools.engines.mkdocs import runner as mkdocs_runner
from kb_tools.publish import swap as kb_build
from kb_tools.site import incremental
from tests.conftest import make_kb


def _build(kb: Path) -> dict[str, int]:
    """Build; return each HTML page's inode, which changes whenever the file was rendered or copied again."""
    result = pipeline.build_site(load_config(kb))
    assert result.published
    return {str(p.relative_to(kb / "site")): p.stat().st_mtime_ns for p in (kb / "site").rglob("*.html")}


def _manifest(kb: Path) -> dict:
    return json.loads((load_config(kb).cache_path / incremental.MANIFEST).read_text())


def _full_html(kb: Path) -> dict[str, bytes]:
    return {str(p.relative_to(kb / "site")): p.read_bytes() for p in (kb / "site").rglob("*.html")}


def _fresh(kb: Path, tmp_path: Path) -> dict[str, bytes]:
    """The same KB built from scratch (no manifest), for comparison."""
    import shutil

    other = tmp_path / "fresh"
    shutil.rmtree(other, ignore_errors=True)
    shutil.copytree(kb, other, ignore=shutil.ignore_patterns("site", ".kb", ".site*"))
    pipeline.build_site(load_config(other))
    return _full_html(other)


def _same_as_fresh(kb: Path, tmp_path: Path) -> None:
    built, fresh = _full_html(kb), _fresh(kb, tmp_path)
    assert built.keys() == fresh.keys()
    differ = [k for k in built if k != "report/index.html" and built[k] != fresh[k]]
    assert not differ, differ


@pytest.fixture
def kb(tmp_path) -> Path:
    kb = make_kb(tmp_path / "kb")
    _build(kb)
    return kb


def test_unchanged_build_reuses_every_page_and_search_entries(kb, tmp_path):
    search_before = (kb / "site/search/search_index.json").read_bytes()
    manifest = _manifest(kb)
    assert "topic.md" in manifest["pages"] and "sources/smith2022.md" in manifest["pages"]
    before = {str(p.relative_to(kb / "site")): p.stat().st_mtime_ns for p in (kb / "site").rglob("*.html")}
    after = _build(kb)
    del before["404.html"], after["404.html"]  # the theme's page, not a page of the KB: rendered every time
    assert before == after and len(after) > 10
    # the page files are copies (mtime kept), not renders; the search index is the same
    assert (kb / "site/search/search_index.json").read_bytes() == search_before
    _same_as_fresh(kb, tmp_path)


def test_edited_claim_updates_its_condition_and_source_pages(kb, tmp_path):
    old = _build(kb)
    topic = kb / "docs/topic.md"
    topic.write_text(topic.read_text().replace("in pooled studies", "in several pooled trials"))
    new = _build(kb)
    for page in ("topic/index.html", "conditions/depression/index.html", "sources/smith2022/index.html"):
        html = (kb / "site" / page).read_text()
        assert "in several pooled trials" in html, page
        assert "in pooled studies" not in html, page
        assert new[page] != old[page]
    assert new["sources/agency2023/index.html"] == old["sources/agency2023/index.html"]  # not affected: reused
    search = (kb / "site/search/search_index.json").read_text()
    assert "in several pooled trials" in search and "in pooled studies" not in search
    _same_as_fresh(kb, tmp_path)


def test_edited_title_updates_the_nav_on_every_page(kb, tmp_path):
    config = kb / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - Topic: topic.md", "  - Ketamine topic: topic.md"))
    _build(kb)
    for page in (kb / "site").rglob("index.html"):
        if page.parent.name != "search":
            assert "Ketamine topic" in page.read_text(), page
    _same_as_fresh(kb, tmp_path)


def test_edited_heading_title_updates_the_nav_everywhere(tmp_path):
    kb = make_kb(tmp_path / "kb")
    config = kb / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - Topic: topic.md", "  - topic.md"))
    topic = kb / "docs/topic.md"
    topic.write_text(topic.read_text().replace("title: Topic\n", ""))
    _build(kb)
    topic.write_text(topic.read_text().replace("# Topic", "# Ketamine heading"))
    _build(kb)
    assert "Ketamine heading" in (kb / "site/sources/agency2023/index.html").read_text()
    assert "Ketamine heading" in (kb / "site/index.html").read_text()
    _same_as_fresh(kb, tmp_path)


def test_bibliography_change_updates_citing_pages(kb, tmp_path):
    bib = next((kb / "references").glob("*.bib"))
    text = bib.read_text()
    assert "Smith" in text
    bib.write_text(text.replace("Smith", "Smythe"))
    _build(kb)
    assert "Smythe" in (kb / "site/topic/index.html").read_text()
    assert "Smythe" in (kb / "site/sources/smith2022/index.html").read_text()
    _same_as_fresh(kb, tmp_path)


def test_live_site_changed_by_hand_is_rendered_again(kb):
    page = kb / "site/topic/index.html"
    page.write_text("tampered")
    _build(kb)
    assert "tampered" not in page.read_text()


def test_failed_swap_leaves_no_manifest_for_the_new_site(kb, monkeypatch):
    topic = kb / "docs/topic.md"
    topic.write_text(topic.read_text().replace("in pooled studies", "in several pooled trials"))

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(kb_build, "swap_in", broken)
    with pytest.raises(Exception, match="disk full"):
        pipeline.build_site(load_config(kb))
    monkeypatch.undo()
    assert not (load_config(kb).cache_path / incremental.MANIFEST).exists()  # next build is a full one
    _build(kb)
    assert "in several pooled trials" in (kb / "site/conditions/depression/index.html").read_text()


def _index_update(kb: Path) -> dict:
    from kb_tools.index.schema import read_meta

    return read_meta(load_config(kb).index_path)["update"]


def test_unchanged_build_updates_the_live_index_instead_of_rewriting_it(kb):
    assert _index_update(kb)["incremental"] is False  # the first build writes it
    (kb / "notes.txt").write_text("a file in the KB: the build runs (kb_tools.publish.uptodate), no claim changed")
    _build(kb)
    assert _index_update(kb) == {"incremental": True, "added": 0, "deleted": 0}


def test_edited_claim_replaces_only_its_index_document(kb):
    from kb_tools.search.engine import open_engine

    topic = kb / "docs/topic.md"
    topic.write_text(topic.read_text().replace("in pooled studies", "in several pooled trials"))
    _build(kb)
    assert _index_update(kb) == {"incremental": True, "added": 1, "deleted": 1}
    engine = open_engine(load_config(kb).index_path)
    assert engine.search('"several pooled trials"').total == 1
    assert engine.search('"in pooled studies"').total == 0


def test_a_title_change_the_plan_misses_renders_every_page_again(tmp_path, monkeypatch):
    """Pages are reused only if the nav is unchanged, which is planned before pages are read; should the
    plan miss a change, the build sees it once the pages are converted and renders every page instead."""
    from kb_tools.engines.mkdocs import sitebuild

    monkeypatch.setattr(sitebuild.SiteBuild, "_foreseen_title", lambda self, page: "always the same")
    kb = make_kb(tmp_path / "kb")
    config = kb / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - Topic: topic.md", "  - topic.md"))
    topic = kb / "docs/topic.md"
    topic.write_text(topic.read_text().replace("title: Topic\n", ""))
    _build(kb)
    runs, real = [], mkdocs_runner.run_mkdocs
    monkeypatch.setattr(
        mkdocs_runner, "run_mkdocs", lambda config, handoff, site: runs.append(handoff) or real(config, handoff, site)
    )
    topic.write_text(topic.read_text().replace("# Topic", "# Ketamine heading"))
    _build(kb)
    assert [handoff.reuse_from is not None for handoff in runs] == [True, False]  # reuse tried, then a full build
    assert "Ketamine heading" in (kb / "site/sources/agency2023/index.html").read_text()
    _same_as_fresh(kb, tmp_path)
