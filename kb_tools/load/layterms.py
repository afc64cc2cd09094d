"""The KB's ``lay_terms.yml`` (beside ``mkdocs.yml``): the words a reader may use for the KB's terms.

::

    stop_words: [anyone, typically]
    terms:
      teenagers: [adolescent, adolescents]

``kb check`` reads it, so what the search index will read is checked first: a file that is not valid
YAML, is beyond kb's bounds (``kb_tools.core.safeyaml``) or has the wrong shape is a ``bad-lay-terms``
finding at its line, and ``kb build`` then stops before it starts.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..core import safeyaml
from ..core.codes import BAD_LAY_TERMS, finding
from ..core.model import Finding, Location
from ..core.safeyaml import node_line

LAY_TERMS_FILE = "lay_terms.yml"


def read_lay_terms(root: Path) -> tuple[list[str], dict[str, list[str]], list[Finding]]:
    """The file's stop words and terms (empty when there is no file), and its problems as findings."""
    path = root / LAY_TERMS_FILE
    stop: list[str] = []
    terms: dict[str, list[str]] = {}
    findings: list[Finding] = []

    def bad(line: int, message: str) -> None:
        findings.append(finding(BAD_LAY_TERMS, Location(LAY_TERMS_FILE, line), message))

    if not path.is_file():
        return stop, terms, findings
    try:
        node = safeyaml.compose(path.read_text(encoding="utf-8"))
    except OSError as exc:
        bad(1, f"cannot read the file ({exc.strerror})")
        return stop, terms, findings
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError, ValueError) as exc:
        if isinstance(exc, safeyaml.YamlLimit):
            message = f"the file is beyond what kb reads: {safeyaml.problem(exc)}"
        else:
            message = f"the file is not valid YAML ({safeyaml.problem(exc)}); fix the syntax"
        bad(safeyaml.line_of(exc) or 1, message)
        return stop, terms, findings
    if node is None:
        return stop, terms, findings
    if not isinstance(node, yaml.MappingNode):
        bad(node_line(node), "the file must be a mapping with 'stop_words:' and 'terms:'")
        return stop, terms, findings
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name == "stop_words":
            words = _words(value)
            if words is None:
                bad(node_line(value), "stop_words: give a list of words, such as [anyone, typically]")
            stop += words or []
        elif name == "terms":
            _terms(value, terms, bad)
    return stop, terms, findings


def _terms(node: yaml.Node, terms: dict[str, list[str]], bad) -> None:
    if _is_null(node):
        return
    if not isinstance(node, yaml.MappingNode):
        bad(node_line(node), "terms: give a mapping of a reader's word to a list of the KB's words")
        return
    for key, value in node.value:
        words = _words(value)
        if not isinstance(key, yaml.ScalarNode) or words is None:
            bad(node_line(key), "terms: each entry is a word and a list of words, such as 'teenagers: [adolescent]'")
            continue
        terms[str(key.value).lower()] = words


def _words(node: yaml.Node) -> list[str] | None:
    """A list of scalars (one scalar, or nothing, counts too) as text; None for anything else."""
    if _is_null(node):
        return []
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    if not all(isinstance(i, yaml.ScalarNode) for i in items):
        return None
    return [str(i.value) for i in items if not _is_null(i)]


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == safeyaml.NULL_TAG
