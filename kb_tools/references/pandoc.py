"""Running pandoc: finding its binary and options, and naming the entry a failed run could not read."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from ..core.errors import BuildError, EntryError
from .bibsplit import split_bibtex


def pandoc_binary() -> str:
    exe = shutil.which("pandoc")
    if not exe:
        raise BuildError("pandoc is not installed; run scripts/setup.sh (or 'apt-get install pandoc') and build again")
    return exe


@lru_cache(maxsize=4)
def pandoc_command(exe: str) -> tuple[str, ...]:
    """``exe`` with runtime options for a smaller heap, when this pandoc accepts them.

    A 1 MB allocation area instead of pandoc's 8 MB keeps a large APA run at 358 MB rather than 387 MB,
    in the same time; two runs go side by side. A pandoc built without RTS options runs as it is.
    """
    flags = ("+RTS", "-A1m", "-RTS")
    try:
        ok = subprocess.run([exe, *flags, "--version"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return (exe, *flags) if ok else (exe,)


def pandoc_message(stderr: str) -> str:
    """Pandoc's complaint on one line, without the path of kb's temporary files."""
    text = " ".join(stderr.split()) or "no message"
    return re.sub(r"\S*kb-apa-[^\s:]*/(refs\.bib|style\.csl)", "the bibliography", text)[:300]


def blame(bibtex: str, stderr: str) -> BuildError:
    """The error for a failed run: the entry pandoc cannot read, found by halving the entries, or, when
    every entry reads alone (a style or a citation's fault), pandoc's own message."""
    macros, entries = split_bibtex(bibtex)
    keys = list(entries)

    def reads(subset: list[str]) -> tuple[bool, str]:
        doc = '---\nnocite: "@*"\n---\n'
        with tempfile.TemporaryDirectory(prefix="kb-apa-") as tmp:
            bib = Path(tmp) / "refs.bib"
            bib.write_text(macros + "\n\n" + "\n\n".join(entries[k] for k in subset), encoding="utf-8")
            cmd = [*pandoc_command(pandoc_binary()), "-t", "plain", "--citeproc", f"--bibliography={bib}"]
            proc = subprocess.run(cmd, input=doc, capture_output=True, text=True, encoding="utf-8")
        return proc.returncode == 0, proc.stderr

    if not reads([])[0]:  # pandoc fails without any entry (its macros, or pandoc itself): no entry to blame
        return BuildError(f"pandoc could not format the references: {pandoc_message(stderr)}")
    ok, why = reads(keys)
    while not ok and len(keys) > 1:
        first, rest = keys[: len(keys) // 2], keys[len(keys) // 2 :]
        ok_first, why_first = reads(first)
        if not ok_first:
            keys, why = first, why_first
            continue
        ok, why = reads(rest)
        keys = rest if not ok else keys  # both halves read alone: entries fail only together
    if ok or len(keys) != 1:
        return BuildError(f"pandoc could not format the references: {pandoc_message(stderr)}")
    at = re.search(r"\(line (\d+), column (\d+)\)", why)
    line = int(at.group(1)) - (macros + "\n\n").count("\n") if at else 0  # within the entry, 1-based
    message = re.sub(r"\s*\(line \d+, column \d+\)", "", pandoc_message(why))
    return EntryError(keys[0], f"pandoc cannot read entry '{keys[0]}' ({message})", line if line > 0 else 1)
