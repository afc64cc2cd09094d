"""Derived values kept between builds, so a rebuild only recomputes what its inputs changed.

A ``Memo`` is a dict in one pickle under ``cache_dir``. Each entry is keyed by the content it was
computed from (a page's text, a claim's words and sources); the whole file is keyed by a *context*:
whatever every entry depends on besides its own key (kb_tools' code, the APA formatting of the
bibliography, the URL style). A different context starts from an empty memo.

``save`` writes only the entries this build used, so the file never keeps values for content that is
gone. Like ``kb_tools.cache``, it is an optimisation only: a missing, corrupt or unwritable file means
recomputing, never a wrong value, and files are replaced atomically.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from .cache import read_pickle, write_pickle

_CODE = Path(__file__).parent


@cache
def code_key() -> str:
    """kb_tools' own code, templates and assets (read once per process): a new kb_tools recomputes everything."""
    h = hashlib.sha256()
    for p in sorted(_CODE.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(_CODE)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def digest(*parts: Any) -> str:
    """A short content hash of ``parts`` (strings, bytes, or anything with a stable ``repr``)."""
    h = hashlib.blake2b(digest_size=16)
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


class Memo:
    """``get(key, compute)``: the stored value for ``key``, or ``compute()`` stored for the next build."""

    def __init__(self, folder: Path | None, name: str, context: str) -> None:
        self.path = folder / f"memo-{name}.pickle" if folder is not None else None
        self.context = context
        stored = read_pickle(self.path) if self.path is not None else None
        ok = isinstance(stored, tuple) and len(stored) == 2 and stored[0] == context and isinstance(stored[1], dict)
        self._old: dict = stored[1] if ok else {}
        self._new: dict = {}
        self.hits = self.misses = 0

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        if key in self._new:
            return self._new[key]
        if key in self._old:
            self.hits += 1
            value = self._new[key] = self._old.pop(key)
            return value
        self.misses += 1
        value = self._new[key] = compute()
        return value

    def save(self) -> None:
        """Keep this build's entries (and only those) for the next one."""
        # unchanged when every entry was found and used: the stored file already is this build's memo
        if self.path is not None and (self.misses or self._old):
            write_pickle(self.path, (self.context, self._new))
