"""Placeholders: large HTML fragments travel through the docs engine's Markdown conversion as plain words,
and are put back into the page's HTML afterwards."""

from __future__ import annotations

import re


def stash_html(markdown: str, stash: list[str]) -> str:
    """Swap each raw HTML block (a paragraph starting with ``<``) for a placeholder paragraph.

    Python-Markdown would only parse these blocks to pass them through unchanged; with
    thousands of source pages that parse is most of the build. The plugin puts the HTML
    back in ``on_page_content`` (``restore_html``).
    """
    parts = markdown.split("\n\n")
    for n, part in enumerate(parts):
        if part.startswith("<") and not part.startswith("<!--"):
            stash.append(part)
            parts[n] = placeholder(len(stash) - 1)
    return "\n\n".join(parts)


def placeholder(n: int, inline: bool = False) -> str:
    """Letters and digits only, so Markdown leaves it alone; a block one becomes its own paragraph."""
    return f"KBCITE{n:06d}KB" if inline else f"KBRAW{n:06d}KB"


_PLACEHOLDER = re.compile(r"<p>KBRAW(\d{6})KB</p>|KBCITE(\d{6})KB")


def restore_html(html_text: str, stash: list[str]) -> str:
    """Put stashed HTML back in place of its placeholders."""
    return _PLACEHOLDER.sub(lambda m: stash[int(m.group(1) or m.group(2))], html_text)
