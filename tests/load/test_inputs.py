"""The key of every input ``kb check`` reads: content decides it, and what the check never reads does not."""

from __future__ import annotations

import datetime as dt
import os

from kb_tools.config.kbconfig import load_config
from kb_tools.load import inputs
from tests.conftest import make_kb

TODAY = dt.date(2026, 12, 8)


def key(kb, today=TODAY) -> str:
    return inputs.inputs_key(load_config(kb), today)


def test_same_inputs_same_key_and_a_new_day_a_new_key(base_kb):
    assert key(base_kb) == key(base_kb)
    assert key(base_kb, TODAY + dt.timedelta(days=1)) != key(base_kb)


def test_content_decides_the_key_and_the_stats_tell_a_write(base_kb):
    config = load_config(base_kb)
    first = inputs.snapshot(config, TODAY)
    page = base_kb / "docs/topic.md"
    page.write_bytes(page.read_bytes())  # written again, same bytes
    st = page.stat()
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    again = inputs.snapshot(config, TODAY)
    assert again.key == first.key
    assert not first.stable(again)  # written meanwhile: a result computed in between is not kept
    assert again.stable(inputs.snapshot(config, TODAY))


def test_files_the_check_never_reads_leave_the_key(base_kb):
    before = key(base_kb)
    (base_kb / "docs/picture.png").write_bytes(b"\x89PNG")
    (base_kb / "docs/.hidden").mkdir()
    (base_kb / "docs/.hidden/page.md").write_text("An uncited claim.\n")
    (base_kb / "site").mkdir()
    (base_kb / "site/index.html").write_text("<p>built</p>")
    assert key(base_kb) == before


def test_a_renamed_page_changes_the_key(base_kb):
    before = key(base_kb)
    (base_kb / "docs/topic.md").rename(base_kb / "docs/topic2.md")
    assert key(base_kb) != before


def test_a_missing_file_is_part_of_the_key(tmp_path):
    kb = make_kb(tmp_path, "retracted-source")
    before = key(kb)
    (kb / "data/retraction-watch.csv").unlink()
    missing = key(kb)
    assert missing != before
    assert key(kb) == missing


def test_a_fifo_where_a_file_was_expected_is_not_waited_on(base_kb):
    os.mkfifo(base_kb / "lay_terms.yml")  # opening it to read would wait for a writer for ever
    os.mkfifo(base_kb / "docs/pipe.md")
    assert key(base_kb) == key(base_kb)


def test_a_folder_where_a_file_was_expected(base_kb):
    before = key(base_kb)
    (base_kb / "lay_terms.yml").mkdir()
    assert key(base_kb) == key(base_kb) != before
