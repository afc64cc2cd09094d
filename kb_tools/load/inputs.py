"""Every input ``kb check`` reads, and one key of them all: equal keys, equal reports.

``snapshot(config, today)`` lists the inputs the way the load stage and the check find them (the same
functions do the listing) and hashes each one's bytes:

* ``mkdocs.yml``'s bytes and the ``KbConfig`` read from it (``load_config`` runs before any of this);
* the pages under ``docs_dir`` (``docsfiles.walk`` and ``docsfiles.pages_of``: links that stay in the KB
  followed, hidden folders skipped) and the links that leave the KB (each a finding);
* the bibliography and findings-record files (``config.bib_files()``, ``config.record_files()``);
* ``lay_terms.yml``, the Retraction Watch files (``retractions.files``) and the CSL style's file;
* today's date (``stale-review`` and a future-dated ``notice_acknowledged`` depend on it), the Python
  version, and ``cache_key``'s kb_tools code digest and library versions.

Each file's name goes in with its content's hash, so a file added, removed, renamed or edited changes the
key; so does a file that cannot be read (its error goes in). Contents are hashed, never trusted by their
times: a stat shortcut (mtime and size, as git's index keeps) misses an edit made within the clock's
granularity of the last hash unless it also handles git's "racy" case, and reading and hashing M's 6 MB
takes about 25 ms. ``Snapshot.stats`` records each file's inode, size, mtime and ctime only to tell whether
anything was written *while* a check ran (``stable``).

To reuse the key (e.g. for a build's "nothing changed" path): ``inputs_key(config, today)`` is enough for
anything that depends only on what the check reads. A build depends on more: the other files under
``docs_dir`` (images, CSS), the theme and its overrides, pandoc's version (``cache_key(pandoc=True)``),
the engine; combine those with this key (``store.files.digest(inputs_key(...), ...)``), and compare two
snapshots around the work, as ``check.outcome.check_outcome`` does, before storing anything under the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..config.kbconfig import KbConfig
from ..config.styles import collection_path, names_file
from ..store.files import cache_key
from . import docsfiles
from .layterms import LAY_TERMS_FILE

_VERSION = "inputs-1"  # what the key is made of: change it when this module starts hashing something else


@dataclass(frozen=True)
class Snapshot:
    """The key of every input's content, and each file's identity and times when it was read."""

    key: str
    stats: tuple[tuple, ...]

    def stable(self, later: Snapshot) -> bool:
        """Whether ``later`` (taken after some work) shows the same inputs and no file written in between:
        only then may the work's result be stored under ``key``."""
        return self == later


def inputs_key(config: KbConfig, today: dt.date) -> str:
    """The key of everything ``kb check`` reads on ``today`` (see the module's docstring)."""
    return snapshot(config, today).key


def snapshot(config: KbConfig, today: dt.date) -> Snapshot:
    """Hash every input now (see the module's docstring)."""
    h = hashlib.blake2b(digest_size=32)
    stats: list[tuple] = []

    def put(*parts: str) -> None:
        for p in parts:  # no name holds a NUL byte, and contents go in as fixed-length digests: unambiguous
            h.update(p.encode("utf-8", "surrogatepass") + b"\0")

    put(_VERSION, cache_key(), platform.python_version(), today.isoformat(), repr(config))
    for section, path, name in _inputs(config):
        if path is None:  # a fact the listing gave, not a file
            put(section, name)
            continue
        digest, ident = _read(path)
        put(section, name, digest)
        stats.append((name, *ident))
    return Snapshot(h.hexdigest(), tuple(stats))


def _inputs(config: KbConfig) -> Iterator[tuple[str, Path | None, str]]:
    """(section, path, name in the key) of every input file, and (section, None, fact) for what a listing
    found besides files; a listing that differs changes the key."""
    root = config.root
    yield "config", config.config_file, config.config_file.name
    tree = docsfiles.walk(root, config.docs_path)
    for rel, target, loops in tree.outside:  # not read, but each is a finding
        yield "outside", None, repr((rel, target, loops))
    for path, rel in docsfiles.pages_of(tree):
        yield "page", path, rel
    for path in config.bib_files():
        yield "bib", path, str(path)
    for path in config.record_files():
        yield "record", path, str(path)
    yield "lay-terms", root / LAY_TERMS_FILE, LAY_TERMS_FILE
    if config.retractions:
        from . import retractions  # its reading machinery is for the check; a KB without the data skips it

        found, unmatched = retractions.files(config)
        for path in found:
            yield "retractions", path, str(path)
        for f in unmatched:  # a pattern that matches no file is a finding
            yield "retractions-unmatched", None, repr(f)
    style = (root / config.csl).resolve() if names_file(config.csl) else collection_path(config.csl.lower())
    yield "csl", style, str(style)


def _read(path: Path) -> tuple[str, tuple]:
    """The file's content hash and (inode, size, mtime, ctime) as it was read; for a missing or unreadable
    file, what went wrong (the load stage reports it, and the report depends on it)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO would wait for a writer for ever
        try:
            st = os.fstat(fd)  # of the file read, even if the path is replaced meanwhile
            if not stat.S_ISREG(st.st_mode):  # a folder, a FIFO, a device: the loader reads none
                return "not a file", ()
            digest = hashlib.file_digest(os.fdopen(fd, "rb", closefd=False), _hasher).hexdigest()
        finally:
            os.close(fd)
    except FileNotFoundError:
        return "missing", ()
    except OSError as exc:
        return f"unreadable: {exc.errno}", ()
    return digest, (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _hasher():
    return hashlib.blake2b(digest_size=16)
