"""Pages' HTML held on disk between MkDocs' two passes over the pages.

MkDocs 1.6 converts every page's Markdown to HTML before it renders any page's template, so the
whole site's HTML would sit in memory at once (over 300 MB for a KB of 2,000 topic pages and
10,000 sources). The plugin moves each page's HTML here once it is converted and takes it back
just before the page's template is rendered.
"""

from __future__ import annotations

import os
from pathlib import Path

from .files import anonymous_file


class Spool:
    """Text by key in an anonymous temporary file (gone when closed or when the process ends)."""

    def __init__(self, folder: Path | None = None) -> None:
        """``folder``: where the file lives; the KB's cache folder rather than ``/tmp``, which may be memory."""
        self._fd: int | None = anonymous_file(folder, "kb-pages-")  # nothing to clean up, however the build ends
        self._end = 0
        self._at: dict[str, tuple[int, int]] = {}

    def put(self, key: str, text: str) -> None:
        data = text.encode("utf-8", "surrogatepass")
        written = 0
        while written < len(data):
            written += os.pwrite(self._fd, data[written:], self._end + written)
        self._at[key] = (self._end, len(data))
        self._end += len(data)

    def take(self, key: str) -> str | None:
        """The text put under ``key`` (once: its place is forgotten), or ``None``."""
        at = self._at.pop(key, None)
        if at is None:
            return None
        offset, size = at
        chunks = []
        while size:
            chunk = os.pread(self._fd, size, offset)
            if not chunk:
                raise OSError(f"page spool truncated at {offset}")
            chunks.append(chunk)
            offset, size = offset + len(chunk), size - len(chunk)
        return b"".join(chunks).decode("utf-8", "surrogatepass")

    def __contains__(self, key: str) -> bool:
        return key in self._at

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._at.clear()
