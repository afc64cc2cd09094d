"""Run one build step in a forked child process, side by side with the rest of the build.

The search index is written by Whoosh's pure-Python writer, which holds the GIL: a thread would not
overlap with MkDocs rendering, but a second process does, on a second core. ``fork`` hands the child
the build's data (the check report, the APA citations) without pickling it.

The child dies with the build: ``cancel`` stops it (SIGTERM, so the step's own cleanup runs, then
SIGKILL), and on Linux the kernel kills it if the build process itself is killed (PR_SET_PDEATHSIG).
Where ``fork`` is missing the step simply runs in the calling process when ``wait`` is called.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
from collections.abc import Callable
from typing import Any

from .errors import BuildError, KbError

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _child(parent: int, conn, step: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    _die_with_parent(parent)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())  # a fork inherits held signals: take them again
    signal.signal(signal.SIGTERM, _interrupt)  # ``cancel``: unwind, so the step removes its temporary files
    try:
        step(*args, **kwargs)
    except BaseException as exc:  # reported to the parent, which raises it as a build error
        conn.send(("error", isinstance(exc, KbError), f"{exc.__class__.__name__}: {exc}", str(exc)))
    else:
        conn.send(("ok",))
    finally:
        conn.close()


class Job:
    """One step running in a child process; ``wait`` returns once it is done or raises ``BuildError``."""

    def __init__(self, name: str, step: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.name = name
        self._inline: tuple | None = None
        self._process = None
        try:
            context = multiprocessing.get_context("fork")
        except ValueError:
            self._inline = (step, args, kwargs)
            return
        self._conn, child_conn = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_child, args=(os.getpid(), child_conn, step, args, kwargs), name=f"kb {name}", daemon=True
        )
        self._process.start()
        child_conn.close()

    def wait(self) -> None:
        """Block until the step is done; raise ``BuildError`` with the step's own message if it failed."""
        if self._inline is not None:
            step, args, kwargs = self._inline
            self._inline = None
            step(*args, **kwargs)
            return
        if self._process is None:
            return
        try:
            message = self._conn.recv()
        except EOFError:
            message = None
        self._process.join()
        code, self._process = self._process.exitcode, None
        self._conn.close()
        if message is None:
            raise BuildError(f"the {self.name} stopped without finishing (exit code {code}); nothing was replaced")
        if message[0] == "error":
            _, ours, described, text = message
            raise BuildError(text if ours else f"the {self.name} failed ({described})")

    def cancel(self) -> None:
        """Stop the step if it still runs (a build that failed elsewhere, or was interrupted)."""
        self._inline = None
        process, self._process = self._process, None
        if process is None:
            return
        if process.is_alive():
            process.terminate()
            process.join(10)
            if process.is_alive():
                process.kill()
        process.join()
        self._conn.close()
