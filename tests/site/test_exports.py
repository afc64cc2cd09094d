"""references.json: CSL-JSON converted by pandoc in chunks of entries, the same as one run over all of them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kb_tools.load.bibtex import load_sources
from kb_tools.site import exports
from tests.conftest import REPO, TESTS

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
REPO = REPO
BIB = TESTS / "fixtures" / "bib"


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
    from tests.references.test_citeproc import other_pandoc

    bibtex = load_sources([BIB / "messy.bib"], REPO).clean_bibtex
    first = list(exports.csl_json(bibtex, tmp_path / "cache"))
    monkeypatch.setenv("PATH", other_pandoc(tmp_path / "bin"))
    assert list(exports.csl_json(bibtex, tmp_path / "cache")) == first
    assert len(list((tmp_path / "cache").glob("csljson-*.json"))) == 2  # one per pandoc version


def test_an_unwritable_cache_folder_only_costs_a_conversion(tmp_path):
    bibtex = load_sources([BIB / "messy.bib"], REPO).clean_bibtex
    (tmp_path / "cache").write_text("a file where the cache folder would be")
    assert list(exports.csl_json(bibtex, tmp_path / "cache")) == list(exports.csl_json(bibtex))


ZOTERO_EXTRAS = """
@article{zotero2020,
  author     = {Sleeper, Sam},
  title      = {Melatonin and sleep onset},
  journal    = {Journal of Fixture Studies},
  year       = {2020},
  volume     = {4},
  doi        = {10.1234/zotero.2020},
  abstract   = {The publisher's abstract, word for word.},
  file       = {Full Text PDF:/home/editor/Zotero/storage/ABCD/Sleeper.pdf:application/pdf},
  keywords   = {sleep, melatonin},
  annote     = {Editor's private reading notes.},
  note       = {Read on the train.},
  langid     = {english},
  sourcetype = {journal},
  design     = {rct},
}
"""


def _built_references(tmp_path: Path, extra_options: str = "") -> dict:
    from click.testing import CliRunner

    from kb_tools.cli import cli
    from tests.conftest import make_kb

    kb = make_kb(tmp_path)
    (kb / "references/zotero.bib").write_text(ZOTERO_EXTRAS, encoding="utf-8")
    topic = kb / "docs/topic.md"
    topic.write_text(topic.read_text() + "\nMelatonin shortened sleep onset in one trial [@zotero2020].\n")
    cfg = kb / "mkdocs.yml"
    cfg.write_text(
        cfg.read_text().replace(
            "      review_max_age_days: 3650\n", "      review_max_age_days: 3650\n" + extra_options
        )
    )
    result = CliRunner().invoke(cli, ["build", str(kb)])
    assert result.exit_code == 0, result.output
    return {r["id"]: r for r in json.loads((kb / "site/references.json").read_text(encoding="utf-8"))}


def test_references_json_carries_only_what_a_reference_list_needs(tmp_path):
    """Abstracts, file paths, keywords and private notes from a reference manager are not published (issue 22, 15)."""
    ref = _built_references(tmp_path)["zotero2020"]
    assert {"abstract", "keyword", "annote", "note", "language", "file"}.isdisjoint(ref)
    assert ref["DOI"] == "10.1234/zotero.2020" and ref["title"] == "Melatonin and sleep onset" and ref["volume"] == "4"
    text = json.dumps(ref)
    assert "Zotero/storage" not in text and "private reading" not in text and "word for word" not in text
    assert set(ref) <= exports.REFERENCE_FIELDS


def test_a_kb_may_publish_more_fields(tmp_path):
    ref = _built_references(tmp_path, "      publish_fields: [abstract, keywords]\n")["zotero2020"]
    assert ref["abstract"] == "The publisher’s abstract, word for word." and ref["keyword"] == "sleep, melatonin"
    assert "annote" not in ref and "note" not in ref
