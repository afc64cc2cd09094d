"""APA formatting through pandoc: chunked, cached runs give exactly what one run gives."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from kb_tools.references import citeproc as apa

pytestmark = [pytest.mark.pandoc, pytest.mark.skipif(not shutil.which("pandoc"), reason="pandoc is not installed")]


def entry(key: str, authors: str, year: int, title: str) -> str:
    return (
        f"@article{{{key},\n  author = {{{authors}}},\n  title = {{{title}}},\n"
        f"  journal = {{Journal of Tests}},\n  year = {{{year}}},\n  volume = {{1}},\n  pages = {{1--2}},\n}}"
    )


# Look-alikes that APA must disambiguate ("2020a", added initials, et al. expansions) spread over many chunks.
BIB = "\n\n".join(
    [
        "@string{jt = {Journal of Tests}}",
        entry("smith2020a", "Smith, John and Doe, Ann", 2020, "First study"),
        entry("smith2020b", "Smith, John and Doe, Ann", 2020, "Second study"),
        entry("smith2020c", "Smith, Alice", 2020, "Another Smith"),
        entry("smith2021", "Smith, John", 2021, "Later study"),
        entry("jones2019a", "Jones, Kim and Lee, Bo and Park, Su", 2019, "Trio"),
        entry("jones2019b", "Jones, Kim and Kay, Al and Roe, Ed", 2019, "Other trio"),
        *[entry(f"filler{i}", f"Author{i}, Pat", 2000 + i, f"Filler {i}") for i in range(14)],
    ]
)
GROUPS = [
    "[@smith2020a]",
    "[@smith2020b; @jones2019a, p. 4]",
    "@smith2020c [p. 9]",
    "[-@smith2021]",
    "[@jones2019b; @filler3]",
    "[see @filler12, chap. 2]",
]


def test_chunked_equals_one_run(monkeypatch, tmp_path):
    single = apa._run_pandoc(BIB, GROUPS, apa.csl_path())
    monkeypatch.setattr(apa, "CHUNK_ENTRIES", 3)
    plan = apa._plan_chunks(apa.split_bibtex(BIB)[1], GROUPS)
    assert len(plan) >= 5  # the test really spreads the entries over several runs
    chunked = apa.format_all(BIB, GROUPS, tmp_path)
    assert list(chunked.references.items()) == list(single.references.items())  # same entries, same order
    assert chunked.citations == single.citations
    assert "2020a" in apa.html_to_text(chunked.citations[0])  # disambiguation survived the chunking


def test_cache_is_used_and_survives_damage(monkeypatch, tmp_path):
    first = apa.format_all(BIB, GROUPS, tmp_path)
    for f in tmp_path.glob("apa-*.json"):
        f.write_text("{not json")
    assert apa.format_all(BIB, GROUPS, tmp_path) == first  # damaged entries are recomputed
    monkeypatch.setattr(apa, "_run_pandoc", lambda *a, **k: pytest.fail("pandoc ran despite a warm cache"))
    assert apa.format_all(BIB, GROUPS, tmp_path) == first


def test_split_bibtex_keeps_macros_and_every_entry():
    macros, entries = apa.split_bibtex(BIB)
    assert macros.startswith("@string")
    assert len(entries) == 20 and entries["smith2020b"].startswith("@article{smith2020b,")


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        (entry("a", "Smith, John and Doe, Ann", 2020, "T"), "smith|2020"),
        (entry("b", "John Smith and Ann Doe", 2020, "T"), "smith|2020"),
        (entry("c", "{U.S. Food and Drug Administration}", 2023, "T"), "food|2023"),
        ("@misc{d,\n  title = {No author},\n}", "|"),
    ],
)
def test_confusable(raw, want):
    assert apa.confusable(raw) == want


def test_javascript_urls_never_become_links():
    bib = "@misc{x,\n  author = {Roe, R},\n  title = {T},\n  year = {2020},\n  url = {javascript:alert(1)},\n}"
    out = apa.format_all(bib, ["[@x]"], None)
    hrefs = re.findall(r'href="([^"]*)"', "".join(out.references.values()) + "".join(out.citations))
    assert hrefs and not [h for h in hrefs if h.lower().startswith("javascript:")]


def test_pandoc_runs_with_a_small_heap_when_it_accepts_rts_options(tmp_path):
    exe = shutil.which("pandoc")
    assert apa.pandoc_command(exe) == (exe, "+RTS", "-A1m", "-RTS")
    strict = tmp_path / "pandoc-without-rtsopts"  # as a pandoc linked without -rtsopts answers
    strict.write_text('#!/bin/sh\ncase "$1" in +RTS) echo "Most RTS options are disabled" >&2; exit 1;; esac\n')
    strict.chmod(0o755)
    assert apa.pandoc_command(str(strict)) == (str(strict),)
    assert apa.pandoc_command(str(tmp_path / "missing")) == (str(tmp_path / "missing"),)


@pytest.mark.parametrize(("serial_above", "most_at_once"), [(10**6, 2), (5, 1)])
def test_a_large_bibliography_runs_pandoc_one_chunk_at_a_time(monkeypatch, serial_above, most_at_once):
    import threading
    import time

    if (os.cpu_count() or 1) < 2 and most_at_once == 2:
        pytest.skip("one core: runs never overlap")
    running, seen, lock = [0], [0], threading.Lock()

    def run(bib, groups, csl, nocite=()):
        with lock:
            running[0] += 1
            seen[0] = max(seen[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        return apa.Formatted({}, tuple("" for _ in groups))

    monkeypatch.setattr(apa, "CHUNK_ENTRIES", 3)
    monkeypatch.setattr(apa, "SERIAL_ABOVE", serial_above)  # the BIB has 20 entries
    monkeypatch.setattr(apa, "_run_pandoc", run)
    apa.format_all(BIB, GROUPS, None)
    assert seen[0] == most_at_once


def other_pandoc(folder) -> str:
    """A PATH whose first pandoc reports another version and otherwise is the real one."""
    folder.mkdir()
    fake = folder / "pandoc"
    real = shutil.which("pandoc")
    fake.write_text(f'#!/bin/sh\n[ "$1" = --version ] && {{ echo "pandoc 99.1"; exit 0; }}\nexec {real} "$@"\n')
    fake.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


def test_another_pandoc_version_formats_again(monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    first = apa.format_all(BIB, GROUPS, cache)
    runs = []
    real = apa._run_pandoc
    monkeypatch.setattr(apa, "_run_pandoc", lambda *a, **k: runs.append(1) or real(*a, **k))
    assert apa.format_all(BIB, GROUPS, cache) == first and runs == []  # same pandoc: from the cache
    monkeypatch.setenv("PATH", other_pandoc(tmp_path / "bin"))
    assert apa.format_all(BIB, GROUPS, cache) == first and runs  # another pandoc: formatted again


def test_an_author_list_ending_in_others_prints_et_al():
    bib = "\n\n".join([
        entry("solo", "Swainson, Jennifer and others", 2021, "Task force"),
        entry("trio", "Jones, Kim and Lee, Bo and Park, Su and others", 2019, "Trio and more"),
        entry("full", "Other, Ann and Brother, Bo", 2018, "Mother and others"),  # "others" in a title stays
    ])  # fmt: skip
    got = apa._run_pandoc(bib, ["[@solo]", "[@trio]"], apa.csl_path())
    text = {k: apa.html_to_text(v) for k, v in got.references.items()}
    assert text["solo"].startswith("Swainson, J., et al. (2021).")
    assert text["trio"].startswith("Jones, K., Lee, B., Park, S., et al. (2019).")
    assert "Mother and others" in text["full"] and "et al" not in text["full"]
    assert [apa.html_to_text(c) for c in got.citations] == ["(Swainson et al., 2021)", "(Jones et al., 2019)"]


def test_a_web_page_without_access_date_prints_its_url_without_retrieved():
    page = "@misc{{{k},\n  author = {{{{Health Service}}}},\n  title = {{{t}}},\n  url = {{https://example.org/{k}}},{extra}\n}}"
    bib = "\n\n".join([
        page.format(k="undated", t="Service page", extra=""),
        page.format(k="visited", t="Visited page", extra="\n  urldate = {2026-12-01},"),
    ])  # fmt: skip
    text = {k: apa.html_to_text(v) for k, v in apa._run_pandoc(bib, [], apa.csl_path()).references.items()}
    assert text["undated"].endswith("Service page. https://example.org/undated")
    assert "Retrieved" not in text["undated"]  # no access date is made up, and no bare "Retrieved"
    assert text["visited"].endswith("Retrieved December 1, 2026, from https://example.org/visited")
