"""The ``kb`` MkDocs plugin's entry point (``plugins: - kb``): the MkDocs engine's plugin."""

from .engines.mkdocs.plugin import KbPlugin

__all__ = ["KbPlugin"]
