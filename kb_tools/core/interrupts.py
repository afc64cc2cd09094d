"""Interrupts: SIGTERM stops a build the way Ctrl-C does, so every stage unwinds and removes its temporary files."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


def raise_interrupt(signum, frame):
    """A signal handler that raises ``KeyboardInterrupt`` (``signal.signal(signal.SIGTERM, raise_interrupt)``)."""
    raise KeyboardInterrupt


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, a CI timeout) raises ``KeyboardInterrupt`` in the block (only the main thread has signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interrupted(exc: BaseException | None) -> bool:
    """Whether an interrupt (Ctrl-C, or SIGTERM turned into one) is among the exceptions that led to ``exc``
    (a signal in a class body reaches a caller wrapped: a RuntimeError from ``__set_name__``)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
