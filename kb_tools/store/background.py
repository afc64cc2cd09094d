"""Run one build step in a forked child process, side by side with the rest of the build.

The search index is written by Whoosh's pure-Python writer, which holds the GIL: a thread would not
overlap with MkDocs rendering, but a second process does, on a second core. ``fork`` hands the child
the build's data (the check report, the APA citations) without pickling it.

The child dies with the build: ``cancel`` stops it (SIGTERM, so the step's own cleanup runs, then
SIGKILL), and on Linux the kernel kills it if the build process itself is killed (PR_SET_PDEATHSIG).
Where ``fork`` is missing the step simply runs in the calling process when ``wait`` is called.

A step that needs little of the build's data can hand over to a fresh interpreter
(``replace_process``): the fork's copy of the build's memory is then released, instead of
growing page by page as the child touches it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NoReturn

from ..core.errors import BuildError, KbError
from ..core.interrupts import raise_interrupt
from .files import libc

_PR_SET_PDEATHSIG = 1
_FD_VARIABLE = "KB_JOB_FD"  # tells a process started by ``replace_process`` where to report
_conn: Connection | None = None  # in a Job's child: the connection to the parent


def _die_with_parent(parent: int) -> None:
    prctl = getattr(libc(), "prctl", None)
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _child(parent: int, conn, step: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    global _conn
    _die_with_parent(parent)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())  # a fork inherits held signals: take them again
    # A collection would write to every object the fork shares with the build, copying all of its memory;
    # the step is short-lived (or hands over to a fresh interpreter), so cycles can wait for its exit.
    gc.disable()
    _conn = conn
    _run(conn, step, *args, **kwargs)


def _run(conn, step: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    signal.signal(signal.SIGTERM, raise_interrupt)  # ``cancel``: unwind, so the step removes its temporary files
    try:
        step(*args, **kwargs)
    except BaseException as exc:  # reported to the parent, which raises it as a build error
        conn.send(("error", isinstance(exc, KbError), f"{exc.__class__.__name__}: {exc}", str(exc)))
    else:
        conn.send(("ok",))
    finally:
        conn.close()


def in_child() -> bool:
    """True inside a Job's forked child (where ``replace_process`` may be called)."""
    return _conn is not None


def replace_process(module: str, *args: str, pass_fds: tuple[int, ...] = ()) -> NoReturn:
    """From a Job's step in its forked child: finish the step in ``python -m module *args`` instead.

    The new interpreter replaces this process (same pid, so ``wait`` and ``cancel`` still work, and it
    still dies with the build); it keeps ``pass_fds`` open and must call ``finish_in_process``.
    """
    if _conn is None:
        raise RuntimeError("replace_process is only for a Job's child")
    for fd in (_conn.fileno(), *pass_fds):
        os.set_inheritable(fd, True)
    package_root = str(Path(__file__).resolve().parents[2])  # so ``-m`` finds kb_tools however it was imported
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, _FD_VARIABLE: str(_conn.fileno()), "PYTHONPATH": path}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", module, *args], env)


def finish_in_process(step: Callable[..., Any], *args: Any) -> None:
    """Run the rest of a Job's step in a process ``replace_process`` started, and report to the build."""
    global _conn
    fd = os.environ.pop(_FD_VARIABLE, None)
    if fd is None or not fd.isdigit():
        raise SystemExit("this module is run by kb build, not by hand")
    _conn = Connection(int(fd))
    _run(_conn, step, *args)


def progress_sender() -> Callable[[int, int], None] | None:
    """In a Job's child: a callback that tells the build how far the step is, as (done, total); None elsewhere.

    It sends at most about a hundred messages however many items there are, so they wait in the pipe
    (far below its buffer) until ``Job.wait`` reads them, and never block the step.
    """
    conn = _conn
    if conn is None:
        return None
    sent = [-1]  # the last percentage sent

    def send(done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if percent > sent[0]:
            sent[0] = percent
            conn.send(("progress", done, total))

    return send


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

    def wait(self, on_progress: Callable[[int, int], None] | None = None) -> None:
        """Block until the step is done; raise ``BuildError`` with the step's own message if it failed.

        ``on_progress(done, total)`` gets the step's reports (``progress_sender``), those sent so far first.
        """
        if self._inline is not None:
            step, args, kwargs = self._inline
            self._inline = None
            step(*args, **kwargs)
            return
        if self._process is None:
            return
        while True:
            try:
                message = self._conn.recv()
            except EOFError:
                message = None
            if message is None or message[0] != "progress":
                break
            if on_progress is not None:
                on_progress(*message[1:])
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
