"""Folder operations the build and the index share: swapping a finished folder in one step."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from pathlib import Path


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where that is not supported.

    One step matters: ``kb serve`` reads the site and the index while a rebuild swaps them, and must
    never find either missing.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
