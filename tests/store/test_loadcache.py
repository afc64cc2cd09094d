"""The load-stage cache: same results warm as cold, edits and config changes seen, corrupt files ignored."""

from __future__ import annotations

from pathlib import Path

from kb_tools.config.kbconfig import load_config
from kb_tools.load.catalogue import load_catalogue
from kb_tools.pipeline import check_kb
from kb_tools.store import loadcache as cache


def _claims(kb: Path):
    return [(c.id, c.location.line, c.keys, c.conditions) for c in load_catalogue(load_config(kb)).claims]


def test_warm_equals_cold_and_files_are_written(base_kb: Path):
    cold = check_kb(load_config(base_kb))
    assert (base_kb / ".kb/cache/pages.pickle").is_file()
    assert (base_kb / ".kb/cache/sources.pickle").is_file()
    warm = check_kb(load_config(base_kb))
    assert warm.findings == cold.findings
    assert warm.catalogue == cold.catalogue


def test_an_edited_page_is_parsed_again(base_kb: Path):
    before = _claims(base_kb)
    topic = base_kb / "docs/topic.md"
    topic.write_text(topic.read_text() + "\nA new claim without a citation.\n")
    after = _claims(base_kb)
    assert len(after) == len(before) + 1
    assert any(not keys for _, _, keys, _ in after)


def test_an_edited_bib_file_is_loaded_again(base_kb: Path):
    bib = base_kb / "references/sources.bib"
    bib.write_text(bib.read_text().replace("{journal}", "{commercial}", 1))
    sources = load_catalogue(load_config(base_kb)).source_map()
    assert sources["smith2022"].sourcetype == "commercial"


def test_config_change_invalidates(base_kb: Path):
    before = _claims(base_kb)
    yml = base_kb / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("synonyms: [PTSD, post-traumatic stress disorder]", "synonyms: [ketamine]"))
    after = _claims(base_kb)
    assert before != after
    assert any("ptsd" in conds for *_, conds in after)


def test_corrupt_or_unwritable_cache_is_ignored(base_kb: Path):
    cold = _claims(base_kb)
    for f in (base_kb / ".kb/cache").iterdir():
        f.write_bytes(b"\x80\x05 not a pickle")
    assert _claims(base_kb) == cold
    # a cache folder that is a file: nothing can be written, results are the same
    cache_dir = base_kb / ".kb/cache"
    for f in cache_dir.iterdir():
        f.unlink()
    cache_dir.rmdir()
    cache_dir.write_text("not a folder")
    assert _claims(base_kb) == cold


def test_fingerprint_depends_on_config(base_kb: Path):
    a = load_config(base_kb)
    yml = base_kb / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("site_name: Fixture KB", "site_name: Fixture KB\ndraft_docs: |\n  x/\n"))
    b = load_config(base_kb)
    assert cache.fingerprint(a) != cache.fingerprint(b)
