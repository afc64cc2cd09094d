"""The tables the docs take from kb_tools' registries, between ``<!-- table: NAME -->`` and ``<!-- end table -->``.

``tests/project/test_docs.py`` fails while a table differs from its registry; ``make tables`` (or
``python -m tests.doc_tables``) writes them.
"""

from __future__ import annotations

import re
from pathlib import Path

from kb_tools.config import options
from kb_tools.core import codes

REPO = Path(__file__).resolve().parent.parent
TABLES = {
    "finding-codes": codes.markdown_table,
    "finding-codes-todo": lambda: codes.markdown_table(todo=True),
    "options": options.markdown_table,
}
FILES = ("README.md", "docs/editors-guide.md")
_BLOCK = re.compile(r"(<!-- table: ([a-z-]+) -->\n)(.*?)(<!-- end table -->)", re.S)


def current(text: str) -> str:
    """``text`` with every marked table made from its registry."""
    return _BLOCK.sub(lambda m: m.group(1) + TABLES[m.group(2)]() + "\n" + m.group(4), text)


def marked(text: str) -> list[str]:
    """The names of the tables ``text`` marks, in order."""
    return [m.group(2) for m in _BLOCK.finditer(text)]


def main() -> None:
    for name in FILES:
        path = REPO / name
        path.write_text(current(path.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
