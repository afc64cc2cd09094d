"""The plugin options' registry: ``kb check`` and MkDocs read the same options the same way."""

from __future__ import annotations

from pathlib import Path

import pytest
from mkdocs.config import load_config as mkdocs_config

from kb_tools.config import options
from kb_tools.config.kbconfig import KbConfig, config_from_options, load_config
from kb_tools.core.codes import DEFAULT_SEVERITY
from kb_tools.engines.mkdocs.plugin import kb_config

GIVEN = {  # a valid value for every option kb reads
    "bibliography": "references/*.bib",
    "records": ["references/records/*.yml"],
    "accept": ["journal", "government"],
    "severity": {"unused-source": "error"},
    "conditions": [{"id": "ptsd", "name": "PTSD", "synonyms": ["PTSD"]}],
    "review_max_age_days": 30,
    "designs": ["rct", "meta-analysis", "systematic-review", "cohort", "case-control", "case-series",
                "narrative-review", "expert-opinion"],
    "index_dir": ".kb/other-index",
    "cache_dir": ".kb/other-cache",
    "retractions": [],
    "csl": "apa",
    "publish_fields": ["abstract"],
    "static_headers": True,
}  # fmt: skip


def test_every_option_has_a_valid_example_here():
    assert set(GIVEN) == set(options.NAMES)


def test_the_defaults_are_the_registrys():
    root, path = Path("/kb"), Path("/kb/mkdocs.yml")
    assert config_from_options(root, path, {}, {}) == KbConfig(root, path)


def test_kb_configs_own_defaults_are_the_registrys():
    # severity and conditions are held in another form: every code's severity, and the conditions as read
    held = {"severity": dict(DEFAULT_SEVERITY), "conditions": ()}
    defaults = KbConfig(Path("/kb"), Path("/kb/mkdocs.yml"))
    for name in options.NAMES:
        default = options.OPTIONS[name].default
        want = held.get(name, tuple(default) if isinstance(default, list) else default)
        assert getattr(defaults, name) == want, name


def test_mkdocs_and_kb_check_read_the_options_alike(base_kb):
    yml = base_kb / "mkdocs.yml"
    text = yml.read_text().split("  - kb:\n")[0] + "  - kb:\n"
    for name, value in GIVEN.items():
        text += f"      {name}: {value!r}\n".replace("'", '"')
    yml.write_text(text)
    ours = load_config(base_kb)
    cfg = mkdocs_config(config_file=str(yml))
    theirs = kb_config(cfg, cfg.plugins["kb"].config)
    for name in options.NAMES:
        if hasattr(ours, name):
            assert getattr(theirs, name) == getattr(ours, name), name
    assert ours.review_max_age_days == 30 and ours.severity["unused-source"] == "error"


def test_static_headers_must_be_true_or_false():
    from kb_tools.core.errors import ConfigError

    root, path = Path("/kb"), Path("/kb/mkdocs.yml")
    with pytest.raises(ConfigError, match="static_headers: give true or false"):
        config_from_options(root, path, {}, {"static_headers": "yes"})
