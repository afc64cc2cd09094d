"""``kb build`` and the folder it publishes into: it never deletes what it did not write, keeps what MkDocs keeps
(dotfiles such as ``.git`` and ``.nojekyll``, and a host's ``CNAME``), and publishes with the umask's modes."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_kb

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")


def build(kb: Path, *args: str, umask: int | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "kb_tools.cli", "build", "--quiet", *args, str(kb)]
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, preexec_fn=preexec)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    kb = make_kb(tmp_path_factory.mktemp("sitedir"))
    result = build(kb)
    assert result.returncode == 0, result.stdout + result.stderr
    return kb


def test_dotfiles_and_cname_survive_a_rebuild(built):
    site = built / "site"
    (site / ".git/objects").mkdir(parents=True)
    (site / ".git/HEAD").write_text("ref: refs/heads/gh-pages\n")
    (site / ".nojekyll").write_text("")
    (site / "CNAME").write_text("kb.example.org\n")
    result = build(built)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (site / ".git/HEAD").read_text() == "ref: refs/heads/gh-pages\n"
    assert (site / ".git/objects").is_dir() and (site / ".nojekyll").is_file()
    assert (site / "CNAME").read_text() == "kb.example.org\n"
    assert (site / "index.html").is_file()


def test_an_editors_file_in_the_site_stops_the_build(built):
    site = built / "site"
    (site / "notes").mkdir(exist_ok=True)
    (site / "notes/minutes.docx").write_text("the editor's minutes")
    try:
        result = build(built)
        assert result.returncode != 0
        assert "notes/minutes.docx" in result.stderr and "site_dir" in result.stderr
        assert "Traceback" not in result.stderr
        assert (site / "notes/minutes.docx").read_text() == "the editor's minutes"
    finally:
        shutil.rmtree(site / "notes")
    assert build(built).returncode == 0  # once the file is gone, kb builds again


def test_a_site_dir_of_foreign_files_is_refused_not_emptied(tmp_path):
    kb = make_kb(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.tex").write_text("years of work")
    cfg = kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("site_dir: site", "site_dir: ../other"))
    result = build(kb)
    assert result.returncode != 0 and "site_dir" in result.stderr and "Traceback" not in result.stderr
    assert (other / "thesis.tex").read_text() == "years of work"
    assert sorted(p.name for p in other.iterdir()) == ["thesis.tex"]


def _modes(site: Path) -> tuple[set[int], set[int]]:
    dirs, files = {stat.S_IMODE(site.stat().st_mode)}, set()
    for p in site.rglob("*"):
        (dirs if p.is_dir() else files).add(stat.S_IMODE(p.stat().st_mode))
    return dirs, files


@pytest.mark.parametrize("engine", ["mkdocs", pytest.param("properdocs", marks=pytest.mark.engines)])
def test_the_site_is_published_with_the_umasks_modes(tmp_path, engine):
    """A web server running as another user must be able to read the site (directories 755, files 644)."""
    kb = make_kb(tmp_path)
    result = build(kb, "--engine", engine, umask=0o022)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _modes(kb / "site") == ({0o755}, {0o644})
    result = build(kb, "--engine", engine, umask=0o027)  # a rebuild follows the umask of its own run
    assert result.returncode == 0, result.stdout + result.stderr
    assert _modes(kb / "site")[0] == {0o750}


def test_a_site_dir_that_climbs_back_into_the_kb_is_refused(tmp_path):
    """``site/../docs`` is docs/: refused before anything makes ``site/``, so docs/ is never replaced."""
    kb = make_kb(tmp_path)
    cfg = kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("site_dir: site", "site_dir: site/../docs"))
    result = build(kb)
    assert result.returncode != 0 and "site_dir" in result.stderr
    assert (kb / "docs/topic.md").is_file()


def test_kb_serve_serves_no_dotfile_kept_in_the_site(built):
    """The ``.git`` a rebuild now keeps in site/ (and kb's file list) are not the site: kb serve answers 404."""
    from tests.serve.test_security import Served, get

    site = built / "site"
    (site / ".git").mkdir(exist_ok=True)
    (site / ".git/config").write_text("[remote]\n  url = https://token@example.org/kb.git\n")
    (site / ".well-known").mkdir(exist_ok=True)
    (site / ".well-known/security.txt").write_text("Contact: mailto:kb@example.org\n")
    served = Served(built)
    try:
        for path in ("/.git/config", "/.git/", "/.kb-site-files", "/%2egit/config", "/assets/../.git/config"):
            status, _, body = get(served.port, path)
            assert status == 404 and b"token" not in body, path
        assert get(served.port, "/.well-known/security.txt")[0] == 200  # meant to be served
        assert get(served.port, "/")[0] == 200
    finally:
        served.stop()
