"""Finding codes have names (``kb_tools.core.codes``): kb's own code uses the names, never the text, so a code
is spelt once, where the registry gives it its severity and meaning."""

from __future__ import annotations

import ast

from kb_tools.core import codes
from tests.conftest import REPO

NAMES = {name: value for name, value in vars(codes).items() if name.isupper() and isinstance(value, str)}


def test_every_registered_code_has_its_name_and_every_name_a_code():
    assert sorted(NAMES.values()) == sorted(codes.CODES)
    for name, code in NAMES.items():
        assert name == code.upper().replace("-", "_"), name


def test_no_module_of_kb_spells_out_a_code():
    spelt = []
    for path in sorted((REPO / "kb_tools").rglob("*.py")):
        if path == REPO / "kb_tools" / "core" / "codes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in codes.CODES:
                spelt.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.value!r}")
    assert spelt == [], "use the code's name from kb_tools.core.codes:\n" + "\n".join(spelt)


def test_a_finding_carries_the_codes_text():
    found = codes.finding(codes.UNCITED_CLAIM, codes.Location("docs/a.md", 3), "cites no source")
    assert (found.code, found.severity) == ("uncited-claim", "error")
    assert str(found) == "docs/a.md:3: error uncited-claim: cites no source"
