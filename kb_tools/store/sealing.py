"""Cache entries kb trusts: each one sealed with a key of the cache folder's own, made on this machine.

The caches under ``cache_dir`` hold pickles (``loadcache``, ``memo``): fast, but unpickling
runs whatever the bytes say, so a crafted ``.kb/cache/pages.pickle`` (committed to a KB's repository,
left in a shared folder) would run code during ``kb check``. So every entry kb writes is *sealed*: a keyed
BLAKE2b MAC of its bytes goes in front of them, and an entry is unpickled only if its MAC is right.

The key lives in the cache folder (``.kb-cache-key``: 32 random bytes, mode 0600, the user's own file,
never a link), and is bound to that very file: its device, inode and change time (which no archive or
copy can set) are part of the key. A cache copied in from elsewhere, key file and all, therefore has a
different key here, and its entries are recomputed, never unpickled; so are a cache's entries after its
key file is replaced. A key file that is not the user's own, or that others may read or write, is
replaced. Where no key file can be made, each process draws a key of its own: the cache then serves only
the process that wrote it (slower, never unsafe). kb writes nothing outside ``cache_dir`` for this.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

KEY_FILE = ".kb-cache-key"
MAC_SIZE = 32
_PROCESS_KEY = secrets.token_bytes(32)  # where the folder cannot hold a key


def key_for(folder: Path | None) -> bytes:
    """The sealing key of the cache in ``folder`` (its key file made or replaced as needed)."""
    if folder is None:
        return _PROCESS_KEY
    path = Path(folder) / KEY_FILE
    with contextlib.suppress(OSError):
        key = _read(path)
        if key is None:
            _make(path)
            key = _read(path)
        if key is not None:
            return key
    return _PROCESS_KEY


def _read(path: Path) -> bytes | None:
    """The key ``path`` gives, or None when it is missing or not to be trusted (then it is removed)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError:  # a link, or unreadable: not the key kb made
        path.unlink(missing_ok=True)
        return None
    try:
        st = os.fstat(fd)
        data = os.read(fd, 64)
    finally:
        os.close(fd)
    own = stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077
    if not own or len(data) != 32:
        path.unlink(missing_ok=True)
        return None
    return hashlib.blake2b(data + f"\0{st.st_dev}:{st.st_ino}:{st.st_ctime_ns}".encode(), digest_size=32).digest()


def _make(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{KEY_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secrets.token_bytes(32))
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # never replaces a key another process made meanwhile
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def seal(data: bytes, key: bytes) -> bytes:
    """``data`` with its MAC in front."""
    return hashlib.blake2b(data, key=key, digest_size=MAC_SIZE).digest() + data


def unseal(blob: bytes | None, key: bytes) -> bytes | None:
    """The data of a sealed blob, or None if it was not sealed with ``key``."""
    if not isinstance(blob, bytes | bytearray | memoryview) or len(blob) < MAC_SIZE:
        return None
    view = memoryview(blob)
    data = view[MAC_SIZE:]
    mac = hashlib.blake2b(data, key=key, digest_size=MAC_SIZE).digest()
    return bytes(data) if hmac.compare_digest(mac, bytes(view[:MAC_SIZE])) else None
