"""Real MkDocs builds: the findings record on a source page and evidence tables on topic pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb_tools import pipeline
from kb_tools.config.kbconfig import load_config
from tests.conftest import make_kb
from tests.site_helpers import broken_links, mkdocs_build

TABLES_PAGE = """---
title: Tables
reviewed: 2026-11-01
---

# Tables

Ketamine was studied in adults [@smith2022].

<!-- kb: evidence-table @agency2023 @smith2022 @nobody2020 -->

```markdown
<!-- kb: evidence-table -->
```
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    kb = make_kb(tmp_path_factory.mktemp("records-site"))
    record = kb / "references/records/smith2022.yml"
    record.write_text(
        record.read_text().replace("Outpatient clinics", "<script>alert(1)</script> & clinics")
        + "  # an outcome whose value holds markup\n"
    )
    record.write_text(record.read_text().replace("value: 30%", 'value: "30% <b>bold</b>"'))
    (kb / "docs/tables.md").write_text(TABLES_PAGE)
    result = mkdocs_build(kb, "--strict")
    assert result.returncode == 0, result.stderr
    return kb


def _table(html: str, cls: str) -> str:
    # every table kb writes is a styled kb-table inside a region that scrolls on phones
    region = '<div class="kb-scroll" role="region" [^>]*>'
    m = re.search(rf'{region}<table class="kb-table {cls}">.*?</table></div>', html, re.S)
    assert m, cls
    return m.group()


def test_source_page_shows_the_record_as_an_accessible_table(built):
    html = (built / "site/sources/smith2022/index.html").read_text()
    assert '<h2 id="findings-record">Findings record</h2>' in html
    table = _table(html, "kb-record")
    assert "<caption>" in table
    for row in ("Design", "Population", "Sample size", "Setting", "Intervention", "Comparator", "Outcomes", "Notes"):
        assert f'<th scope="row">{row}</th>' in table
    # the design as graded: the .bib entry says what the meta-analysis pooled
    assert "<td>Meta-analysis of randomised trials</td>" in table and "<td>2,665 patients</td>" in table
    assert "Response: 45% (24 hours)<br>Remission: 30% &lt;b&gt;bold&lt;/b&gt;" in table
    assert "<td>14, 79</td>" in table


def test_record_text_is_escaped(built):
    html = (built / "site/sources/smith2022/index.html").read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; clinics" in html
    topic = (built / "site/topic/index.html").read_text()
    assert "<b>bold</b>" not in topic and "30% &lt;b&gt;bold&lt;/b&gt;" in topic


def test_a_source_without_a_record_has_no_record_table(built, tmp_path):
    kb = make_kb(tmp_path)
    (kb / "references/records/agency2023.yml").unlink()
    assert mkdocs_build(kb).returncode == 0
    assert "kb-record" not in (kb / "site/sources/agency2023/index.html").read_text()


def test_topic_page_evidence_table_lists_the_cited_sources(built):
    html = (built / "site/topic/index.html").read_text()
    assert "kb: evidence-table" not in html
    table = _table(html, "kb-evidence-table")
    heads = re.findall(r'<th scope="col">([^<]+)</th>', table)
    assert heads == ["Source", "Design", "Population", "Sample size", "Intervention", "Outcomes"]
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", table)
    assert len(rows) == 2
    assert 'href="../sources/smith2022/"' in rows[0] and "Smith &amp; Doe, 2022" in rows[0]
    design = "<td>Meta-analysis of randomised trials</td>"
    assert design + "<td>Adults with treatment-resistant depression</td><td>2,665 patients</td>" in rows[0]
    assert 'href="../sources/agency2023/"' in rows[1] and "<td>Regulatory statement</td>" in rows[1]


def test_named_sources_in_their_order_and_code_left_alone(built):
    html = (built / "site/tables/index.html").read_text()
    table = _table(html, "kb-evidence-table")
    assert table.index("agency2023") < table.index("smith2022") < table.index("nobody2020")
    assert "No .bib file defines this key." in table
    assert "&lt;!-- kb: evidence-table --&gt;" in html  # the example in a code block stays an example
    assert html.count('class="kb-table kb-evidence-table"') == 1


def test_built_site_has_no_broken_links(built):
    assert broken_links(built / "site") == []


def test_editing_a_record_updates_its_tables_on_the_next_build(tmp_path):
    kb = make_kb(tmp_path / "kb")
    assert pipeline.build_site(load_config(kb)).published
    record = kb / "references/records/smith2022.yml"
    record.write_text(record.read_text().replace("Intravenous ketamine", "Intranasal esketamine"))
    assert pipeline.build_site(load_config(kb)).published
    assert "<td>Intranasal esketamine</td>" in (kb / "site/topic/index.html").read_text()
    assert "<td>Intranasal esketamine</td>" in (kb / "site/sources/smith2022/index.html").read_text()
