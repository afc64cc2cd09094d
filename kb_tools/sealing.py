"""Cache entries kb trusts: each one sealed with a key only this user's kb has.

The caches under ``cache_dir`` hold pickles (``kb_tools.cache``, ``kb_tools.memo``): fast, but unpickling
runs whatever the bytes say, so a crafted ``.kb/cache/pages.pickle`` (committed to a KB's repository,
left in a shared folder) would run code during ``kb check``. So every entry kb writes is *sealed*: a keyed
BLAKE2b MAC of its bytes goes in front of them, and an entry is unpickled only if its MAC is right.

The key is the user's, not the cache's, so a cache copied in from elsewhere, key and all, is never
trusted: 32 random bytes in ``$XDG_STATE_HOME/kb/cache-key`` (``~/.local/state/kb/cache-key``), made
on first use with mode 0600 in a 0700 folder, and used only while it is still the user's own file and
no one else can write it. Where it cannot be made or read, each process draws a key of its own: the
caches then only serve the process that wrote them (slower, never unsafe).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from functools import cache
from pathlib import Path

MAC_SIZE = 32


def key_path() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "kb" / "cache-key"


@cache
def cache_key_bytes() -> bytes:
    """This user's sealing key (made on first use), or a key for this process alone."""
    with contextlib.suppress(OSError, RuntimeError):
        path = key_path()
        if not path.exists():
            _make(path)
        return _read(path) or secrets.token_bytes(32)
    return secrets.token_bytes(32)


def _make(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
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


def _read(path: Path) -> bytes | None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        st = os.fstat(fd)
        if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or not stat.S_ISREG(st.st_mode):
            return None  # not the user's own key: anyone could have written it
        data = os.read(fd, 64)
    finally:
        os.close(fd)
    return data if len(data) >= 32 else None


def _mac(data: bytes | memoryview) -> bytes:
    return hashlib.blake2b(data, key=cache_key_bytes(), digest_size=MAC_SIZE).digest()


def seal(data: bytes) -> bytes:
    """``data`` with its MAC in front."""
    return _mac(data) + data


def unseal(blob: bytes | None) -> bytes | None:
    """The data of a sealed blob, or None if it was not sealed with this user's key."""
    if not isinstance(blob, bytes | bytearray) or len(blob) < MAC_SIZE:
        return None
    view = memoryview(blob)
    data = view[MAC_SIZE:]
    if not hmac.compare_digest(_mac(data), bytes(view[:MAC_SIZE])):
        return None
    return bytes(data)
