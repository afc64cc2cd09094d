"""Interrupts: SIGTERM as Ctrl-C, and an interrupt Python wrapped on its way up still known as one."""

from __future__ import annotations

import os
import signal

import pytest

from kb_tools.core.interrupts import interrupted, terminate_as_interrupt


def test_an_interrupt_that_python_wrapped_is_still_an_interrupt():
    """A signal during a class body reaches kb as a RuntimeError from ``__set_name__`` (seen in a loaded run):
    kb build must still say "interrupted" and exit 130, not report a failed build."""
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__ on 'cached_property' instance") from exc
    except RuntimeError as wrapped:
        assert interrupted(wrapped)
    assert not interrupted(RuntimeError("a bug in kb"))


def test_sigterm_in_the_block_is_a_keyboard_interrupt_and_the_handler_comes_back():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), terminate_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        pytest.fail("SIGTERM did not interrupt the block")  # the handler runs as soon as os.kill returns
    assert signal.getsignal(signal.SIGTERM) is before
