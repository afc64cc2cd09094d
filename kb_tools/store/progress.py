"""What ``kb build`` is doing: its stage, and for the long ones how far along it is.

The build's modules call ``stage(name, total)`` when a stage starts and ``advance(n)`` as items get done
(pages rendered, sources formatted, claims indexed). By default nothing is shown, so ``mkdocs build``,
``kb check`` and the tests see no change; ``kb build`` installs a reporter with ``reporting(...)``:

* on a terminal, a progress bar (``click.progressbar``) per counted stage, on stderr;
* otherwise (CI logs, pipes), plain lines on stderr: one when a stage starts, one when it ends (with its
  count and time), and in between one each time a counted stage passes another tenth of its total, if
  ``EVERY`` seconds have gone by since the last line (so a small site's build gets two lines a stage);
* with ``--quiet``, nothing.

``advance`` costs a lock and an addition; lines and bar redraws are rationed, so the hot paths (one call
per page or per claim) do no I/O of their own. Pandoc's chunks finish on worker threads, hence the lock.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO

import click


class Reporter:
    """Shows nothing: the default, and ``--quiet``."""

    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def finish(self, failed: bool = False) -> None:
        pass


class Lines(Reporter):
    """Plain lines for logs: ``kb build: writing pages: 250/2,510 (10%)``."""

    STEPS = 10  # a line per tenth of a counted stage...
    EVERY = 2.0  # ...at most every two seconds

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.lock = threading.Lock()
        self.name: str | None = None
        self.total: int | None = None
        self.done = 0
        self.shown = 0  # tenths already written
        self.started = self.last = 0.0

    def _line(self, text: str) -> None:
        print(f"kb build: {text}", file=self.out, flush=True)

    def stage(self, name: str, total: int | None = None) -> None:
        with self.lock:
            self._end()
            self.name, self.total, self.done, self.shown = name, total, 0, 0
            self.started = self.last = time.perf_counter()
            self._line(f"{name} ({total:,})..." if total else f"{name}...")

    def advance(self, n: int = 1) -> None:
        with self.lock:
            if not self.total:
                return
            self.done += n
            tenth = min(self.STEPS, self.done * self.STEPS // self.total)
            if tenth > self.shown and self.done < self.total and time.perf_counter() - self.last >= self.EVERY:
                self.shown, self.last = tenth, time.perf_counter()
                self._line(f"{self.name}: {self.done:,}/{self.total:,} ({100 * self.done // self.total}%)")

    def _end(self, failed: bool = False) -> None:
        if self.name is None:
            return
        took = f"{time.perf_counter() - self.started:.1f} s"
        count = f"{min(self.done, self.total):,}/{self.total:,}, " if self.total else ""
        self._line(f"{self.name}: {'stopped' if failed else 'done'} ({count}{took})")
        self.name = None

    def finish(self, failed: bool = False) -> None:
        with self.lock:
            self._end(failed)


class Bar(Lines):
    """A progress bar per counted stage on a terminal; a stage without a count is one line."""

    def __init__(self, out: IO[str]) -> None:
        super().__init__(out)
        self.bar = None

    def stage(self, name: str, total: int | None = None) -> None:
        with self.lock:
            self._end()
            self.name, self.total, self.done = name, total, 0
            self.started = time.perf_counter()
            if total:
                steps = max(1, total // 200)  # redraw at most 200 times
                self.bar = click.progressbar(
                    length=total, label=f"kb build: {name}", file=self.out, show_pos=True, update_min_steps=steps
                )
                self.bar.__enter__()
            else:
                self._line(f"{name}...")

    def advance(self, n: int = 1) -> None:
        with self.lock:
            if self.bar is not None:
                self.done += n
                self.bar.update(n)

    def _end(self, failed: bool = False) -> None:
        if self.bar is not None:
            bar, self.bar = self.bar, None
            if not failed:
                bar.update(max(0, bar.length - bar.pos))  # land on the total
            bar.__exit__(None, None, None)
        self.name = None


_current: Reporter = Reporter()


def stage(name: str, total: int | None = None) -> None:
    """A new stage of the build begins (``total``: how many items it will count, if known)."""
    _current.stage(name, total)


def advance(n: int = 1) -> None:
    """``n`` more items of the current stage are done."""
    _current.advance(n)


def counted(name: str):
    """A callback for progress reported as (done, total) pairs, e.g. from the index writer's process:
    the stage starts at the first report, and each later one advances it by the difference."""
    seen = [-1]

    def report(done: int, total: int) -> None:
        if seen[0] < 0:
            stage(name, total)
            seen[0] = 0
        if done > seen[0]:
            advance(done - seen[0])
            seen[0] = done

    return report


def reporter_for(quiet: bool, out: IO[str] | None = None) -> Reporter:
    """The reporter ``kb build`` uses: none with ``quiet``, a bar on a terminal, plain lines otherwise."""
    out = out if out is not None else sys.stderr
    if quiet:
        return Reporter()
    return Bar(out) if isatty(out) else Lines(out)


def isatty(out: IO[str]) -> bool:
    """Whether ``out`` is a terminal (False for a closed or replaced stream)."""
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def console_warnings(logger: logging.Logger, only_if_none: bool = False) -> logging.Handler | None:
    """Show a docs engine's warnings on stderr as its own command line would (None when ``only_if_none`` and
    ``logger`` has a handler already); the caller removes the handler it gets."""
    if only_if_none and logger.handlers:
        return None
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logger.addHandler(handler)
    return handler


@contextlib.contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    """Install ``reporter`` for the block (the last stage is closed at the end, however it ends)."""
    global _current
    previous, _current = _current, reporter
    failed = True
    try:
        yield reporter
        failed = False
    finally:
        _current = previous
        reporter.finish(failed)
