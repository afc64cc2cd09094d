"""Real-world BibTeX: every entry of TeX Live's bibliographies loads or is reported, and the counts add up.

The corpus is Debian's texlive-bibtex-extra, unpacked by ``scripts/setup.sh --test`` into
``.cache/texlive-bib`` (never committed).
"""

from __future__ import annotations

import re

import pytest

from kb_tools.load.bibtex import decode_bytes, load_bib_text
from tests.conftest import REPO

CORPUS = REPO / ".cache" / "texlive-bib"
FILES = sorted(CORPUS.glob("*.bib*")) if CORPUS.is_dir() else []
ENTRY_START = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*[{(][ \t]*([^,\s]*)", re.M)
NOT_ENTRIES = {"string", "preamble"}


def is_entry(kind: str) -> bool:
    # bibtexparser, like jurabib's @COMMENTED convention, reads any @comment... block as a comment.
    return kind.lower() not in NOT_ENTRIES and not kind.lower().startswith("comment")


pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not FILES, reason="run scripts/setup.sh --test to fetch the TeX Live corpus"),
]


def test_corpus_is_large_enough():
    assert len(FILES) >= 50


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_entry_loads_or_is_reported(path):
    text = decode_bytes(path.read_bytes())
    result = load_bib_text(text, path.name)
    starts = [m for m in ENTRY_START.finditer(text) if is_entry(m.group(1))]
    entry_lines = {text.count("\n", 0, m.start()) + 1 for m in starts}
    loaded_lines = {s.location.line for s in result.sources}
    errors = [f for f in result.findings if f.severity == "error" and f.code in ("bib-syntax", "duplicate-source")]
    dropped_lines = {f.location.line for f in errors}
    # a field pandoc cannot read is reported at the field's line, naming its entry
    dropped_keys = {f.source for f in errors if f.source}
    dropped_lines |= {text.count("\n", 0, m.start()) + 1 for m in starts if m.group(2) in dropped_keys}
    for f in result.findings:
        assert f.location.path == path.name and f.location.line >= 1 and f.message
    # Every entry that starts on a line either became a source or is named by a finding at that line.
    unaccounted = sorted(entry_lines - loaded_lines - dropped_lines)
    assert unaccounted == [], f"{path.name}: entries at lines {unaccounted[:5]} neither loaded nor reported"
    # And nothing loads from a line where no entry starts (no phantom sources).
    assert loaded_lines <= entry_lines
