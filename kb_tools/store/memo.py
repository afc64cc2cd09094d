"""Derived values kept between builds, so a rebuild only recomputes what its inputs changed.

A ``Memo`` is a table in one SQLite file under ``cache_dir``. Each entry is keyed by the content it was
computed from (a page's text, a claim's words and sources); the whole file is keyed by a *context*:
whatever every entry depends on besides its own key (the APA formatting of the bibliography, the URL
style), always with kb_tools' code and its tools' versions (``storage.cache_key``). A different context
starts from an empty memo.

Entries stay on disk, not in memory: a large KB's rendered pages would otherwise be held twice, once by
the memo and once by MkDocs. ``get`` copies each entry it uses into a new file, and ``save`` puts that
file in place of the old one, so the memo never keeps values for content that is gone. Like
``kb_tools.store.loadcache``, it is an optimisation only: a missing, corrupt or unwritable file means
recomputing, never a wrong value, and files are replaced atomically. Each value is sealed with the
cache's own key (``kb_tools.store.sealing``): one kb did not write here is never unpickled.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .files import cache_key, clear_stale, code_digest, temp_beside
from .files import digest as digest  # for the memos' users: the key of a memo's content
from .sealing import key_for, seal, unseal

_SCHEMA = "CREATE TABLE memo (k BLOB PRIMARY KEY, v BLOB NOT NULL); CREATE TABLE context (c TEXT NOT NULL);"
code_key = code_digest  # for the memos' users: kb_tools' code


def _key(key: Any) -> bytes:
    # pickle of tuples of str/int/None is deterministic; the digest keeps the table's keys small
    return hashlib.blake2b(pickle.dumps(key, protocol=5), digest_size=16).digest()


def _loads(blob: Any, key: bytes) -> Any:
    """A stored value, or None where the entry was not sealed with this cache's key (never unpickled)."""
    data = unseal(blob, key)
    return pickle.loads(data) if data is not None else None  # noqa: S301 - sealed by kb, here


class Memo:
    """``get(key, compute)``: the stored value for ``key``, or ``compute()`` stored for the next build.

    Open a memo after any ``fork``: an SQLite connection must not cross into a child process.
    """

    def __init__(self, folder: Path | None, name: str, context: str) -> None:
        self.path = folder / f"memo-{name}.sqlite" if folder is not None else None
        self.context = context
        self._seal = key_for(folder)
        self.hits = self.misses = 0
        self._mem: dict[bytes, Any] | None = None  # without a usable folder: this build only
        self._old = self._new = None
        self._tmp: Path | None = None
        self._stored = False  # ``save`` put this build's file in place
        try:
            self._open()
        except (OSError, sqlite3.Error):
            self._close()
            self._mem = {}

    def _open(self) -> None:
        if self.path is None:
            raise OSError("no cache folder")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        clear_stale(self.path)  # left by a killed build
        if self.path.exists():
            with contextlib.suppress(sqlite3.Error):
                old = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
                row = old.execute("SELECT c FROM context").fetchone()
                if row is not None and row[0] == cache_key(self.context):
                    self._old = old
                else:
                    old.close()
        self._tmp = temp_beside(self.path)
        self._new = sqlite3.connect(self._tmp, check_same_thread=False)
        self._new.execute("PRAGMA journal_mode=OFF")  # a new file, renamed into place only when complete
        self._new.execute("PRAGMA synchronous=OFF")
        self._new.executescript(_SCHEMA)
        self._new.execute("INSERT INTO context VALUES (?)", (cache_key(self.context),))

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        k = _key(key)
        if self._mem is not None:
            if k not in self._mem:
                self.misses += 1
                self._mem[k] = compute()
            return self._mem[k]
        row = self._new.execute("SELECT v FROM memo WHERE k = ?", (k,)).fetchone()
        if row is not None:
            return _loads(row[0], self._seal)
        row = self._lookup(k)
        data = unseal(row[0], self._seal) if row is not None else None
        if data is not None:
            self.hits += 1
            self._new.execute("INSERT INTO memo VALUES (?, ?)", (k, row[0]))
            return pickle.loads(data)  # noqa: S301 - sealed by kb, here
        self.misses += 1
        value = compute()
        self._new.execute("INSERT INTO memo VALUES (?, ?)", (k, seal(pickle.dumps(value, protocol=5), self._seal)))
        return value

    def _lookup(self, k: bytes):
        if self._old is None:
            return None
        try:
            return self._old.execute("SELECT v FROM memo WHERE k = ?", (k,)).fetchone()
        except sqlite3.Error:  # a corrupt file: recompute from here on
            self._old.close()
            self._old = None
            return None

    def save(self) -> None:
        """Keep this build's entries (and only those) for the next one."""
        if self._new is None:
            return
        try:
            self._new.commit()
            self._close()
            os.replace(self._tmp, self.path)
            self._stored = True
        except (OSError, sqlite3.Error):
            self.discard()

    def discard(self) -> None:
        """Drop this build's entries (a failed build): the stored memo stays as it was."""
        self._close()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)

    def reader(self) -> MemoReader:
        """Read access to what ``save`` stored (call after it), without holding the values in memory; a memo
        that could not be stored (no usable folder) gives the values it holds."""
        if self._stored:
            return MemoReader(self.path, self.context)
        return MemoReader(None, self.context, values=self._mem or {})

    def _close(self) -> None:
        for conn in (self._old, self._new):
            if conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
        self._old = self._new = None
        if self._mem is None:
            self._mem = {}  # used after ``save``: compute, keep nothing


class MemoReader:
    """A saved memo's values, read one at a time from its file (``None`` where there is none)."""

    def __init__(self, path: Path | None, context: str, values: dict[bytes, Any] | None = None) -> None:
        self._conn = None
        self._values = values  # kept in memory by a memo without a file
        if path is None or not path.exists():
            return
        self._seal = key_for(path.parent)
        with contextlib.suppress(sqlite3.Error):
            # one build may read it from MkDocs' serve thread: never at the same time, so not checked
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            row = conn.execute("SELECT c FROM context").fetchone()
            if row is not None and row[0] == cache_key(context):
                self._conn = conn
            else:
                conn.close()

    def get(self, key: Any) -> Any | None:
        if self._values is not None:
            return self._values.get(_key(key))
        if self._conn is None:
            return None
        try:
            row = self._conn.execute("SELECT v FROM memo WHERE k = ?", (_key(key),)).fetchone()
            return _loads(row[0], self._seal) if row is not None else None
        except (sqlite3.Error, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
            return None  # unreadable: the caller computes the value

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None
