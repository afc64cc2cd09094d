"""Stage 6 of the pipeline, publishing: the site and search index are built into staging folders and
swapped in (``publish``), once the engine has rendered both into their staging folders.

The previous ``site/`` and index stay untouched until a build has completed:
MkDocs writes into a temporary folder next to ``site/`` (same file system, so
the swap is a rename), and the search index into one next to ``index_dir``.
Any failure removes the staging folders and raises ``BuildError``; the site is
swapped in first and put back if the index then cannot be. A build that was
killed outright leaves its staging folders behind; the next build removes them
(holding a lock in ``cache_dir``, so it never removes a running build's).
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from ..config.kbconfig import KbConfig
from ..core.errors import BuildError, ConfigError
from ..core.interrupts import interrupted
from ..index.schema import META_FILE
from ..load import docsfiles
from ..site import csp as inlinescripts
from ..site import incremental
from ..store import progress
from ..store.files import put_back, refuse_to_replace, swap_in
from . import sitedir


def staging_dir(target: Path) -> Path:
    """An empty folder next to ``target``, so swapping it in is a rename on the same file system."""
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    sitedir.open_to_umask(folder)  # published as the user's other folders are, not 0700
    return folder


def clear_leftovers(target: Path) -> None:
    """Staging and old folders that a killed build left next to ``target`` (an old one goes back if it is missing)."""
    if not target.parent.is_dir():
        return
    olds = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime_ns)
    if olds and not target.exists():
        olds.pop().rename(target)  # killed between the two renames of a swap
    for p in target.parent.iterdir():
        if p.name.startswith((f".{target.name}.building-", f"..{target.name}.building-", f".{target.name}.old-")):
            shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done, so a folder is never made or swapped without its cleanup."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # a held signal is handled here, after the block


@contextlib.contextmanager
def build_lock(config: KbConfig) -> Iterator[bool]:
    """Hold ``cache_dir/build.lock`` for a build; yields False when another build holds it (it does not wait)."""
    try:
        config.cache_path.mkdir(parents=True, exist_ok=True)
        handle = open(config.cache_path / "build.lock", "a+b")  # noqa: SIM115 - closed below
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            alone = True
        except OSError:
            alone = False
        yield alone
    finally:
        handle.close()  # releases the lock


def publish(config: KbConfig, engine: str, render: Callable[[Path, Path], None]) -> None:
    """``render(site_dir, index_dir)`` (by ``engine``) into staging folders, then swap both in for the live
    site and index.

    Holds the build lock meanwhile; leftovers of killed builds are removed first when no other build runs.
    """
    refuse_to_replace(config.index_path, META_FILE, "index_dir")  # before building: it is replaced at the end
    sitedir.refuse_foreign(config.site_path)  # so is the site, but for the files MkDocs would keep
    refuse_loops(config)
    with build_lock(config) as alone:
        if alone:
            clear_leftovers(config.site_path)
            clear_leftovers(config.index_path)
        _build_and_swap(config, engine, render, config.site_path)


def refuse_loops(config: KbConfig) -> None:
    """A link in ``docs/`` back to a folder that holds it stops the build whatever its finding's severity: the
    engines follow links, and would walk ``docs/loop/loop/...`` without end."""
    loops = [rel for rel, _target, loop in docsfiles.walk(config.root, config.docs_path).outside if loop]
    if loops:
        raise BuildError(
            f"{config.docs_dir}/{loops[0]}:1: a symbolic link back to a folder that contains it, which the site "
            "engine would follow without end; remove the link"
        )


def _build_and_swap(config: KbConfig, engine: str, render: Callable[[Path, Path], None], site: Path) -> None:
    staged: list[Path] = []
    old_site = None
    try:
        with contextlib.suppress(OSError):  # a pending manifest of a build that failed describes no site
            (config.cache_path / (incremental.MANIFEST + ".pending")).unlink()
        with signals_deferred():
            staged.append(staging_dir(site))
            staged.append(staging_dir(config.index_path))
        staged_site, staged_index = staged
        render(staged_site, staged_index)
        if not (staged_site / "index.html").is_file() and not any(staged_site.iterdir()):
            raise BuildError(f"{engine} wrote nothing; the previous site is unchanged")
        if config.static_headers:
            inlinescripts.write_headers(staged_site)  # the CSP for static hosts that read _headers
        sitedir.finish(staged_site, site)  # the new site's list of files, and the live site's dotfiles and CNAME
        progress.stage("publishing the new site and index")
        with signals_deferred():  # publishing takes two renames; an interrupt waits until both are done or undone
            incremental.before_swap(config.cache_path)  # the live site is about to change
            old_site = swap_in(staged_site, site, keep_old=True)
            try:
                if any(staged_index.iterdir()):
                    swap_in(staged_index, config.index_path)
            except BaseException:
                put_back(old_site, site)  # the new site without its index would answer searches from the old one
                old_site = None
                raise
            incremental.commit(config.cache_path)  # the new site's manifest, only now that it is live
    except BaseException as exc:
        if isinstance(exc, BuildError | ConfigError | KeyboardInterrupt):
            raise
        if interrupted(exc):  # a signal in a class body reaches here wrapped (RuntimeError from __set_name__)
            raise KeyboardInterrupt from exc
        raise BuildError(f"the build failed ({exc.__class__.__name__}: {exc}); the previous site is unchanged") from exc
    finally:
        for d in staged:  # whatever was not swapped in
            shutil.rmtree(d, ignore_errors=True)
        if old_site is not None:
            shutil.rmtree(old_site, ignore_errors=True)
