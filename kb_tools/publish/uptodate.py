"""``kb build`` with nothing changed: when no input differs from the last published build's, and the live site and
index are the very files it published, there is nothing to do.

After each published build, ``cache_dir/build-state.pickle`` records the digest of everything the build read
(``inputs_key``), the listing of the site and index it published, and what its check said. The next build
compares; only if all of it matches does it skip, printing the same report. The inputs are:

* everything ``kb check`` reads, wherever it is (``load.inputs.inputs_key``: pages, bibliography, findings
  records, lay terms, retraction data, citation style, ``mkdocs.yml``, the date, kb_tools' code and its
  libraries' versions);
* every file under the KB folder by its content (dot folders such as ``.git``, ``node_modules``, ``__pycache__``
  and the build's own output folders left out), and explicitly all of ``docs/`` (images, CSS, dot files),
  ``mkdocs.yml`` and the theme's ``custom_dir``;
* pandoc's version, the engine, ``SOURCE_DATE_EPOCH`` (MkDocs dates the sitemap by it or by the date) and the
  umask (the published files' modes follow it).

Only builds the incremental renderer accepts (``site.incremental.supported``: no hooks, no plugin or Markdown
extension that reads other files) record a state, and a ``mkdocs.yml`` that ``INHERIT``\\s another file never does.
The state is removed before any other build starts, and written only after its site and index are live, and only
when the inputs were the same at the end of the build as at its start: an edit during a build is built next time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

from ..check.outcome import Outcome
from ..config.kbconfig import KbConfig
from ..core.safeyaml import load_mkdocs
from ..load import inputs
from ..site.incremental import MANIFEST
from ..store.files import cache_key
from ..store.inputs import listing_digest, tree_digest
from ..store.loadcache import read_pickle, write_pickle

STATE = "build-state.pickle"
SKIPPED_NAMES = ("node_modules", "__pycache__")


def inputs_key(config: KbConfig, engine: str) -> str | None:
    """The digest of everything a build of ``config`` by ``engine`` reads; None when that cannot be known."""
    try:
        text = config.config_file.read_text(encoding="utf-8")
        mkdocs = load_mkdocs(text)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(mkdocs, dict) or "INHERIT" in mkdocs:
        return None
    theme = mkdocs.get("theme")
    custom_dir = theme.get("custom_dir") if isinstance(theme, dict) else None
    outputs = {config.site_path, config.index_path, config.cache_path}
    staging = tuple(f".{p.name}." for p in outputs)

    docs = config.docs_path

    def skip(path: Path) -> bool:
        name = path.name
        if path in outputs or name.startswith(staging):
            return True
        return path != docs and not path.is_relative_to(docs) and (name.startswith(".") or name in SKIPPED_NAMES)

    # one walk: docs/ whole (images, CSS, dot files) within the KB folder's, each folder hashed once
    walked = [config.root, config.config_file, docs]
    if isinstance(custom_dir, str):
        walked.append(config.root / custom_dir)
    return cache_key(
        "build inputs",
        inputs.inputs_key(config, _today()),  # everything the check reads, wherever it is (``load.inputs``)
        engine,
        _umask(),
        os.environ.get("SOURCE_DATE_EPOCH", ""),
        tree_digest(walked, skip),
        pandoc=True,
    )


def _today() -> dt.date:
    return dt.date.today()


def _umask() -> int:
    """The process's umask, which the published files' modes follow (reading it means setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def unchanged(config: KbConfig, key: str | None) -> Outcome | None:
    """The last build's check outcome if its inputs had ``key`` and its site and index are still as it left them."""
    if key is None:
        return None
    state = read_pickle(config.cache_path / STATE)  # sealed: a state kb did not write is never read
    if not (isinstance(state, dict) and state.get("key") == key and isinstance(state.get("outcome"), Outcome)):
        return None
    if not (config.cache_path / MANIFEST).is_file():
        return None
    if state.get("site") != _listing(config.site_path) or state.get("index") != _listing(config.index_path):
        return None
    return state["outcome"]


def forget(config: KbConfig) -> None:
    """Before a build: whatever it does, the last state no longer holds until it is written again."""
    with contextlib.suppress(OSError):
        (config.cache_path / STATE).unlink()


def remember(config: KbConfig, key: str | None, engine: str, outcome: Outcome) -> None:
    """After a published build whose inputs had ``key`` at its start: record it, if they still have it."""
    if key is None or not (config.cache_path / MANIFEST).is_file():
        return  # not a build the incremental renderer could vouch for
    if inputs_key(config, engine) != key:
        return  # an input changed while the build ran: the next build must see it
    state = {
        "key": key,
        "site": _listing(config.site_path),
        "index": _listing(config.index_path),
        "outcome": outcome,
    }
    write_pickle(config.cache_path / STATE, state)  # sealed and atomic, as every kb cache


def _listing(folder: Path) -> str:
    return listing_digest(folder) if folder.is_dir() else "absent"
