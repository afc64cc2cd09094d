"""The search index, written by a small process of its own while MkDocs renders the site.

A child forked from the build makes every claim's search document from the build's data and spills
them, pickled, into an anonymous temporary file. It then replaces itself with a fresh interpreter
(``python -m kb_tools.index.process FD``) that feeds them to Whoosh. The fork shares the build's
memory only while it makes the documents: a fork that wrote the index itself would, page by page,
copy most of it (the check's records, the APA citations) while Whoosh's own memory came on top.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..check.policy import Report
from ..config.kbconfig import KbConfig
from ..store import background
from ..store.background import Job
from ..store.files import anonymous_file
from .writer import claim_documents, index_meta, store_index, write_index

MODULE = "kb_tools.index.process"


def start(config: KbConfig, report: Report, styled, target: Path, previous: Path | None) -> Job:
    """Start writing the index of ``report``'s claims into ``target`` (``Job.wait`` for the result)."""
    return Job("search index writer", _spill_and_hand_over, config, report, styled, target, previous)


def _spill_and_hand_over(config: KbConfig, report: Report, styled, target: Path, previous: Path | None) -> None:
    if not background.in_child():  # no fork on this system: the step runs in the build's own process
        write_index(config, report, styled, target, previous=previous)
        return
    meta = index_meta(config)  # a bad lay_terms.yml is reported from here, with its path
    target.parent.mkdir(parents=True, exist_ok=True)
    # beside the index (on its disk), not in /tmp, which may be memory
    fd = anonymous_file(target.parent, ".kb-index-documents-")  # nothing to clean up, however the build ends
    with os.fdopen(os.dup(fd), "wb", buffering=1 << 20) as out:
        head = {"meta": meta, "target": str(target), "previous": str(previous) if previous is not None else None}
        pickle.dump(head, out, protocol=pickle.HIGHEST_PROTOCOL)
        for item in claim_documents(config, report, styled):
            pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)
    background.replace_process(MODULE, str(fd), pass_fds=(fd,))


def _documents(spill: BinaryIO, start: int):
    def documents(wanted: set[str] | None = None) -> Iterator[tuple]:
        spill.seek(start)
        while True:
            try:
                item = pickle.load(spill)  # our own file, written by the build a moment ago
            except EOFError:
                return
            if wanted is None or item[0]["id"] in wanted:
                yield item

    return documents


def _write(fd: int) -> None:
    with os.fdopen(fd, "rb", buffering=1 << 20) as spill:
        spill.seek(0)
        head = pickle.load(spill)
        previous = Path(head["previous"]) if head["previous"] is not None else None
        documents = _documents(spill, spill.tell())
        progress = background.progress_sender()  # claims indexed, for kb build's progress display
        store_index(head["meta"], documents, Path(head["target"]), previous=previous, progress=progress)


if __name__ == "__main__":
    background.finish_in_process(_write, int(sys.argv[1]))
