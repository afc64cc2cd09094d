"""The ``kb`` MkDocs plugin's entry point (``plugins: - kb`` in ``mkdocs.yml``, also under ProperDocs).

The plugin itself is MkDocs' engine adapter (``kb_tools.engines.mkdocs.plugin``); here it is handed the
pipeline's stages, so that no engine imports the pipeline.
"""

from . import pipeline
from .engines.mkdocs import plugin


class KbPlugin(plugin.KbPlugin):
    """Check the KB once per build and publish it as an evidence site (see ``kb_tools.engines.mkdocs.plugin``)."""

    stages = pipeline.STAGES
