"""Fingerprints of folders: what they hold, so a build can tell that nothing it reads or wrote has changed.

``tree_digest`` hashes every file under a folder by its content (files over ``BIG`` bytes, such as downloaded
retraction data, by size, modification and change times and inode instead: the system sets the change time on
every write, and nobody edits those files), each symbolic link by its target too, with each link to a folder
followed once. ``listing_digest`` hashes a folder's entries by their status only: for output folders whose
every file kb wrote, where a change by anyone else must be noticed, not read.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

BIG = 8 * 1024 * 1024  # above this, a file is known by its status, not read on every build


def tree_digest(folders: Iterable[Path], skip: Callable[[Path], bool] = lambda p: False) -> str:
    """A digest of every file under ``folders`` (or of a file given itself), content and names; ``skip(path)``
    leaves a file or folder out. A folder that does not exist counts as absent, which differs from empty."""
    h = hashlib.blake2b(digest_size=16)
    seen: set[tuple[int, int]] = set()
    for folder in folders:
        h.update(os.fsencode(str(folder)) + b"\0")
        for rel, sig in _entries(folder, skip, seen):
            h.update(os.fsencode(rel) + b"\0" + sig + b"\0")
    return h.hexdigest()


def listing_digest(folder: Path) -> str:
    """A digest of the names and status (size, modification time, inode) of everything under ``folder``."""
    h = hashlib.blake2b(digest_size=16)
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files + dirs):
            path = os.path.join(root, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            entry = f"{os.path.relpath(path, folder)}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\0"
            h.update(os.fsencode(entry))
    return h.hexdigest()


def _entries(top: Path, skip: Callable[[Path], bool], seen: set[tuple[int, int]]) -> Iterator[tuple[str, bytes]]:
    """(path relative to ``top``, signature) for every file under ``top``, in a fixed order."""
    try:
        st = os.stat(top)
    except OSError:
        yield "", b"absent"
        return
    if not stat.S_ISDIR(st.st_mode):
        yield "", _file_signature(top, st)
        return
    if (st.st_dev, st.st_ino) in seen:  # a link back into a folder already hashed
        yield "", b"seen"
        return
    seen.add((st.st_dev, st.st_ino))
    try:
        names = sorted(os.listdir(top))
    except OSError as exc:
        yield "", f"unreadable {exc.errno}".encode()
        return
    for name in names:
        path = top / name
        if skip(path):
            continue
        link = os.readlink(path).encode("utf-8", "surrogateescape") if os.path.islink(path) else b""
        if link:
            yield name, b"link " + link
        for rel, sig in _entries(path, skip, seen):
            yield (f"{name}/{rel}" if rel else name), sig


def _file_signature(path: Path, st: os.stat_result) -> bytes:
    if not stat.S_ISREG(st.st_mode):
        return f"special {st.st_mode}".encode()
    if st.st_size > BIG:
        return f"big {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns} {st.st_ino}".encode()
    h = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError as exc:
        return f"unreadable {exc.errno}".encode()
    return h.digest()
