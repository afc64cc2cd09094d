"""Atomic writes and folder swaps: a reader sees the old content or the new, and nothing is left behind."""

from __future__ import annotations

import os

import pytest

from kb_tools.store import files as storage


def test_a_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "cache" / "entry.json"
    storage.write_atomic(target, "first")
    storage.write_atomic(target, "second ✓")
    assert target.read_text(encoding="utf-8") == "second ✓"
    assert [p.name for p in target.parent.iterdir()] == ["entry.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_one(tmp_path):
    target = tmp_path / "entry.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), storage.replacing(target) as tmp:
        tmp.write_text("half of the new")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["entry.json"]


def test_only_the_temporary_files_of_dead_processes_are_cleared(tmp_path):
    target = tmp_path / "memo.sqlite"
    dead = tmp_path / ".memo.sqlite.999999999.abc.tmp"  # no process has this id
    dead.write_text("left by a killed build")
    mine = storage.temp_beside(target)
    other = tmp_path / ".other.sqlite.999999999.abc.tmp"
    other.write_text("another file's")
    storage.clear_stale(target)
    assert not dead.exists() and mine.exists() and other.exists()


@pytest.mark.parametrize("one_step", [True, False], ids=["exchange", "two-renames"])
def test_swap_in_and_put_back(tmp_path, monkeypatch, one_step):
    if not one_step:
        monkeypatch.setattr(storage, "exchange", lambda a, b: False)
    target = tmp_path / "site"
    target.mkdir()
    (target / "page.html").write_text("old")
    new = tmp_path / ".site.building-x1"
    new.mkdir()
    (new / "page.html").write_text("new")
    old = storage.swap_in(new, target, keep_old=True)
    assert (target / "page.html").read_text() == "new" and (old / "page.html").read_text() == "old"
    storage.put_back(old, target)
    assert (target / "page.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_swap_in_without_a_previous_folder_and_without_keeping_it(tmp_path):
    target, new = tmp_path / "index", tmp_path / ".index-new-a"
    new.mkdir()
    assert storage.swap_in(new, target) is None and target.is_dir()
    again = tmp_path / ".index-new-b"
    again.mkdir()
    (again / "kb-index.json").write_text("{}")
    assert storage.swap_in(again, target) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"] and (target / "kb-index.json").is_file()


def test_an_anonymous_file_has_no_name(tmp_path):
    fd = storage.anonymous_file(tmp_path, "kb-pages-")
    try:
        os.write(fd, b"text")
        assert os.pread(fd, 4, 0) == b"text" and list(tmp_path.iterdir()) == []
    finally:
        os.close(fd)
