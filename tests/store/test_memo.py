"""Values kept between builds: reused for the same content and context, recomputed for anything else."""

from __future__ import annotations

from kb_tools.store.memo import Memo


def _counting():
    calls: list[str] = []

    def compute(value: str):
        def run() -> str:
            calls.append(value)
            return value.upper()

        return run

    return calls, compute


def test_a_value_is_computed_once_and_reused_by_the_next_build(tmp_path):
    calls, compute = _counting()
    first = Memo(tmp_path, "t", "ctx")
    assert first.get("a", compute("a")) == "A"
    assert first.get("a", compute("a")) == "A"  # same build: no second computation
    first.save()
    second = Memo(tmp_path, "t", "ctx")
    assert second.get("a", compute("a")) == "A"
    assert calls == ["a"] and (second.hits, second.misses) == (1, 0)


def test_another_context_recomputes_everything(tmp_path):
    calls, compute = _counting()
    memo = Memo(tmp_path, "t", "ctx-1")
    memo.get("a", compute("a"))
    memo.save()
    assert Memo(tmp_path, "t", "ctx-2").get("a", compute("a")) == "A"
    assert calls == ["a", "a"]


def test_save_keeps_only_the_entries_this_build_used(tmp_path):
    calls, compute = _counting()
    memo = Memo(tmp_path, "t", "ctx")
    memo.get("old", compute("old"))
    memo.get("kept", compute("kept"))
    memo.save()
    memo = Memo(tmp_path, "t", "ctx")
    memo.get("kept", compute("kept"))
    memo.save()  # "old" was not used: dropped
    memo = Memo(tmp_path, "t", "ctx")
    memo.get("old", compute("old"))
    memo.get("kept", compute("kept"))
    assert calls == ["old", "kept", "old"]


def test_a_corrupt_or_unwritable_memo_only_costs_a_recomputation(tmp_path):
    calls, compute = _counting()
    (tmp_path / "memo-t.sqlite").write_bytes(b"not a database")
    memo = Memo(tmp_path, "t", "ctx")
    assert memo.get("a", compute("a")) == "A"
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    unwritable = Memo(blocked, "t", "ctx")
    assert unwritable.get("a", compute("a")) == "A"
    unwritable.save()  # no error
    assert calls == ["a", "a"]


def test_without_a_folder_nothing_is_stored(tmp_path):
    calls, compute = _counting()
    memo = Memo(None, "t", "ctx")
    memo.get("a", compute("a"))
    memo.save()
    Memo(None, "t", "ctx").get("a", compute("a"))
    assert calls == ["a", "a"]


def test_a_failed_build_leaves_the_stored_memo_as_it_was(tmp_path):
    calls, compute = _counting()
    memo = Memo(tmp_path, "t", "ctx")
    memo.get("a", compute("a"))
    memo.save()
    failed = Memo(tmp_path, "t", "ctx")
    failed.get("b", compute("b"))  # "a" unused: a save would drop it
    failed.discard()
    assert list(tmp_path.glob("*.tmp")) == []
    again = Memo(tmp_path, "t", "ctx")
    again.get("a", compute("a"))
    assert calls == ["a", "b"] and again.hits == 1


def test_the_file_a_killed_build_left_is_removed(tmp_path):
    dead = tmp_path / ".memo-t.sqlite.999999999.x1y2.tmp"  # no process has this id
    dead.write_bytes(b"half written")
    Memo(tmp_path, "t", "ctx").save()
    assert not dead.exists()


def test_after_save_values_are_computed_and_not_kept(tmp_path):
    calls, compute = _counting()
    memo = Memo(tmp_path, "t", "ctx")
    memo.save()
    assert memo.get("late", compute("late")) == "LATE"
    assert Memo(tmp_path, "t", "ctx").get("late", compute("late")) == "LATE"
    assert calls == ["late", "late"]


def test_a_reader_gives_what_the_last_save_stored_and_nothing_else(tmp_path):
    memo = Memo(tmp_path, "t", "ctx")
    memo.get("a", lambda: {"value": 1})
    assert memo.reader().get("a") is None  # not saved yet
    memo.save()
    reader = memo.reader()
    assert reader.get("a") == {"value": 1} and reader.get("b") is None
    reader.close()
    assert Memo(tmp_path, "t", "other").reader().get("a") is None  # another context
    assert Memo(None, "t", "ctx").reader().get("a") is None


def test_a_memo_without_a_folder_reads_back_what_this_build_computed():
    memo = Memo(None, "t", "ctx")
    memo.get("a", lambda: "A")
    memo.save()
    assert memo.reader().get("a") == "A"  # not computed a second time (page scans rely on this)
