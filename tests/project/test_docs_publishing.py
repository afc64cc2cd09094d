"""The README's publishing guide: its CI workflow is valid YAML that caches the build between runs."""

from __future__ import annotations

import re

import yaml

from tests.conftest import REPO


def test_the_ci_example_caches_kb_and_builds_incrementally():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    guide = readme.split("## Publishing the site", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```yaml\n(.*?)```", guide, re.S)
    assert block, "no workflow example in the publishing guide"
    workflow = yaml.safe_load(block[1])
    steps = workflow["jobs"]["build"]["steps"]
    cache = next(s for s in steps if str(s.get("uses", "")).startswith("actions/cache@"))
    kept = cache["with"]["path"].split()
    assert {".kb/cache", ".kb/index", "site"} <= set(kept)
    assert cache["with"]["restore-keys"].strip()  # a new run restores the last run's entry
    runs = " ".join(s.get("run", "") for s in steps)
    assert "kb build" in runs and "scripts/setup.sh" in runs
    for word in ("searches in the browser", "reverse proxy", "--workers", ".kb/cache"):
        assert word in guide
