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


def test_another_pandoc_version_converts_again(tmp_path, monkeypatch):
    from .test_apa import other_pandoc

    bibtex = load_sources([BIB / "messy.bib"], REPO).clean_bibtex
    first = list(exports.csl_json(bibtex, tmp_path / "cache"))
    monkeypatch.setenv("PATH", other_pandoc(tmp_path / "bin"))
    assert list(exports.csl_json(bibtex, tmp_path / "cache")) == first
    assert len(list((tmp_path / "cache").glob("csljson-*.json"))) == 2  # one per pandoc version


def test_an_unwritable_cache_folder_only_costs_a_conversion(tmp_path):
    bibtex = load_sources([BIB / "messy.bib"], REPO).clean_bibtex
    (tmp_path / "cache").write_text("a file where the cache folder would be")
    assert list(exports.csl_json(bibtex, tmp_path / "cache")) == list(exports.csl_json(bibtex))
