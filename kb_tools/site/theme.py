"""Templates kb lays over the theme's own: the header's search box (``partials/search.html``).

Material includes ``partials/search.html`` in its header when its search plugin is on. kb's version
(in ``templates/theme/partials/``) puts the claim search box there and then includes the theme's own
search, reachable as ``kb-theme:partials/search.html`` (a ``custom_dir`` override of it included), so
the page-text search stays one option away.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

ASSETS = Path(__file__).parent.parent / "assets"  # kb's stylesheets and scripts, served under ``assets/kb/``
THEME = Path(__file__).parent.parent / "templates" / "theme"
OVERRIDDEN = ("partials/search.html",)
PREFIX = "kb-theme"  # ``kb-theme:NAME`` is the theme's own template NAME, under kb's override


class _Only(jinja2.FileSystemLoader):
    """kb's templates of the given names, and nothing else (so a site's own templates still win elsewhere)."""

    def __init__(self, folder: Path, names: tuple[str, ...]):
        super().__init__(str(folder))
        self.names = frozenset(names)

    def get_source(self, environment, template):
        if template not in self.names:
            raise jinja2.TemplateNotFound(template)
        return super().get_source(environment, template)

    def list_templates(self):
        return sorted(self.names)


def theme_overrides(loader: jinja2.BaseLoader) -> jinja2.BaseLoader:
    """``loader`` with kb's overrides ahead of it, and ``loader`` itself reachable under ``kb-theme:``."""
    return jinja2.ChoiceLoader([_Only(THEME, OVERRIDDEN), jinja2.PrefixLoader({PREFIX: loader}, delimiter=":"), loader])
