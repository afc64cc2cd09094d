"""A real MkDocs build of a KB citing a retracted source: the source page's notice and the claims' marks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import make_kb
from tests.site_helpers import broken_links, mkdocs_build

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    kb = make_kb(tmp_path_factory.mktemp("retracted"), "retracted-source")
    bib = kb / "references/extra.bib"
    ack = f"notice_acknowledged = {{2026-11-20: only a subgroup was retracted {SCRIPT}}},\n  sourcetype"
    bib.write_text(bib.read_text().replace("  sourcetype", "  " + ack, 1))
    data = kb / "data/retraction-watch.csv"
    data.write_text(data.read_text(encoding="utf-8-sig").replace("+Fabrication of Data;", f"+Fabrication {SCRIPT};"))
    result = mkdocs_build(kb, "--strict")  # acknowledged: the check passes
    assert result.returncode == 0, result.stderr
    return kb / "site"


def test_source_page_shows_the_notice(built):
    html = (built / "sources/retracted2020/index.html").read_text()
    box = re.search(r'<div class="admonition danger kb-notice kb-notice-retracted">.*?</div>', html, re.S).group(0)
    assert '<p class="admonition-title">Retracted</p>' in box
    assert '<time datetime="2026-03-09">9 March 2026</time>' in box  # the retraction
    assert '<time datetime="2024-06-01">1 June 2024</time>' in box  # and the earlier correction
    assert '<a href="https://doi.org/10.5555/notice.2026.1">notice 10.5555/notice.2026.1</a>' in box
    assert "Concerns/Issues About Data; Fabrication &lt;script&gt;" in box
    assert "The editors reviewed these notices on" in box and "only a subgroup was retracted" in box
    assert SCRIPT not in html


def test_claims_citing_it_are_marked(built):
    topic = (built / "more/index.html").read_text()
    cite = re.search(
        r'<span class="kb-citation">\(<a class="kb-cite" href="../sources/retracted2020/".*?\)</span>', topic
    )
    assert cite.group(0).endswith(
        '>Roe &amp; Poe, 2020</a> <span class="kb-notice-mark kb-retracted" '
        'title="This source was retracted on 2026-03-09">Retracted</span>)</span>'
    )
    reference = re.search(r'<li class="kb-reference" id="ref-retracted2020">.*?</li>', topic, re.S).group(0)
    assert ">Retracted</span>" in reference  # the page's own reference list too
    source = (built / "sources/retracted2020/index.html").read_text()
    item = re.search(r'<li class="kb-claim-item">.*?</li>', source, re.S).group(0)
    assert ">Retracted</span>" in item and 'title="This source was retracted on 2026-03-09"' in item
    other = (built / "topic/index.html").read_text()  # cites no retracted source
    assert (
        "kb-notice-mark" not in other and "kb-notice-mark" not in (built / "sources/smith2022/index.html").read_text()
    )


def test_no_broken_links(built):
    assert broken_links(built) == []
