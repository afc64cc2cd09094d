"""Every YAML file kb reads (``mkdocs.yml``, ``lay_terms.yml``, findings records, page front matter) goes
through here: bounded before it is parsed into Python objects. ``mkdocs.yml`` is read with ``MkDocsLoader``,
which also takes the tags MkDocs and its plugins write there.

YAML can describe far more than it spells out. A few lines of aliases (``&a [*b, *b, ...]``, nine levels
deep) expand to a billion items once anything walks them (an "alias bomb"), and 50,000 nested ``[``
overflow the Python stack of a recursive parser. So ``bounded`` first walks the file's *events*
(PyYAML's parser keeps its own stack, so this never recurses), counting what the document would be
once expanded, and stops at the first line past a limit with a ``YamlLimit``, a ``MarkedYAMLError``:
every caller already reports those at ``path:line``. Only then is the text composed or constructed.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_BYTES = 8 << 20  # a settings file or a record is a few kilobytes; a generated record a few hundred
MAX_DEPTH = 100  # nesting of lists and mappings (a long nav is 5 deep)
MAX_NODES = 1_000_000  # values, once every alias is expanded (a large nav or lay_terms.yml has a few thousand)
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlLimit(yaml.MarkedYAMLError):
    """The text is past one of kb's bounds; ``problem_mark`` is where (0-based line, like every YAML mark)."""


def bounded(text: str) -> None:
    """Raise ``YamlLimit`` if ``text`` is larger, deeper or expands to more values than kb reads, or if an
    alias refers to the list or mapping it is in; other YAML errors are left for the real parse to report."""
    if len(text) > MAX_BYTES:
        raise YamlLimit(problem=f"the file is larger than {MAX_BYTES >> 20} MB; kb reads no YAML file that large")
    try:
        _walk(yaml.parse(text, Loader=FAST_LOADER))
    except YamlLimit:
        raise
    except yaml.YAMLError as exc:
        if "nesting depth" in str(getattr(exc, "problem", "")):  # libyaml's own bound (1,000), met first
            raise _deep(exc.problem_mark) from None
        # a syntax error: the real parse reports it, in its own words


def _deep(mark) -> YamlLimit:
    return YamlLimit(problem=f"lists or mappings nested more than {MAX_DEPTH} deep", problem_mark=mark)


def _walk(events) -> None:
    sizes: dict[str, int] = {}  # each closed anchor's expanded size
    stack: list[list] = []  # per open list or mapping: [anchor, expanded size so far]
    total = 0
    for event in events:
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append([event.anchor, 1])
            if len(stack) > MAX_DEPTH:
                raise _deep(event.start_mark)
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = stack.pop()
        elif isinstance(event, yaml.AliasEvent):
            if any(a == event.anchor for a, _s in stack):
                problem = f"the alias *{event.anchor} is inside the &{event.anchor} it names, so it never ends"
                raise YamlLimit(problem=problem, problem_mark=event.start_mark)
            anchor, size = None, sizes.get(event.anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        else:
            continue
        if anchor is not None:
            sizes[anchor] = size
        if stack:
            stack[-1][1] += size
        else:
            total += size
        if total + sum(s for _a, s in stack) > MAX_NODES:
            raise YamlLimit(
                problem=f"more than {MAX_NODES:,} values once its aliases (*name) are expanded; "
                "write the values out, or use fewer aliases",
                problem_mark=event.start_mark,
            )


class MkDocsLoader(yaml.SafeLoader):
    """``mkdocs.yml``'s loader: safe, and tolerant of the tags MkDocs and its plugins write there (``!ENV``,
    ``!relative``, ``!!python/name:`` ...): a tagged value is read as written, without its tag.

    PyYAML's Python parser, as MkDocs reads the file: one short file, where libyaml's speed does not count.
    """


def _untagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


MkDocsLoader.add_multi_constructor("!", _untagged)
MkDocsLoader.add_multi_constructor("tag:yaml.org,2002:python/", _untagged)


def load(text: str, loader: type = FAST_LOADER) -> Any:
    """``yaml.load`` of ``text`` once it is within kb's bounds."""
    bounded(text)
    return yaml.load(text, Loader=loader)  # noqa: S506 - every loader passed here is a SafeLoader


def load_mkdocs(text: str) -> Any:
    """``mkdocs.yml``'s text as data, once within kb's bounds (``MkDocsLoader``)."""
    return load(text, MkDocsLoader)


def compose(text: str, loader: type = FAST_LOADER) -> yaml.Node | None:
    """``yaml.compose`` (nodes with their lines, nothing constructed) once ``text`` is within kb's bounds."""
    bounded(text)
    return yaml.compose(text, Loader=loader)


def compose_mkdocs(text: str) -> yaml.Node | None:
    """``mkdocs.yml``'s nodes, once within kb's bounds (``MkDocsLoader``, whose lines ``load_mkdocs``'s errors name)."""
    return compose(text, MkDocsLoader)


def line_of(exc: BaseException) -> int | None:
    """The 1-based line a YAML error names, or None."""
    mark = getattr(exc, "problem_mark", None)
    return mark.line + 1 if mark is not None else None


def problem(exc: BaseException) -> str:
    """What a YAML error says is wrong, in a few words."""
    return str(getattr(exc, "problem", None) or exc.__class__.__name__)


NULL_TAG = "tag:yaml.org,2002:null"


def node_line(node: yaml.Node) -> int:
    """The 1-based line a composed node starts on, for findings."""
    return node.start_mark.line + 1


def scalar_text(node: yaml.Node) -> str | None:
    """A scalar node's text as written ("" for an empty value); None for a list or mapping."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    return "" if node.tag == NULL_TAG else str(node.value).strip()
