"""Read every topic page, and parse those the page memo lacks on every core.

Pages are independent of each other and of the bibliography, so a load with many pages to parse (a cold
cache) forks one parser per core (``kb_tools.store.background.Job``): each parses every n-th page and hands
back its pages pickled, while the calling process reads the bibliography. The result is the same, in the
same order, as parsing them one after another, which is what happens for a few pages, on one core, where
``fork`` is missing, or beside other threads (a fork copies none of them, and a lock one held stays held).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..config.kbconfig import KbConfig
from ..core.codes import BAD_PAGE, finding
from ..core.model import Finding, Location, Page
from ..store.background import Job
from ..store.loadcache import text_key
from . import docsfiles
from .conditions import ConditionMatcher
from .pages import decode_page, load_page_text, not_utf8, outside_links, pages_of

MIN_FORKED = 16  # fewer pages than this are parsed in the calling process: a fork costs more than they do


@dataclass
class _Entry:
    """One page file: findings about the file itself, then its page (from the memo) or the job parsing it."""

    found: list[Finding]
    key: tuple[str, str] | None = None
    loaded: tuple[Page, list[Finding]] | None = None
    job: int | None = None  # index into the jobs to parse


@dataclass
class PendingPages:
    """Pages being loaded; ``result`` waits for the parsers and gives ``(pages, findings)`` in page order."""

    config: KbConfig
    memo: dict | None
    entries: list[_Entry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    jobs: list[tuple[str, str, str]] = field(default_factory=list)  # (text, docs-relative path, shown path)
    _parsers: list[tuple[Job, object]] = field(default_factory=list)

    def start(self) -> None:
        workers = min(os.cpu_count() or 1, 4)
        if len(self.jobs) < MIN_FORKED or workers < 2 or threading.active_count() > 1 or not _can_fork():
            return
        for share in range(workers):
            reader, writer = multiprocessing.get_context("fork").Pipe(duplex=False)
            job = Job("page parser", _parse_share, writer, self.jobs, self.config, share, workers)
            writer.close()
            self._parsers.append((job, reader))
        # the parsers have the texts (a fork's copy): this process needs only how many there are
        self.jobs = [None] * len(self.jobs)  # type: ignore[list-item]

    def result(self) -> tuple[list[Page], list[Finding]]:
        parsed = self._collect() if self._parsers else _parse(self.jobs, self.config, 0, 1)
        pages, findings, fresh = [], list(self.findings), {}
        for e in self.entries:
            findings += e.found
            if e.loaded is None and e.job is None:
                continue
            page, found = e.loaded if e.loaded is not None else parsed[e.job]
            if self.memo is not None:
                fresh[e.key] = (page, found)
            pages.append(page)
            findings.extend(found)
        if self.memo is not None:
            self.memo.clear()
            self.memo.update(fresh)
        return pages, findings

    def cancel(self) -> None:
        """Stop the parsers (the load failed or was interrupted elsewhere)."""
        for job, reader in self._parsers:
            job.cancel()
            reader.close()
        self._parsers = []

    def _collect(self) -> list[tuple[Page, list[Finding]]]:
        """Every parser's pages, back in job order; a parser that failed raises ``BuildError`` (``Job.wait``)."""
        n = len(self._parsers)
        out: list = [None] * len(self.jobs)
        try:
            for share, (job, reader) in enumerate(self._parsers):
                try:
                    data = reader.recv_bytes()
                except EOFError:
                    data = None
                job.wait()
                out[share::n] = pickle.loads(data)  # noqa: S301 - from the fork of this very process
        finally:
            self.cancel()
        return out


def _can_fork() -> bool:
    try:
        multiprocessing.get_context("fork")
    except ValueError:
        return False
    return True


def _parse(jobs, config: KbConfig, share: int, of: int) -> list[tuple[Page, list[Finding]]]:
    matcher = ConditionMatcher(config.conditions)
    return [load_page_text(*jobs[i], config, matcher) for i in range(share, len(jobs), of)]


def _parse_share(writer, jobs, config: KbConfig, share: int, of: int) -> None:
    """In a forked parser: parse every ``of``-th page from ``share`` and send them back."""
    writer.send_bytes(pickle.dumps(_parse(jobs, config, share, of), protocol=pickle.HIGHEST_PROTOCOL))
    writer.close()


def start_pages(config: KbConfig, memo: dict | None = None) -> PendingPages:
    """Read every page of the KB and start parsing those ``memo`` lacks; ``result()`` gives them all.

    ``memo`` (see kb_tools.store.loadcache) maps ``(path, text hash)`` to a page's ``(Page, findings)``:
    unchanged pages are taken from it, and afterwards it holds exactly this run's pages.
    """
    pending = PendingPages(config, memo)
    tree = docsfiles.walk(config.root, config.docs_path)
    pending.findings += outside_links(config, tree)
    for path, rel in pages_of(tree):
        pending.entries.append(_read(pending, path, rel))
    pending.start()
    return pending


def _read(pending: PendingPages, path: Path, rel: str) -> _Entry:
    config, memo = pending.config, pending.memo
    display = path.relative_to(config.root).as_posix()
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _Entry([finding(BAD_PAGE, Location(display, 1), f"cannot read the page ({exc.strerror})")])
    text, bad_byte = decode_page(data)
    if "\0" in text:  # no text editor writes NUL: an image or archive saved as .md, read as garbage claims
        msg = "the page is not text (it holds NUL bytes, as an image does); save it as UTF-8 text, or move it"
        return _Entry([finding(BAD_PAGE, Location(display, 1), msg)])
    entry = _Entry([not_utf8(data, bad_byte, display)] if bad_byte is not None else [])
    entry.key = text_key(rel, text) if memo is not None else None
    entry.loaded = memo.get(entry.key) if memo is not None else None
    if entry.loaded is None:
        entry.job = len(pending.jobs)
        pending.jobs.append((text, rel, display))
    return entry


def load_pages(config: KbConfig, memo: dict | None = None) -> tuple[list[Page], list[Finding]]:
    """Load every page of the KB (``start_pages``, then its result)."""
    return start_pages(config, memo).result()
