"""The site's Content-Security-Policy: the inline scripts the theme writes, which the policy allows by hash, and
no other (``kb serve`` sends it with each page; ``kb build`` writes it for static hosts, ``static_headers``).

Material (and Zensical, which ships Material's templates) writes a few one-line ``<script>`` blocks into every
page: ``__md_scope`` and the storage helpers, the colour palette, the tab state; kb's header search adds one
on the search page. Their text comes from the theme's templates, where the only varying parts are
``{{ ... }}`` values inside a JavaScript string (``"{{ base_url }}"``). Each template script becomes a pattern:
its text exactly, with each such value matching a string's content that cannot end the string. A page's
inline script whose text matches one is the theme's; anything else (a nav title's script, a raw ``.html``
file's, an editor's) is not, whatever it looks like.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import re
from functools import cache
from pathlib import Path

from .theme import THEME

_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_VALUE = re.compile(r'"\{\{-?[^{}]*?-?\}\}"')
_STRING_CONTENT = r'"[^"\'\\<>\n`$]*"'  # a value inside double quotes that cannot leave them


def _template_dirs() -> list[Path]:
    """kb's theme overrides and the templates of the installed themes (Material's, Zensical's)."""
    dirs = [THEME]
    for package in ("material", "zensical"):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin:
            templates = Path(spec.origin).parent / "templates"
            if templates.is_dir():
                dirs.append(templates)
    return dirs


def _pattern(body: str) -> re.Pattern[str] | None:
    """The template script's text as a pattern; None when it holds Jinja that is not a quoted value."""
    parts = _VALUE.split(body)
    if any("{{" in p or "{%" in p or "{#" in p for p in parts):
        return None
    return re.compile(_STRING_CONTENT.join(re.escape(p) for p in parts))


@cache
def theme_script_patterns() -> tuple[re.Pattern[str], ...]:
    out: dict[str, re.Pattern[str]] = {}
    for folder in _template_dirs():
        for template in sorted(folder.rglob("*.html")):
            try:
                text = template.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            for body in _SCRIPT.findall(text):
                pattern = _pattern(body)
                if pattern is not None:
                    out.setdefault(pattern.pattern, pattern)
    return tuple(out.values())


def is_theme_script(body: str) -> bool:
    """Whether an inline script's text is one the theme's templates write."""
    return any(p.fullmatch(body) for p in theme_script_patterns())


# Material needs: its own scripts and search worker ('self'), inline style attributes,
# data: URIs for icons, and Google Fonts unless the theme turns fonts off.
CSP_BASE = (
    "default-src 'self'; style-src 'self' 'unsafe-inline' https://fonts.googleapis.com; "
    "font-src 'self' data: https://fonts.gstatic.com; img-src 'self' data:; connect-src 'self'; "
    "worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)


def csp(script_hashes: tuple[str, ...] = ()) -> str:
    scripts = " ".join(["'self'", *(f"'sha256-{h}'" for h in script_hashes)])
    return f"{CSP_BASE}; script-src {scripts}"


def inline_script_hashes(page: str) -> tuple[str, ...]:
    """sha256 of every inline script of the theme's templates that the page holds (``inlinescripts``): not JSON
    data blocks, not ``src=`` scripts, and no other inline script, so the CSP refuses a script in a nav title of
    ``mkdocs.yml``, in a raw ``.html`` file of ``docs/``, or in a page's content (the raw HTML an editor's
    Markdown may hold, inside Material's ``<article class="md-content__inner">``).
    """
    start = page.find('<article class="md-content__inner')
    end = page.rfind("</article>")
    if 0 <= start < end:
        page = page[:start] + page[end:]
    out = []
    for m in _INLINE_SCRIPT.finditer(page):
        attrs = m.group("attrs").lower()
        if "src=" in attrs or re.search(r"type=[\"']?application/(ld\+)?json", attrs):
            continue
        if attrs.strip() or not is_theme_script(m.group("body")):
            continue
        out.append(base64.b64encode(hashlib.sha256(m.group("body").encode("utf-8")).digest()).decode())
    return tuple(dict.fromkeys(out))


# --- for static hosts -------------------------------------------------------------------------------------

HEADERS_FILE = "_headers"  # Netlify's and Cloudflare Pages' file of response headers


def site_script_hashes(site: Path) -> tuple[str, ...]:
    """The theme's inline scripts across a built site. They differ only by a page's depth (``base_url``) and on
    the 404 and search pages, so one page per folder depth is read, and those."""
    hashes: dict[str, None] = {}
    depths: set[int] = set()
    for folder, dirs, files in os.walk(site):
        dirs.sort()
        parts = Path(folder).relative_to(site).parts
        pages = sorted(f for f in files if f.endswith(".html"))
        special = {p for p in pages if p in ("404.html", "search.html") or parts[:1] == ("search",)}
        plain = [p for p in pages if p not in special]  # the 404 page's links are absolute: not this depth's
        chosen = special | (set(plain[:1]) if len(parts) not in depths else set())
        if plain:
            depths.add(len(parts))
        for name in sorted(chosen):
            text = (Path(folder) / name).read_text(encoding="utf-8", errors="replace")
            hashes.update(dict.fromkeys(inline_script_hashes(text)))
    return tuple(hashes)


def headers_file(hashes: tuple[str, ...]) -> str:
    """A ``_headers`` file giving every path the site's CSP and security headers."""
    lines = [
        "# Written by kb build (static_headers: true): the site's Content-Security-Policy and security headers",
        "/*",
    ]
    lines.append(f"  Content-Security-Policy: {csp(hashes)}")
    lines += [f"  {name.title()}: {value}" for name, value in SECURITY_HEADERS.items()]
    return "\n".join(lines) + "\n"


def write_headers(site: Path) -> bool:
    """Write ``_headers`` into a built site, unless the KB's ``docs/`` has one of its own (that one wins)."""
    target = site / HEADERS_FILE
    if target.exists():
        return False
    target.write_text(headers_file(site_script_hashes(site)), encoding="utf-8")
    return True
