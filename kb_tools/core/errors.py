"""Exceptions kb_tools raises when an input cannot be used at all.

    KbError                 base; ``str()`` is a message for people, starting with path:line
    ├── ConfigError         mkdocs.yml missing or its ``kb`` options invalid (exit 2)
    └── BuildError          a build step failed; the previous site and index are kept (exit 1)
        └── EntryError      pandoc could not read one BibTeX entry (``key``); the caller names its path:line

Problems in content (a bad entry, an uncited claim) are never exceptions: they
are ``Finding`` records, so a check reports all of them at once.
"""


class KbError(Exception):
    """Base of kb_tools' own errors."""


class ConfigError(KbError):
    """The KB's configuration is missing or invalid."""


class BuildError(KbError):
    """A build could not complete."""


class EntryError(BuildError):
    """Pandoc refused one entry of the bibliography; ``str()`` says why, ``key`` which entry."""

    def __init__(self, key: str, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.key = key
        self.line = line  # the line within the entry that pandoc stopped at (1: the entry's first)
