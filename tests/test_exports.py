"""references.json: CSL-JSON converted by pandoc in chunks of entries, the same as one run over all of them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb_tools import exports
from kb_tools.bibliography import load_sources

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
REPO = Path(__file__).parent.parent
BIB = Path(__file__).parent / "fixtures" / "bib"


@pytest.mark.parametrize(
    "files",
    [
        sorted((REPO / "references").glob("*.bib")),  # the KAP sources
        [BIB / "messy.bib"],  # @string macros, a crossref parent, odd fields
        [BIB / "across_a.bib", BIB / "across_b.bib"],  # a crossref to an entry in another file
        [BIB / "zotero_export.bib"],
    ],
    ids=["kap", "messy", "crossref-across-files", "zotero"],
)
def test_chunks_give_what_one_pandoc_run_gives(files, monkeypatch):
    bibtex = load_sources(files, REPO).clean_bibtex
    monkeypatch.setattr(exports, "CSL_CHUNK", 10**6)
    whole = list(exports.csl_json(bibtex))
    monkeypatch.setattr(exports, "CSL_CHUNK", 1)  # every entry its own run, with its crossref parent beside it
    assert whole and list(exports.csl_json(bibtex)) == whole


def test_chunks_are_cached_by_content(tmp_path, monkeypatch):
    bibtex = load_sources(sorted((REPO / "references").glob("*.bib")), REPO).clean_bibtex
    monkeypatch.setattr(exports, "CSL_CHUNK", 2)
    first = list(exports.csl_json(bibtex, tmp_path))
    runs = []
    monkeypatch.setattr(exports.subprocess, "run", lambda *a, **k: runs.append(a))  # pandoc must not run again
    assert list(exports.csl_json(bibtex, tmp_path)) == first and runs == []
    assert len(list(tmp_path.glob("csljson-*.json"))) == -(-len(first) // 2)
