"""The KB's configuration: the ``kb`` plugin's options in ``mkdocs.yml``, its folders and citation style.

``KbConfig``, ``load_config`` and ``watched_paths`` are public here (``kb_tools.config.watched_paths`` is
documented for editors' own tooling); the rest lives in ``kbconfig``, ``options``, ``folders`` and ``styles``.
"""

from .kbconfig import KbConfig, config_from_options, load_config, watched_paths

__all__ = ["KbConfig", "config_from_options", "load_config", "watched_paths"]
