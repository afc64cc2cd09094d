"""The folders kb keeps for itself (``index_dir``, ``cache_dir``): apart from the KB's pages and site, and
never a folder of someone else's."""

from __future__ import annotations

import os
from pathlib import Path

from .options import OPTIONS


def own_folder(root: Path, opt: dict, name: str, data: dict, fail) -> str:
    """``index_dir`` or ``cache_dir``: a folder of kb's own, apart from the KB folder, its pages and its site.

    ``kb build`` replaces the whole index folder on every build, so ``index_dir: docs`` (or ``.``) would
    delete the pages; the cache is kept out of the same folders so it is never published.
    """
    value = opt[name]
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{name}: give a folder (relative to mkdocs.yml), such as {OPTIONS[name].default}")
    here = Path(os.path.normpath(root / value))
    theirs = {"the KB folder": root}
    for key, default in (("docs_dir", "docs"), ("site_dir", "site")):
        theirs[key] = Path(os.path.normpath(root / str(data.get(key, default))))
    for what, other in theirs.items():
        if here == other or here in other.parents or (other != root and other in here.parents):
            hint = f"kb needs a folder of its own, such as {OPTIONS[name].default}"
            relation = "is inside" if other in here.parents else "is" if here == other else "holds"
            raise fail(f"{name}: '{value}' {relation} {what}; {hint}")
    return value


CACHE_TAG = "CACHEDIR.TAG"  # the Cache Directory Tagging Specification's name and signature: backups skip it
CACHE_TAG_TEXT = "Signature: 8a477f597d28d172789f06886806bc55\n# a kb cache (cache_dir in mkdocs.yml); kb rewrites it\n"


def claim_cache_outside(root: Path, value: str, fail) -> None:
    """A ``cache_dir`` outside the KB folder must be missing, empty, or a kb cache already (it holds
    ``CACHEDIR.TAG``, which kb writes there): kb writes files into it, so ``cache_dir: /etc`` is refused."""
    here = Path(os.path.normpath(root / value))
    if root == here or root in here.parents:
        return
    if (here / CACHE_TAG).is_file():
        return
    try:
        occupied = here.exists() and (not here.is_dir() or any(here.iterdir()))
    except OSError:
        occupied = True
    if occupied:
        raise fail(
            f"cache_dir: '{value}' is outside the KB folder and holds files that are not a kb cache (no {CACHE_TAG}); "
            "kb writes its cache there: give an empty or new folder, or one inside the KB such as .kb/cache"
        )
    try:
        here.mkdir(parents=True, exist_ok=True)
        (here / CACHE_TAG).write_text(CACHE_TAG_TEXT, encoding="utf-8")
    except OSError:
        pass  # kb cannot write there: the caches are skipped, as for any unwritable cache_dir
