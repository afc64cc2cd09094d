"""Golden files for rendered citations and reference entries, and pandoc as the oracle for entries (APA, AMA,
Vancouver).

Regenerate the golden files after an intended change with ``KB_UPDATE_GOLDEN=1 pytest tests/site/test_golden.py``
and review the diff before committing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kb_tools.config import styles
from kb_tools.config.kbconfig import load_config
from kb_tools.references import citeproc as apa
from kb_tools.references.citeproc import csl_path, html_to_text
from kb_tools.site.topicpages import render_page
from tests.conftest import TESTS, make_kb, site_data
from tests.site_helpers import copy_kap

GOLDEN = TESTS / "golden"
UPDATE = bool(os.environ.get("KB_UPDATE_GOLDEN"))
_CITATION = re.compile(r'<span class="kb-citation">.*?</span>', re.S)
_REFERENCE = re.compile(r'<li class="kb-reference".*?</li>', re.S)

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")


def _kb(name: str, tmp_path: Path, style: str = "apa") -> Path:
    """A copy of a KB: the fixture ``base``, the citation-forms KB in tests/golden/kb, or the real ``kap``;
    with another citation ``style`` than APA set as its ``csl:``."""
    if name == "kap":
        kb = copy_kap(tmp_path)
    elif name == "forms":
        kb = Path(shutil.copytree(GOLDEN / "kb", tmp_path / "forms"))
    else:
        kb = make_kb(tmp_path)
    if style != "apa":
        cfg = kb / "mkdocs.yml"
        cfg.write_text(re.sub(r"(?m)^(\s*)- kb:\n", rf"\g<0>\1    csl: {style}\n", cfg.read_text(), count=1))
    return kb


def rendered(kb: Path) -> tuple[list[str], list[str]]:
    """Every rendered citation and reference entry of every published page, as ``path: html`` lines."""
    site = site_data(load_config(kb))
    cites, refs = [], []
    for page in site.published:
        text = (kb / "docs" / page.path).read_text(encoding="utf-8")
        body = render_page(site, page.path, text, text)
        cites += [f"{page.path}: {m}" for m in _CITATION.findall(body)]
        refs += [f"{page.path}: {m}" for m in _REFERENCE.findall(body)]
    return cites, refs


def check_golden(name: str, lines: list[str]) -> None:
    path = GOLDEN / name
    text = "\n".join(lines) + "\n"
    if UPDATE or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; see the module docstring to regenerate"


# Golden files only for KBs whose text is fixed; the KAP KB's pages change as editors work.
@pytest.mark.parametrize("name", ["base", "forms"])
def test_rendered_citations_and_references_match_golden(name, tmp_path):
    cites, refs = rendered(_kb(name, tmp_path))
    assert cites and refs
    check_golden(f"{name}_citations.html", cites)
    check_golden(f"{name}_references.html", refs)


def _entries(bib: str) -> dict[str, str]:
    out = {}
    for chunk in re.split(r"\n(?=@)", "\n" + bib):
        m = re.match(r"@(\w+)\s*\{\s*([^,\s]+)\s*,", chunk.strip())
        if m and m.group(1).lower() not in ("comment", "string", "preamble"):
            out[m.group(2)] = chunk.strip() + "\n"
    return out


def pandoc_plain(entry: str, key: str, tmp_path: Path, csl: Path | None = None) -> str:
    bib = tmp_path / f"{key.replace('/', '_')}.bib"
    bib.write_text(entry, encoding="utf-8")
    doc = f"---\nnocite: '@{key}'\n---\n"
    cmd = ["pandoc", "--citeproc", f"--csl={csl or csl_path()}", f"--bibliography={bib}", "-t", "plain", "--wrap=none"]
    out = subprocess.run(cmd, input=doc, capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


@pytest.mark.parametrize("style", ["apa", "ama", "vancouver"])
@pytest.mark.parametrize("name", ["base", "forms", "kap"])
def test_reference_entries_are_pandocs(name, style, tmp_path):
    """Each entry on the site reads exactly as pandoc's output in the KB's style for that one BibTeX entry
    (a numeric style's entry without the number, which belongs to a page; see tests/references/test_styling.py)."""
    kb = _kb(name, tmp_path, style)
    site = site_data(load_config(kb))
    numeric = site.config.style().numeric
    assert site.config.csl == style and numeric == (style != "apa")
    entries = {}
    for bib in sorted((kb / "references").glob("*.bib")):
        entries.update(_entries(bib.read_text(encoding="utf-8")))
    assert set(entries) == set(site.sources)
    given = tmp_path / "as-given-to-pandoc.csl"  # the style as kb hands it to pandoc (styles.for_pandoc)
    given.write_bytes(styles.for_pandoc(site.config.style().path))
    for key, entry in entries.items():
        ours = html_to_text(site.styled.reference_html(key))
        # pandoc 2.17 glues an incomplete list's "others" to the last name; kb prints APA's "et al." there
        alone = apa.et_al_for_others({key: pandoc_plain(entry, key, tmp_path, given)}, entry)[key]
        if numeric:
            assert alone.startswith("1. "), alone  # the entry is the only one: number 1
            alone = alone[len("1. ") :]
        if re.search(r"\(\d{4}[a-z]\)", ours):
            # "2022a": pandoc tells same-author-year sources apart only when it sees all of them
            ours = re.sub(r"\((\d{4})[a-z]\)", r"(\1)", ours)
        assert ours == alone, key


def test_citation_forms_render_and_code_stays_literal(tmp_path):
    kb = _kb("forms", tmp_path)
    site = site_data(load_config(kb))
    text = (kb / "docs" / "citations.md").read_text(encoding="utf-8")
    body = render_page(site, "citations.md", text, text)
    assert "`[@smith2022]` stays literal" in body and "[@smith2022] inside a fence is code" in body
    assert ">Smith &amp; Doe, 2022b</a>, <a" in body and ">2022a</a>)" in body  # disambiguated across the KB
    assert "(see <a" in body and ">Smith &amp; Doe, 2022b, pp. 101–103</a>)" in body
    assert ">2022b</a>)</span>" in body  # [-@smith2022]: author suppressed
    assert body.count("[@") == 2  # only the two literal code examples remain


def test_a_page_edited_after_prepare_is_scanned_again(tmp_path):
    kb = _kb("forms", tmp_path)
    site = site_data(load_config(kb))
    text = (kb / "docs" / "citations.md").read_text(encoding="utf-8")
    assert site.scans.get("citations.md", text).text == text  # the stored scan
    edited = text + "\nA new claim [@smith2022].\n"
    scan = site.scans.get("citations.md", edited)
    assert scan.text == edited and any("smith2022" in s.group.keys for s in scan.segments[-1:])
