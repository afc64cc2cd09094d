"""What pandoc cannot read is a finding at its line, never a failed build naming a temporary file.

Issue 22 item 1 (a missing comma between fields) and issue 23 item 10 (keys pandoc refuses, a Latin-1
page): ``kb check`` reports each at its line (the planted fixture ``unbuildable``); a pandoc failure the
check did not foresee still names the entry and its path:line.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb_tools.cli import cli
from kb_tools.config.kbconfig import load_config
from kb_tools.core.errors import BuildError, EntryError
from kb_tools.pipeline import check_kb
from kb_tools.references import citeproc as apa
from kb_tools.site.data import prepare
from tests.conftest import make_kb
from tests.serve.test_serve import free_port
from tests.site_helpers import wait_listening

MISSING_COMMA = """
@article{sleep2017,
  author       = {Sleeper, Sam},
  title        = {Melatonin and sleep onset},
  journaltitle = {Journal of Sleep Research}
  volume       = 26,
  year         = 2017,
  doi          = {10.1234/sleep.2017},
  sourcetype   = {journal},
  design       = {rct},
}
"""


def test_a_missing_comma_is_a_finding_at_the_field_and_kb_build_names_it(tmp_path):
    kb = make_kb(tmp_path)
    (kb / "references/library.bib").write_text(MISSING_COMMA, encoding="utf-8")
    topic = kb / "docs/topic.md"
    topic.write_text(topic.read_text() + "\nMelatonin shortens sleep onset [@sleep2017].\n")
    result = CliRunner().invoke(cli, ["build", str(kb)])
    assert result.exit_code == 1
    assert (
        "references/library.bib:5: error bib-syntax: entry 'sleep2017', field journaltitle: "
        "a comma is missing after its value, before the field 'volume'" in result.output
    )
    assert "refs.bib" not in result.output and "kb-apa-" not in result.output
    assert not (kb / "site").exists()


def test_format_all_names_the_entry_pandoc_cannot_read():
    entries = [f"@article{{ok{n},\n  title = {{Fine {n}}},\n  year = {{2020}}\n}}" for n in range(7)]
    entries.insert(5, "@article{bad2020,\n  title = {Fine},\n  ti~tle = {Stray},\n  year = {2020}\n}")
    with pytest.raises(EntryError) as caught:
        apa.format_all("\n\n".join(entries) + "\n", [])
    assert caught.value.key == "bad2020" and caught.value.line == 3
    assert "pandoc cannot read entry 'bad2020'" in str(caught.value)
    assert "refs.bib" not in str(caught.value) and "kb-apa-" not in str(caught.value)


def test_a_pandoc_failure_the_check_let_through_is_reported_at_the_entrys_line(base_kb):
    config = load_config(base_kb)
    report = check_kb(config)
    bibtex = report.catalogue.bibtex.replace("@article{smith2022,\n", "@article{smith2022,\n  ti~tle = {x},\n")
    report = dataclasses.replace(report, catalogue=dataclasses.replace(report.catalogue, bibtex=bibtex))
    with pytest.raises(BuildError) as caught:
        prepare(config, report)
    assert str(caught.value).startswith("references/sources.bib:2: error bib-syntax: pandoc cannot read entry")
    assert "smith2022" in str(caught.value) and "kb-apa-" not in str(caught.value)


def test_a_pandoc_that_always_fails_blames_no_entry(tmp_path, monkeypatch):
    """When pandoc fails without any entry, no entry is named (a broken pandoc is not the editor's entry)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pandoc"
    fake.write_text('#!/bin/sh\necho "Error reading bibliography file /tmp/kb-apa-x/refs.bib:" >&2\nexit 25\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    with pytest.raises(BuildError) as caught:
        apa.format_all("@article{a,\n  title = {T},\n  year = {2020}\n}\n", [])
    assert not isinstance(caught.value, EntryError)
    assert "pandoc could not format the references" in str(caught.value) and "kb-apa-" not in str(caught.value)


def test_mkdocs_serve_previews_a_kb_with_a_missing_comma_and_names_it(tmp_path):
    """The live preview goes on (it used to hang on pandoc's failure) and prints the finding."""
    kb = make_kb(tmp_path)
    (kb / "references/library.bib").write_text(MISSING_COMMA, encoding="utf-8")
    port = free_port()
    mkdocs = Path(sys.executable).parent / "mkdocs"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [str(mkdocs), "serve", "-a", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(cmd, cwd=kb, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        wait_listening(proc, port, 60)
        assert proc.poll() is None, proc.communicate()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/topic/", timeout=30) as page:
            assert page.status == 200
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0]
    assert "references/library.bib:5: error bib-syntax: entry 'sleep2017', field journaltitle" in out
