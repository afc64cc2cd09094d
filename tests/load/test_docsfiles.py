"""Symbolic links in ``docs/``: one that leaves the KB folder is a ``link-outside-kb`` finding at ``path:1`` and is
never published (not by MkDocs, ProperDocs or Zensical); one inside the KB is a page like any other, checked
(an uncited claim in a page reached through a linked folder is a finding) and published."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb_tools.config.kbconfig import load_config
from kb_tools.engines import ENGINES
from kb_tools.pipeline import check_kb
from tests.conftest import make_kb

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")
SECRET = "SECRET-TOKEN-7f3a"
OUTSIDE = ["docs/leak.txt", "docs/env.txt", "docs/away", "docs/leak.md"]
CLAIM = (
    "---\ntitle: Shared\nreviewed: 2026-11-01\n---\n\n# Shared\n\n"
    "Ketamine cured every patient in the shared folder{cite}.\n"
)


def linked_kb(tmp_path: Path, cited: bool) -> Path:
    kb = make_kb(tmp_path)
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.txt").write_text(SECRET)
    (outside / "secret.md").write_text(f"# Secret\n\n{SECRET} is uncited here.\n")
    (outside / "folder/page.md").write_text(f"# Away\n\n{SECRET} is uncited there.\n")
    os.symlink(outside / "secret.txt", kb / "docs/leak.txt")
    os.symlink("/proc/self/environ", kb / "docs/env.txt")
    os.symlink(outside / "folder", kb / "docs/away")
    os.symlink("../../outside/secret.md", kb / "docs/leak.md")
    (kb / "shared").mkdir()  # a folder inside the KB, linked into docs/
    (kb / "shared/page.md").write_text(CLAIM.format(cite=" [@smith2022]" if cited else ""))
    os.symlink("../shared", kb / "docs/shared")
    return kb


def test_links_out_of_the_kb_are_findings_and_linked_pages_inside_are_checked(tmp_path):
    report = check_kb(load_config(linked_kb(tmp_path, cited=False)))
    found = {(f.code, f"{f.location.path}:{f.location.line}") for f in report.findings}
    for path in OUTSIDE:
        assert ("link-outside-kb", f"{path}:1") in found
    assert ("uncited-claim", "docs/shared/page.md:8") in found
    messages = " ".join(f.message for f in report.findings if f.code == "link-outside-kb")
    assert "outside the KB" in messages and "remove the link" in messages
    assert SECRET not in " ".join(f.message for f in report.findings)  # nothing out there was read


@pytest.mark.parametrize(
    "engine", [e if e == "mkdocs" else pytest.param(e, marks=pytest.mark.engines) for e in ENGINES]
)
def test_nothing_outside_the_kb_is_published(tmp_path, engine):
    kb = linked_kb(tmp_path, cited=True)
    cfg = kb / "mkdocs.yml"  # the links as warnings, so the build runs
    cfg.write_text(
        cfg.read_text().replace(
            "      review_max_age_days", "      severity: {link-outside-kb: warning}\n      review_max_age_days"
        )
    )
    cmd = [sys.executable, "-m", "kb_tools.cli", "build", "--quiet", "--engine", engine, str(kb)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    site = kb / "site"
    names = {p.relative_to(site).as_posix() for p in site.rglob("*")}
    assert not {n for n in names if n.startswith(("leak", "env", "away"))}, names
    assert "shared/page/index.html" in names or "shared/page.html" in names
    assert any(n.startswith("assets/javascripts/bundle.") for n in names)  # the theme's own files are published
    environ = os.environ.get("HOME", "/root")
    for p in site.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            assert SECRET.encode() not in data, p
            assert f"HOME={environ}".encode() not in data, p


def test_a_link_back_to_a_folder_that_holds_it_stops_the_build_whatever_its_severity(tmp_path):
    kb = make_kb(tmp_path)
    os.symlink(".", kb / "docs/loop")
    os.symlink("..", kb / "docs/root")
    report = check_kb(load_config(kb))
    assert {f"{f.location.path}:1" for f in report.findings if f.code == "link-outside-kb"} == {
        "docs/loop:1",
        "docs/root:1",
    }
    cfg = kb / "mkdocs.yml"
    option = "      severity: {link-outside-kb: ignore}\n"
    cfg.write_text(cfg.read_text().replace("      review_max_age_days", option + "      review_max_age_days"))
    cmd = [sys.executable, "-m", "kb_tools.cli", "build", "--quiet", str(kb)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)  # MkDocs alone walks it for ever
    assert result.returncode == 1 and "docs/loop:1" in result.stderr and "Traceback" not in result.stderr
