"""Small modules with one job each: every kb_tools module stays under 400 lines, every function under 60.

A function's size is counted from its ``def`` line (decorators aside) to its last line, as Python's AST
reports them; a module's is its number of lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
PACKAGE = REPO / "kb_tools"


def oversized(source: str, name: str) -> list[str]:
    """``name (N lines)`` when the module is too long, ``name:line function (N lines)`` per long function."""
    out = []
    lines = len(source.splitlines())
    if lines >= MAX_MODULE_LINES:
        out.append(f"{name} ({lines} lines)")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            size = node.end_lineno - node.lineno + 1
            if size >= MAX_FUNCTION_LINES:
                out.append(f"{name}:{node.lineno} {node.name} ({size} lines)")
    return out


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_and_function_is_small():
    found = []
    for path in modules():
        found += oversized(path.read_text(encoding="utf-8"), path.relative_to(REPO).as_posix())
    assert not found, (
        f"a module must stay under {MAX_MODULE_LINES} lines and a function under {MAX_FUNCTION_LINES}; "
        "split these by job: " + "; ".join(found)
    )


def test_the_package_is_walked():
    names = {p.relative_to(REPO).as_posix() for p in modules()}
    assert {"kb_tools/search/engine.py", "kb_tools/load/pages.py"} <= names
    assert any("/" in n.removeprefix("kb_tools/") for n in names), "subpackages (load/, engines/mkdocs/) are included"


def _function(lines: int) -> str:
    return "def f():\n" + "    x = 1\n" * (lines - 1)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (_function(MAX_FUNCTION_LINES - 1), []),
        (_function(MAX_FUNCTION_LINES), [f"m.py:1 f ({MAX_FUNCTION_LINES} lines)"]),
        (
            "class C:\n    async " + _function(MAX_FUNCTION_LINES).replace("\n", "\n    ").rstrip() + "\n",
            [f"m.py:2 f ({MAX_FUNCTION_LINES} lines)"],
        ),
        ("x = 1\n" * (MAX_MODULE_LINES - 1), []),
        ("x = 1\n" * MAX_MODULE_LINES, [f"m.py ({MAX_MODULE_LINES} lines)"]),
    ],
    ids=["function-59", "function-60", "nested-async-method-60", "module-399", "module-400"],
)
def test_oversized_names_what_is_too_long(source, expected):
    assert oversized(source, "m.py") == expected
