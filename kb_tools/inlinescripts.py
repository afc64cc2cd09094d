"""The inline scripts the site's theme writes, so ``kb serve``'s CSP can allow those and no other.

Material (and Zensical, which ships Material's templates) writes a few one-line ``<script>`` blocks into every
page: ``__md_scope`` and the storage helpers, the colour palette, the tab state; kb's header search adds one
on the search page. Their text comes from the theme's templates, where the only varying parts are
``{{ ... }}`` values inside a JavaScript string (``"{{ base_url }}"``). Each template script becomes a pattern:
its text exactly, with each such value matching a string's content that cannot end the string. A page's
inline script whose text matches one is the theme's; anything else (a nav title's script, a raw ``.html``
file's, an editor's) is not, whatever it looks like.
"""

from __future__ import annotations

import importlib.util
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
