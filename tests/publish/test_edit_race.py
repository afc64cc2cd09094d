"""An edit during a build poisons nothing (issue 23 item 3): each stage uses the text the check read, and
a page that changes under the build stops it; the next build's anchors, claims.json and index agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from kb_tools import pipeline
from kb_tools.config.kbconfig import load_config
from kb_tools.core.errors import KbError
from kb_tools.engines.mkdocs import sitebuild
from tests.conftest import make_kb

NEW_CLAIM = "Esketamine nasal spray was approved for treatment-resistant depression [@agency2023].\n\n"


def _insert_claim(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("# Topic\n\n", "# Topic\n\n" + NEW_CLAIM, 1), encoding="utf-8")


def _anchors(kb: Path) -> dict[str, list[str]]:
    """Claim ids three ways: the topic page's anchors, claims.json's, and the search index's."""
    html = (kb / "site" / "topic" / "index.html").read_text(encoding="utf-8")
    claims = json.loads((kb / "site" / "claims.json").read_text(encoding="utf-8"))
    with whoosh_index.open_dir(load_config(kb).index_path).searcher() as searcher:
        indexed = [d["id"] for d in searcher.documents() if d.get("page") == "topic.md"]
    return {
        "html": sorted(re.findall(r'<span class="kb-claim" id="([^"]+)"', html)),
        "claims.json": sorted(c["id"] for c in claims if c["page"] == "topic.md"),
        "index": sorted(indexed),
    }


def _consistent(kb: Path) -> None:
    got = _anchors(kb)
    assert got["html"] == got["claims.json"] == got["index"], got
    assert len(got["html"]) >= 4


# the edit lands after the check read the page (stage 1) and before the stage that reads it next
STAGES = [
    (pipeline, "format_references"),  # before the citations are scanned (stage 3)
    (sitebuild.SiteBuild, "page_markdown"),  # as MkDocs hands the page over (stage 5)
]


@pytest.mark.parametrize(("owner", "name"), STAGES, ids=["before-scan", "before-render"])
def test_an_edit_during_a_build_leaves_no_stale_cache(tmp_path, monkeypatch, owner, name):
    kb = make_kb(tmp_path)
    topic = kb / "docs" / "topic.md"
    original = getattr(owner, name)
    edited = []

    def edit_then(*args, **kwargs):
        if not edited:
            edited.append(True)
            _insert_claim(topic)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, edit_then)
    try:
        result = pipeline.build_site(load_config(kb))
    except KbError as exc:  # the page changed under the build: nothing is published
        assert "docs/topic.md" in str(exc) and "changed" in str(exc)
    else:
        assert result.published
    assert edited
    monkeypatch.undo()
    if (kb / "site").exists():
        _consistent(kb)  # a site was published: built from one text, not two
    assert pipeline.build_site(load_config(kb)).published  # the next build, the page unchanged since
    _consistent(kb)
    claims = json.loads((kb / "site" / "claims.json").read_text(encoding="utf-8"))
    assert any(c["text"].startswith("Esketamine nasal spray") for c in claims)  # the edit is published now


def test_sources_are_cached_under_the_bytes_they_were_parsed_from(base_kb):
    """The editor saves a ``.bib`` file while kb parses it, then undoes the edit: the cache must not answer
    the undone text with the parse of the edited one."""
    from kb_tools.load.bibtex import load_sources
    from kb_tools.store import loadcache as cache

    config = load_config(base_kb)
    (bib,) = config.bib_files()
    before = bib.read_text(encoding="utf-8")

    def load_while_editing(files, root, contents=None):
        bib.write_text(before.replace("a meta-analysis", "an edited title"), encoding="utf-8")
        return load_sources(files, root, contents) if contents is not None else load_sources(files, root)

    def title(result) -> str:
        return next(s for s in result.sources if s.key == "smith2022").field("title")

    assert "a meta-analysis" in title(cache.cached_sources(config, [bib], load_while_editing))
    bib.write_text(before, encoding="utf-8")  # undone
    assert "a meta-analysis" in title(cache.cached_sources(config, [bib], load_sources))


def test_retraction_data_replaced_while_read_is_not_kept_under_the_old_files_key(tmp_path, monkeypatch):
    from kb_tools.load import retractions

    kb = make_kb(tmp_path, "retracted-source")
    config = load_config(kb)
    csv_file = kb / "data" / "retraction-watch.csv"
    original = csv_file.read_bytes()
    read_all = retractions._read_all

    def replaced_while_read(*args):
        csv_file.write_bytes(original.replace(b",Retraction,", b",Expression of concern,"))
        return read_all(*args)

    monkeypatch.setattr(retractions, "_read_all", replaced_while_read)
    retractions.load(config, ["10.5555/retracted.2020.1"], [])
    monkeypatch.undo()
    csv_file.write_bytes(original)  # the download the key was made from, back again
    again = retractions.load(config, ["10.5555/retracted.2020.1"], [])
    assert [n.nature for n in again.notices("10.5555/retracted.2020.1", "")] == ["Correction", "Retraction"]
