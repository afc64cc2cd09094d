"""The pipeline's modules, each through its own small interface: loading, scanning, the nav helpers, the
page store and the reuse of unchanged pages (which the site tests exercise end to end)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kb_tools import pipeline
from kb_tools.check.policy import check
from kb_tools.config.kbconfig import load_config
from kb_tools.engines.mkdocs.pagestore import PageStore
from kb_tools.load.catalogue import load_catalogue
from kb_tools.references.scan import mask_code, scan_page
from kb_tools.site import incremental, navigation

# --- stages 1 and 2: loading, then judging ----------------------------------------------------------


def test_loading_then_checking_is_the_check(base_kb):
    config = load_config(base_kb)
    catalogue = load_catalogue(config)
    assert {p.path for p in catalogue.pages} == {"index.md", "topic.md"}
    assert "smith2022" in catalogue.source_map()
    assert pipeline.check_kb(config).findings == check(config, catalogue).findings


# --- stage 3: scanning pages for citations ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cited"),
    [
        ("A claim [@smith2022].\n", ["[@smith2022]"]),
        ("As @smith2022 [p. 4] reports.\n", ["@smith2022 [p. 4]"]),
        ("```\nnot [@code]\n```\n\nA claim [@a; @b].\n", ["[@a; @b]"]),
        ("Inline `[@code]` only.\n", []),
        ("- item one [@a]\n- item two [@b]\n", ["[@a]", "[@b]"]),
    ],
)
def test_scan_finds_citations_outside_code(text, cited):
    scan = scan_page(text)
    assert [text[s.start : s.end] for s in scan.segments] == cited
    assert all(scan.line_of(s.start) == text.count("\n", 0, s.start) + 1 for s in scan.segments)


def test_mask_code_keeps_offsets():
    text = "a\n```\nb [@x]\n```\nc\n"
    masked = mask_code(text)
    assert len(masked) == len(text) and "[@x]" not in masked and masked.count("\n") == text.count("\n")


# --- the nav ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    id: str
    name: str


def test_nav_additions_skip_what_the_nav_lists_and_escape_names():
    nav = [{"Home": "index.md"}, {"Our sources": "sources/index.md"}]
    added = navigation.nav_additions(nav, [Condition("ptsd", "PTSD <b>")])
    assert [next(iter(item)) for item in added] == ["Conditions", "Evidence overview", "Editorial report", "Search"]
    assert added[0]["Conditions"] == ["conditions/index.md", {"PTSD &lt;b&gt;": "conditions/ptsd.md"}]
    assert navigation.page_order(nav + added)["sources/index.md"] == 1


def test_escape_meta_makes_title_and_description_text():
    meta = {"title": "<script>x</script>", "description": 'a "b"', "other": "<i>"}
    navigation.escape_meta(meta)
    title = "&lt;\u2060script&gt;x&lt;\u2060/script&gt;"  # inert when its text is parsed again (htmltext)
    assert meta == {"title": title, "description": "a &quot;b&quot;", "other": "<i>"}


# --- the page store ---------------------------------------------------------------------------------


def test_page_store_stashes_html_blocks_and_parks_pages(tmp_path):
    store = PageStore(tmp_path / "cache")
    markdown = store.stash_blocks("sources/a.md", "# A\n\n<div>raw</div>\n\ntext")
    assert "<div>" not in markdown and store.stash("sources/a.md") == ["<div>raw</div>"]
    html = "<h1>A</h1>\n<p>" + markdown.split("\n\n")[1] + "</p>\n<p>text</p>"
    assert store.restore("sources/a.md", html) == "<h1>A</h1>\n<div>raw</div>\n<p>text</p>"
    assert store.stash("sources/a.md") is None  # in the page's HTML now: not kept twice
    assert store.park("topic.md", "<p>é</p>", "é") and store.unpark("topic.md") == ("<p>é</p>", "é")
    assert store.unpark("topic.md") is None  # taken once
    assert not store.park("empty.md", "", "x") and store.unpark("empty.md") is None
    store.close()


# --- reuse of unchanged pages -----------------------------------------------------------------------


@dataclass
class FakeFile:
    src_uri: str
    dest_uri: str
    url: str


@dataclass
class FakePage:
    file: FakeFile
    title: str | None
    url: str = ""
    is_page: bool = True
    children: list = field(default_factory=list)


@dataclass
class FakeNav:
    items: list
    pages: list


def _site(tmp_path: Path, manifest_pages: dict, plan: str, nav: str) -> incremental.Reuse:
    live, cache = tmp_path / "live", tmp_path / "cache"
    for src, entry in manifest_pages.items():
        dest = live / entry["dest"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(f"live {src}")
        entry.update(size=dest.stat().st_size, mtime=dest.stat().st_mtime_ns)
    cache.mkdir()
    manifest = {"key": "k", "nav": nav, "plan": plan, "pages": manifest_pages}
    (cache / incremental.MANIFEST).write_text(json.dumps(manifest))
    reuse = incremental.Reuse(live, cache)
    reuse.load("k")
    return reuse


def _nav(*titles: str | None):
    pages = [FakePage(FakeFile(f"p{n}.md", f"p{n}/index.html", f"p{n}/"), t, f"p{n}/") for n, t in enumerate(titles)]
    return FakeNav(pages, pages), [p.file for p in pages]


def test_pages_are_reused_only_when_the_planned_nav_is_unchanged(tmp_path):
    nav, files = _nav("One", None)
    plan = incremental.nav_key(nav, files, lambda p: p.title or "foreseen")
    entries = {"p0.md": {"hash": "h0", "dest": "p0/index.html", "title": "One", "search": [{"location": "p0/"}]}}
    reuse = _site(tmp_path, entries, plan, nav="n")
    assert reuse.plan(nav, files, lambda p: p.title or "foreseen")
    assert reuse.offer("p0.md", "h0", "p0/index.html") is not None
    assert reuse.offer("p1.md", "h1", "p1/index.html") is None  # not in the live site
    reuse.confirm_nav("n")  # as planned
    other = _site(tmp_path / "2", {"p0.md": dict(entries["p0.md"])}, plan, nav="n")
    assert not other.plan(nav, files, lambda p: p.title or "another title")
    assert other.offer("p0.md", "h0", "p0/index.html") is None  # the nav will change: every page is rendered


def test_a_nav_the_plan_did_not_foresee_stops_the_reuse(tmp_path):
    nav, files = _nav("One")
    plan = incremental.nav_key(nav, files, lambda p: p.title)
    reuse = _site(tmp_path, {"p0.md": {"hash": "h0", "dest": "p0/index.html", "title": "One"}}, plan, nav="n")
    reuse.plan(nav, files, lambda p: p.title)
    assert reuse.offer("p0.md", "h0", "p0/index.html") is not None
    with pytest.raises(incremental.NavChanged):
        reuse.confirm_nav("another nav")


def test_reused_pages_search_entries_go_back_in_page_order(tmp_path):
    nav, files = _nav("One", "Two", "Three")
    plan = incremental.nav_key(nav, files, lambda p: p.title)
    reused = {"hash": "h1", "dest": "p1/index.html", "title": "Two", "search": [{"location": "p1/", "text": "two"}]}
    reuse = _site(tmp_path, {"p1.md": reused}, plan, nav="n")
    reuse.plan(nav, files, lambda p: p.title)
    site = tmp_path / "site"
    for n in range(3):
        entry = reuse.offer(f"p{n}.md", f"h{n}", f"p{n}/index.html")
        assert (entry is not None) == (n == 1)
    reuse.confirm_nav("n")
    for n, title in enumerate(("One", "Two", "Three")):
        if n != 1:
            (site / f"p{n}").mkdir(parents=True)
            (site / f"p{n}/index.html").write_text(title)
        reuse.page_written(f"p{n}.md", f"p{n}/", f"p{n}/index.html", title)
    docs = [{"location": "p0/", "text": "one"}, {"location": "p0/#a", "text": "a"}, {"location": "p2/", "text": "3"}]
    (site / "search").mkdir()
    (site / "search/search_index.json").write_text(json.dumps({"config": {"lang": ["en"]}, "docs": docs}))
    reuse.finish(site)
    merged = json.loads((site / "search/search_index.json").read_text())
    assert [d["text"] for d in merged["docs"]] == ["one", "a", "two", "3"]
    assert (site / "p1/index.html").read_text() == "live p1.md"  # copied from the live site
    manifest = json.loads(reuse.pending.read_text())
    assert manifest["plan"] == plan and manifest["nav"] == "n"
    assert manifest["pages"]["p0.md"]["search"] == docs[:2] and manifest["pages"]["p1.md"]["search"] == reused["search"]


# --- pages MkDocs need not convert ------------------------------------------------------------------

NAV = """
nav:
  - Home: index.md
  - a.md
  - Part one:
      - First title: one/b.md
      - one/c.md
      - Nested:
          - Deep: one/d.md
  - Again, other title: a.md
  - Absolute: /one/c.md
  - Elsewhere: https://example.org/
  - 2024: e.md
validation:
  nav:
    absolute_links: relative_to_docs
"""


@pytest.mark.parametrize("nav", [NAV, ""])
def test_reusable_pages_get_the_titles_mkdocs_gives(tmp_path, nav):
    from mkdocs.config import load_config as mkdocs_config
    from mkdocs.structure.files import get_files
    from mkdocs.structure.nav import get_navigation

    from kb_tools.engines.mkdocs.reusablepage import ReusablePage, give_pages

    for page in ("index.md", "a.md", "one/b.md", "one/c.md", "one/d.md", "e.md", "not-listed.md"):
        (tmp_path / "docs" / page).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / page).write_text(f"# {page}\n")
    (tmp_path / "mkdocs.yml").write_text("site_name: Nav\n" + nav)

    def titles(give: bool) -> list:
        config = mkdocs_config(str(tmp_path / "mkdocs.yml"))
        files = get_files(config)
        if give:
            give_pages(files, config)
        navigation = get_navigation(files, config)
        pages = {f.src_uri: f.page for f in files.documentation_pages()}
        assert all(isinstance(p, ReusablePage) == give for p in pages.values())
        return [(p.file.src_uri, p.title) for p in navigation.pages] + sorted((s, p.title) for s, p in pages.items())

    assert titles(give=True) == titles(give=False)
