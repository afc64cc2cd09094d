"""A small on-disk cache for the load stage, so a second ``kb check`` skips the parsing.

Five entries live under ``config.cache_path`` (default ``.kb/cache``), each one pickle file:

* ``sources.pickle``: the ``BibResult`` of the bibliography files, keyed by a hash of every
  file's path and bytes;
* ``records.pickle``: the findings records (``kb_tools.load.records``), kept the same way;
* ``numbers.pickle``: each claim's numbers by a hash of its text (``kb_tools.check.numbertrace``);
* ``words.pickle``: each published page's word counts by its text, for the common words
  (``kb_tools.check.commonwords``);
* ``pages.pickle``: per page, its ``Page`` and load findings, keyed by the page's path and a
  hash of its text; unchanged pages are reused, changed ones are parsed again.

All are also keyed by a *fingerprint*: kb_tools' code and its libraries' versions
(``storage.cache_key``), and the configuration that shapes the records (conditions, draft patterns,
folders). Any change to those throws the whole entry away.

Each file is sealed with the cache's own key (``kb_tools.store.sealing``): one kb did not write here is never
unpickled.
The cache is an optimisation only: a missing, unreadable, corrupt or stale file is ignored
and rewritten, a write that fails (read-only folder, full disk) is ignored, and files are
replaced atomically, so two processes never see half a file. Delete the folder to start cold.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config.kbconfig import KbConfig
from .files import cache_key, digest, replacing
from .sealing import key_for, seal, unseal


def fingerprint(config: KbConfig) -> str:
    """What, besides the input files, a cached record depends on."""
    return cache_key(str(config.root), config.docs_dir, config.draft_docs, config.conditions, config.bibliography)


def read_pickle(path: Path) -> Any:
    """The value ``write_pickle`` stored, or None; a file this user's kb did not seal is never unpickled."""
    try:
        data = unseal(path.read_bytes(), key_for(path.parent))
        return pickle.loads(data) if data is not None else None  # noqa: S301 - sealed by this user's kb
    except Exception:  # missing, truncated, corrupt, or from classes that changed: start over
        return None


def write_pickle(path: Path, value: Any) -> None:
    try:
        data = seal(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), key_for(path.parent))
        with replacing(path) as tmp:
            tmp.write_bytes(data)
    except (OSError, pickle.PicklingError, RecursionError, TypeError, AttributeError):
        pass  # a cache that cannot be written is only a slower next run


def cached_sources(config: KbConfig, files: list[Path], load: Callable[..., Any], name: str = "sources") -> Any:
    """``load(files, root, contents)`` (the files' bytes, read once), reused while those bytes, the code and
    the config are unchanged.

    ``name`` names the cache file: the bibliography's is ``sources``, the findings records' ``records``.
    """
    contents: dict[Path, bytes] = {}
    for f in files:
        try:
            contents[f] = Path(f).read_bytes()
        except OSError:
            return load(files, config.root, contents)  # let the loader report the unreadable file; cache nothing
    # each file is read once: the key and the result come from the same bytes, so an edit made meanwhile
    # can never be stored under the key of the text before it
    key = digest(fingerprint(config), *(part for f in files for part in (str(f), contents[f])))
    path = config.cache_path / f"{name}.pickle"
    stored = read_pickle(path)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key:
        return stored[1]
    result = load(files, config.root, contents)
    write_pickle(path, (key, result))
    return result


def page_memo(config: KbConfig) -> dict:
    """The stored ``{(page path, text hash): (page, findings)}`` for this config, or an empty dict."""
    stored = read_pickle(config.cache_path / "pages.pickle")
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == fingerprint(config):
        memo = stored[1]
        if isinstance(memo, dict):
            return memo
    return {}


def save_page_memo(config: KbConfig, memo: dict) -> None:
    write_pickle(config.cache_path / "pages.pickle", (fingerprint(config), memo))


def text_key(path: str, text: str) -> tuple[str, str]:
    """The memo key of one page's text."""
    return path, digest(text)
