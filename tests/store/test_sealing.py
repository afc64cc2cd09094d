"""Nothing kb reads from its cache runs code (``kb_tools.store.sealing``), and a ``cache_dir`` outside the KB
folder must be a kb cache already, or empty (issue 23 item 9)."""

from __future__ import annotations

import os
import pickle
import sqlite3

import pytest
from click.testing import CliRunner

from kb_tools.cli import cli
from kb_tools.store.memo import Memo


class Payload:
    """Unpickling this creates ``path``: the stand-in for any code a crafted cache file would run."""

    def __init__(self, path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_a_crafted_cache_file_runs_nothing(base_kb, tmp_path):
    assert run("check", str(base_kb)).exit_code == 0  # a warm cache: every file kb check reads is there
    cache = base_kb / ".kb" / "cache"
    crafted = sorted(cache.glob("*.pickle"))
    assert {p.name for p in crafted} >= {"pages.pickle", "sources.pickle", "records.pickle"}
    for p in crafted:
        p.write_bytes(pickle.dumps(Payload(tmp_path / f"ran-{p.stem}")))
    result = run("check", str(base_kb))
    assert result.exit_code == 0, result.output
    assert sorted(tmp_path.glob("ran-*")) == []
    assert run("check", str(base_kb)).exit_code == 0  # and the files are kb's own again


def test_a_crafted_memo_entry_runs_nothing(tmp_path):
    memo = Memo(tmp_path, "t", "context")
    assert memo.get("k", lambda: "value") == "value"
    memo.save()
    with sqlite3.connect(tmp_path / "memo-t.sqlite") as db:
        db.execute("UPDATE memo SET v = ?", (pickle.dumps(Payload(tmp_path / "ran")),))
    assert memo.reader().get("k") is None  # read back by a later stage: not unpickled
    again = Memo(tmp_path, "t", "context")
    assert again.get("k", lambda: "recomputed") == "recomputed"
    assert not (tmp_path / "ran").exists()


def test_memo_entries_survive_between_runs(tmp_path):
    first = Memo(tmp_path, "t", "context")
    first.get("k", lambda: {"a": (1, 2)})
    first.save()
    second = Memo(tmp_path, "t", "context")
    assert second.get("k", lambda: "recomputed") == {"a": (1, 2)} and second.hits == 1


def test_the_sealing_key_is_the_caches_own_file(tmp_path):
    from kb_tools.store import sealing

    key = sealing.key_for(tmp_path)
    path = tmp_path / sealing.KEY_FILE
    assert os.stat(path).st_mode & 0o777 == 0o600 and sealing.key_for(tmp_path) == key
    assert sealing.unseal(sealing.seal(b"x", key), key) == b"x" and sealing.unseal(b"\0" * 32 + b"x", key) is None
    os.chmod(path, 0o644)  # others may read it: replaced, and what it sealed is recomputed
    assert sealing.key_for(tmp_path) != key and os.stat(path).st_mode & 0o777 == 0o600


def test_a_cache_copied_in_with_its_key_is_not_trusted(base_kb, tmp_path):
    """A KB shipped with its .kb/cache, key file and all (an archive keeps modes): the key is bound to the file
    kb made (its inode and change time), so the copy's seals do not hold and nothing in it is unpickled."""
    import shutil

    from kb_tools.store import sealing

    assert run("check", str(base_kb)).exit_code == 0
    cache = base_kb / ".kb" / "cache"
    key = sealing.key_for(cache)
    for p in cache.glob("*.pickle"):  # crafted by someone who has the key file
        p.write_bytes(sealing.seal(pickle.dumps(Payload(tmp_path / f"ran-{p.stem}")), key))
    copy = tmp_path / "copy"
    shutil.copytree(base_kb, copy)
    assert run("check", str(copy)).exit_code == 0
    assert sorted(tmp_path.glob("ran-*")) == []


def _set_cache_dir(kb, value: str) -> None:
    text = (kb / "mkdocs.yml").read_text(encoding="utf-8")
    (kb / "mkdocs.yml").write_text(text.replace("  - kb:\n", f"  - kb:\n      cache_dir: {value}\n", 1))


def test_a_cache_dir_outside_the_kb_holding_other_files_is_refused(base_kb, tmp_path):
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "passwd").write_text("root:x:0:0\n")
    _set_cache_dir(base_kb, str(etc))
    result = run("check", str(base_kb))
    assert result.exit_code == 2 and "cache_dir" in result.output and "not a kb cache" in result.output
    assert sorted(p.name for p in etc.iterdir()) == ["passwd"]  # kb wrote nothing there


@pytest.mark.parametrize("exists", [False, True])
def test_a_new_or_empty_cache_dir_outside_the_kb_becomes_a_kb_cache(base_kb, tmp_path, exists):
    cache = tmp_path / "shared-cache"
    if exists:
        cache.mkdir()
    _set_cache_dir(base_kb, str(cache))
    assert run("check", str(base_kb)).exit_code == 0
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (cache / "pages.pickle").is_file()
    assert run("check", str(base_kb)).exit_code == 0  # a kb cache now: used again
