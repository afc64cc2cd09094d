"""The MkDocs plugin stays a thin adapter, and the modules behind it use MkDocs only through its public parts.

(``test_code_size`` keeps every module, these included, under 400 lines and every function under 60.)
These read the source (AST), so they fail the moment a private hook comes back: a private attribute of a
MkDocs object (``page._title_from_render``), a replaced method (``page.render = ...``), an event called
by hand (``config.plugins.on_page_content(...)``) or a reach into the search plugin's in-memory index.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kb_tools

PACKAGE = Path(kb_tools.__file__).parent
PLUGIN = PACKAGE / "engines" / "mkdocs" / "plugin.py"
# every module that is handed MkDocs' config, files, nav or pages
MKDOCS_FACING = (
    *("engines/mkdocs/plugin.py", "engines/mkdocs/sitebuild.py", "engines/mkdocs/pagestore.py"),
    *("engines/mkdocs/reusablepage.py", "site/incremental.py", "site/navigation.py", "plugin.py"),
)


def _tree(name: str) -> ast.Module:
    return ast.parse((PACKAGE / name).read_text(encoding="utf-8"), filename=name)


def problems(tree: ast.Module) -> list[str]:
    """Private attributes of other objects than ``self``, assigned or deleted ``render`` methods, events
    called by hand, and the search plugin's in-memory index."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and not _is_self(node.value):
            found.append(f"line {node.lineno}: private attribute .{node.attr}")
        if isinstance(node, ast.Attribute) and node.attr in ("search_index", "entries"):
            found.append(f"line {node.lineno}: the search plugin's in-memory index (.{node.attr})")
        if isinstance(node, ast.Attribute) and node.attr == "render" and isinstance(node.ctx, ast.Store | ast.Del):
            found.append(f"line {node.lineno}: assigns or deletes .render")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr.startswith("on_"):
            found.append(f"line {node.lineno}: calls the event .{node.func.attr}() by hand")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr"):
            found.append(f"line {node.lineno}: {node.func.id}()")
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def test_the_plugin_is_under_200_lines():
    lines = PLUGIN.read_text(encoding="utf-8").count("\n")
    assert lines < 200, (
        f"kb_tools/engines/mkdocs/plugin.py has {lines} lines; move the work into the pipeline's modules"
    )


@pytest.mark.parametrize("name", MKDOCS_FACING)
def test_mkdocs_is_used_through_its_public_parts_only(name):
    assert problems(_tree(name)) == []


@pytest.mark.parametrize(
    "source",
    [
        "page._title_from_render = 'x'",
        "page.render = lambda config, files: None",
        "del page.render",
        "config.plugins.on_page_content(html, page=page, config=config, files=files)",
        "entries = plugin.search_index.entries",
        "setattr(page, 'render', stub)",
    ],
)
def test_the_check_catches_each_private_hook(source):
    assert problems(ast.parse(source)), source


def test_commands_only_parse_arguments_and_call_modules():
    """No formatting or scaffolding in ``commands/``: each module defines its click command and small helpers."""
    for path in (PACKAGE / "commands").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not _is_command(n)]
        assert all(n.startswith("_") for n in helpers), (path.name, helpers)


def _is_command(node: ast.FunctionDef) -> bool:
    return any("command" in ast.unparse(d) for d in node.decorator_list)
