"""A build holds one page's HTML at a time: generated pages are made when MkDocs reaches them, and
converted HTML waits on disk until its template is rendered. Other plugins still see every page whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb_tools.engines.mkdocs.pagestore import SPOOLED
from tests.conftest import make_kb
from tests.site_helpers import mkdocs_build

# A hook (MkDocs runs hooks after the plugins listed before them) that records what it sees of each page.
PROBE = """
import json
from pathlib import Path

seen = {"files": {}, "markdown": {}, "content": {}, "env": {}, "context": {}, "context-markdown": {}, "after": {}}
pages = []


def on_files(files, config):
    for f in files:
        if f.generated_by == "kb" and f.src_uri.endswith(".md"):
            seen["files"][f.src_uri] = f.content_string
    return files


def on_page_content(html, page, config, files):
    seen["content"][page.file.src_uri] = html
    pages.append(page)
    return html


def on_page_markdown(markdown, page, config, files):
    seen["markdown"][page.file.src_uri] = markdown
    return markdown


def on_env(env, config, files):
    seen["env"] = {p.file.src_uri: [p.content, p.markdown] for p in pages}
    return env


def on_page_context(context, page, config, nav):
    seen["context"][page.file.src_uri] = page.content
    seen["context-markdown"][page.file.src_uri] = page.markdown
    return context


def on_post_build(config):
    seen["after"] = {p.file.src_uri: [p.content, p.markdown] for p in pages}
    Path(config.config_file_path).with_name("probe.json").write_text(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def probed(tmp_path_factory) -> tuple[Path, dict]:
    kb = make_kb(tmp_path_factory.mktemp("memory"))
    (kb / "probe.py").write_text(PROBE)
    config = kb / "mkdocs.yml"
    config.write_text(config.read_text() + "\nhooks:\n  - probe.py\n")
    result = mkdocs_build(kb, "--strict")
    assert result.returncode == 0, result.stderr
    return kb, json.loads((kb / "probe.json").read_text())


def test_generated_pages_are_made_when_mkdocs_reaches_them(probed):
    _, seen = probed
    source_pages = [p for p in seen["files"] if p.startswith("sources/") and p != "sources/index.md"]
    assert source_pages and all(seen["files"][p] == "" for p in source_pages)
    assert all("kb-source-facts" in seen["content"][p] for p in source_pages)  # made by the time it converts


def test_no_page_keeps_its_html_or_markdown_in_memory_between_the_two_passes(probed):
    _, seen = probed
    assert seen["env"] and {x for pair in seen["env"].values() for x in pair} == {SPOOLED}
    assert {x for pair in seen["after"].values() for x in pair} == {SPOOLED}


def test_other_plugins_see_each_page_whole(probed):
    kb, seen = probed
    assert seen["context"] == seen["content"]  # the HTML is back for the template and the search plugins
    assert seen["context-markdown"] == {p: seen["markdown"][p] for p in seen["content"]}
    html = (kb / "site" / "sources" / "smith2022" / "index.html").read_text()
    assert seen["content"]["sources/smith2022.md"] in html
    assert SPOOLED not in html
