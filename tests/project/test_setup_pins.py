"""Reproducible installs: constraints.txt pins every package in the venv, and set-up and CI install through it."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

from tests.conftest import REPO

UNPINNED = {"pip", "setuptools", "wheel", "kb-tools"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def constraints() -> dict[str, str]:
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        assert m, f"constraints.txt: {line!r} is not an exact pin (name==version)"
        assert norm(m.group(1)) not in pins, f"constraints.txt: {m.group(1)} twice"
        pins[norm(m.group(1))] = m.group(2)
    return pins


def frozen() -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--all", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = {}
    for line in out.splitlines():
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line.strip())
        if m:
            found[norm(m.group(1))] = m.group(2)
    return found


def test_every_installed_package_is_pinned_at_its_installed_version():
    pins, installed = constraints(), frozen()
    assert len(installed) > 20  # pip freeze really listed the venv
    unpinned = sorted(f"{n}=={v}" for n, v in installed.items() if n not in UNPINNED and n not in pins)
    assert unpinned == [], f"installed but not in constraints.txt: {unpinned}"
    drift = sorted(f"{n}: installed {v}, pinned {pins[n]}" for n, v in installed.items() if n in pins and pins[n] != v)
    assert drift == [], drift


def test_every_pyproject_dependency_is_pinned():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    named = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        named += extra
    pins = constraints()
    missing = [d for d in named if norm(re.match(r"[A-Za-z0-9._-]+", d).group(0)) not in pins]
    assert missing == [], f"named in pyproject.toml but not pinned in constraints.txt: {missing}"


def test_setup_and_ci_install_through_the_constraints():
    setup = (REPO / "scripts/setup.sh").read_text()
    assert re.search(r"pip install[^\n]*-c constraints\.txt", setup)
    assert "make test" in (REPO / ".ci/run").read_text()
    assert "scripts/setup.sh --test" in (REPO / "Makefile").read_text()
