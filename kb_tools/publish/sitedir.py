"""What ``kb build`` may replace in ``site_dir``: the files it wrote, and nothing else.

A build swaps a new site in for the whole folder, so before building kb checks that ``site_dir`` holds only
its own files (listed in ``.kb-site-files``, which every build writes into the site) and the kinds MkDocs
keeps when it cleans its ``site_dir``: top-level dotfiles and folders (``.git`` of a ``gh-pages`` checkout,
``.nojekyll``, ``.well-known``), plus a host's ``CNAME``. Those are carried into the new site, so a rebuild
keeps them; anything else (an editor's file, a ``site_dir`` pointed at another folder) stops the build.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from ..core.errors import BuildError

FILES_LIST = ".kb-site-files"
HOST_FILES = frozenset({"CNAME"})  # kept like dotfiles: a static host's own settings, not kb's output
_SHOWN = 5  # foreign files named in the message


def kept(top_name: str) -> bool:
    """Whether a top-level entry of ``site_dir`` is the host's or the editor's to keep across builds."""
    return (top_name.startswith(".") and top_name != FILES_LIST) or top_name in HOST_FILES


def site_files(site: Path) -> Iterator[str]:
    """Every file under ``site`` (posix paths relative to it) outside the kept entries, symlinks included."""
    for top in sorted(os.listdir(site)):
        if kept(top) or top == FILES_LIST:
            continue
        path = site / top
        if path.is_dir() and not path.is_symlink():
            for folder, dirs, files in os.walk(path):
                dirs.sort()
                rel = Path(folder).relative_to(site).as_posix()
                yield from (f"{rel}/{name}" for name in sorted(files))
                yield from (f"{rel}/{d}" for d in dirs if os.path.islink(os.path.join(folder, d)))
        else:
            yield top


def _listed(site: Path) -> set[str] | None:
    try:
        return set((site / FILES_LIST).read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return None


def _built_by_an_older_kb(site: Path) -> bool:
    """A site from a kb that wrote no files list: its exports and assets are there (it is taken as kb's once)."""
    return (site / "claims.json").is_file() and (site / "assets/kb").is_dir()


def refuse_foreign(site: Path) -> None:
    """Raise BuildError if ``site`` holds files kb did not write (other than the kept kinds)."""
    if site.exists() and not site.is_dir():
        raise BuildError(f"{site}: site_dir is a file, not a folder; set site_dir in mkdocs.yml to a folder of its own")
    if not site.is_dir():
        return
    listed = _listed(site)
    if listed is None and _built_by_an_older_kb(site):
        return
    # the first few are enough to refuse (a site_dir pointed at a big folder is not walked to its end)
    foreign = list(itertools.islice((p for p in site_files(site) if listed is None or p not in listed), _SHOWN + 1))
    if foreign:
        shown = ", ".join(foreign[:_SHOWN]) + (" and more" if len(foreign) > _SHOWN else "")
        raise BuildError(
            f"{site}: site_dir holds files kb did not write ({shown}), and kb replaces that folder on every build; "
            "move them out (only dotfiles such as .git or .nojekyll, and CNAME, are kept), "
            "or set site_dir in mkdocs.yml to a folder of its own"
        )


def finish(staged: Path, live: Path) -> None:
    """Before ``staged`` is swapped in for ``live``: list its files, and carry over ``live``'s kept entries."""
    (staged / FILES_LIST).write_text("\n".join(site_files(staged)) + "\n", encoding="utf-8")
    if not live.is_dir():
        return
    for top in sorted(os.listdir(live)):
        if not kept(top) or os.path.lexists(staged / top):  # the built site's own (docs/CNAME, say) wins
            continue
        src, dst = live / top, staged / top
        if src.is_dir() and not src.is_symlink():
            shutil.copytree(src, dst, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(src, dst)


def _link_or_copy(src, dst) -> None:
    """Hard-link where the file system allows (a ``.git`` may be large); copy otherwise; a symlink stays one."""
    if os.path.islink(src):
        os.symlink(os.readlink(src), dst)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def umask() -> int:
    """The process's umask, read without changing it where Linux shows it (another thread may be making files)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def open_to_umask(folder: Path) -> None:
    """A staging folder (``mkdtemp`` makes it 0700) gets the mode of any folder the user makes: 0755 under
    umask 022, so a web server running as another user can read the published site."""
    folder.chmod(0o777 & ~umask())
