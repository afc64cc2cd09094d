"""The files of ``docs/``, never a path out of the KB.

A symbolic link in ``docs/`` may point anywhere: at ``/etc/passwd``, at ``/proc/self/environ`` (the build's
environment, secrets included), at a folder of someone else's pages. A link whose target is inside the KB
folder (or inside ``docs/``) is followed, so a page reached through a linked folder is read and checked like
any other; a link that leaves it (or leads nowhere) is neither read nor published, and is a
``link-outside-kb`` finding. ``walk`` lists both; ``outside`` answers for one path (MkDocs' file list, the
staging copy of ``docs/`` for Zensical).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DocsTree:
    files: tuple[tuple[Path, str], ...]  # (path through docs/, docs-relative posix path), in order
    outside: tuple[tuple[str, str, bool], ...]  # (docs path of a link that leaves the KB, its target, loops back)


def _inside(real: str, allowed: tuple[str, ...]) -> bool:
    return any(real == a or real.startswith(a.rstrip(os.sep) + os.sep) for a in allowed)


def allowed_roots(root: Path, docs: Path) -> tuple[str, ...]:
    """Where a link may lead: the KB folder and ``docs/`` (which ``docs_dir`` may put elsewhere), resolved."""
    return tuple(dict.fromkeys((os.path.realpath(root), os.path.realpath(docs))))


def outside(path: Path | str, root: Path, docs: Path) -> bool:
    """Whether ``path`` (under ``docs/``) resolves to a place outside the KB, or to nothing, or (a link) to a
    folder that holds it: following that never ends (MkDocs would walk ``docs/loop/loop/...`` for ever)."""
    real = os.path.realpath(path)
    return not os.path.exists(real) or not _inside(real, allowed_roots(root, docs)) or loops(path)


def loops(path: Path | str) -> bool:
    """Whether ``path`` is a link to a folder that contains it."""
    if not os.path.islink(path):
        return False
    real, parent = os.path.realpath(path), os.path.realpath(os.path.dirname(os.path.abspath(path)))
    return os.path.isdir(real) and _inside(parent, (real,))


def linked_out(path: str | None, root: Path, docs: Path) -> bool:
    """Whether a file MkDocs found under ``docs/`` (it follows links) is reached through a link out of the KB.
    The theme's own files, which live elsewhere and are not under ``docs/``, are not."""
    if not path or not Path(path).is_relative_to(docs):
        return False
    return outside(path, root, docs)


def walk(root: Path, docs: Path) -> DocsTree:
    """Every file under ``docs/`` (following links that stay in the KB, each folder once), and the links that leave."""
    allowed = allowed_roots(root, docs)
    files: list[tuple[Path, str]] = []
    escapes: list[tuple[str, str, bool]] = []
    seen: set[str] = set()

    def visit(folder: Path, rel: str) -> None:
        real = os.path.realpath(folder)
        if real in seen:  # a link back to a folder already walked: its pages are listed once
            return
        seen.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            path, sub = Path(entry.path), f"{rel}{entry.name}"
            if entry.is_symlink() and outside(path, root, docs):
                escapes.append((sub, os.readlink(path), loops(path)))
            elif entry.is_dir():
                visit(path, sub + "/")
            elif entry.is_file():
                files.append((path, sub))

    if docs.is_dir() and _inside(os.path.realpath(docs), allowed):
        visit(docs, "")
    return DocsTree(tuple(files), tuple(escapes))


def pages_of(tree: DocsTree) -> list[tuple[Path, str]]:
    """The tree's Markdown pages, sorted: ``.md`` files outside hidden folders."""
    return sorted(
        (p, rel) for p, rel in tree.files if rel.endswith(".md") and not any(s.startswith(".") for s in rel.split("/"))
    )
