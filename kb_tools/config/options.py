"""Every option of the ``kb`` plugin (``plugins: - kb: ...`` in ``mkdocs.yml``): the one list of them.

It drives ``config.config_from_options`` (which names are known, and each one's default), the MkDocs
plugin's config class (``plugin_config_class``), and the README's table of options (``markdown_table``;
``tests/project/test_docs.py`` fails when the README's table differs from it).

Defaults are written as an editor would write them in ``mkdocs.yml``, so ``config_from_options`` reads a
default the same way as a given value. This module imports no MkDocs: ``kb check`` runs without it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..core.grading import DESIGNS


@dataclass(frozen=True)
class Option:
    """One plugin option: the YAML types MkDocs lets through, its default, and what it does."""

    name: str
    types: tuple[type, ...]  # loose on purpose: ``config.config_from_options`` is the one validator
    default: Any
    doc: str
    shown: str = ""  # the default as the README shows it, where the value itself would not read well
    mkdocs_default: bool = False  # MkDocs fills the default in itself (``enabled``); kb ignores the option


_OPTIONS = (
    Option(
        "enabled",
        (bool,),
        True,
        "`false` turns the plugin off: MkDocs then builds the plain pages",
        mkdocs_default=True,
    ),
    Option(
        "bibliography",
        (str, list),
        ["references/*.bib"],
        "the BibTeX files: glob patterns, relative to the KB folder",
    ),
    Option(
        "records",
        (str, list),
        ["references/records/*.yml"],
        "the findings records, one YAML file per source, named `<key>.yml`: glob patterns",
    ),
    Option(
        "accept",
        (list,),
        ["journal", "government", "university", "professional", "journalism"],
        "the source types a claim may rest on (`commercial` can never be accepted)",
    ),
    Option(
        "severity",
        (dict,),
        {},
        "a finding code's severity instead of its default: `error`, `warning` or `ignore`",
    ),
    Option(
        "conditions",
        (list,),
        None,
        "the vocabulary readers search by: `id`, `name`, `synonyms` and `exclude` (phrases that contain a "
        "synonym but are not the condition) for each condition",
        shown="none (a KB lists its own)",
    ),
    Option(
        "review_max_age_days",
        (int,),
        365,
        "a page reviewed longer ago than this is `stale-review`",
    ),
    Option(
        "designs",
        (list,),
        list(DESIGNS),
        "the study designs, strongest first: the default in another order, or with designs of the KB's own "
        "(e.g. `cross-sectional`) at their place; a default design left out keeps its place after the one it follows",
    ),
    Option(
        "index_dir",
        (str,),
        ".kb/index",
        "the Whoosh search index: a folder of its own, outside `docs_dir` and `site_dir` (a build replaces it whole)",
    ),
    Option(
        "cache_dir",
        (str,),
        ".kb/cache",
        "what a rebuild reuses; deleting it only makes the next build cold. Outside the KB folder only a new or "
        "empty folder, or one kb already tagged as its cache (`CACHEDIR.TAG`)",
    ),
    Option(
        "retractions",
        (str, list),
        [],
        "Retraction Watch CSV files (paths or glob patterns) to check the cited sources against",
    ),
    Option(
        "csl",
        (str,),
        "apa",
        "the citation style: `apa`, `ama`, `vancouver`, a style name from the installed CSL collection, "
        "or a `.csl` file relative to the KB folder",
        shown="`apa` (APA 7)",
    ),
    Option(
        "publish_fields",
        (list,),
        [],
        "more fields to publish in `references.json`, which otherwise holds only what a reference list needs "
        "(authors, title, container, date, volume, issue, pages, publisher, DOI, URL, ISBN ...): CSL-JSON names "
        "such as `abstract`, `note`, `keyword` (`keywords`), `annote`, `language` (`langid`). Abstracts are "
        "the publisher's text; `file` never reaches it",
    ),
    Option(
        "static_headers",
        (bool,),
        False,
        "`true`: `kb build` writes `_headers` into the site (Netlify, Cloudflare Pages): the Content-Security-Policy "
        "`kb serve` sends, allowing the theme's inline scripts by hash, and its security headers; "
        "a `docs/_headers` of the KB's own wins",
    ),
)
OPTIONS: dict[str, Option] = {o.name: o for o in _OPTIONS}
NAMES: tuple[str, ...] = tuple(o.name for o in _OPTIONS if not o.mkdocs_default)  # what kb itself reads


def with_defaults(given: dict) -> dict:
    """Every option kb reads: the given value, or the default (a fresh copy, so callers may change it)."""
    return {name: given[name] if name in given else _copy(OPTIONS[name].default) for name in NAMES}


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


def plugin_config_class() -> type:
    """The MkDocs plugin's config class, one ``config_options`` entry per option (imports MkDocs)."""
    from mkdocs.config import base
    from mkdocs.config import config_options as c

    def entry(o: Option):
        if o.mkdocs_default:
            return c.Type(o.types[0], default=o.default)
        return c.Optional(c.Type(o.types if len(o.types) > 1 else o.types[0]))

    doc = "Loosely typed here on purpose: ``config.config_from_options`` is the one validator."
    namespace = {"__doc__": doc, "__module__": __name__, **{o.name: entry(o) for o in _OPTIONS}}
    return type("KbPluginConfig", (base.Config,), namespace)


def markdown_table() -> str:
    """The README's table of options."""
    rows = [f"| `{o.name}` | {o.shown or _yaml(o.default)} | {o.doc} |" for o in _OPTIONS]
    return "\n".join(["| option | default | what it sets |", "| --- | --- | --- |", *rows])


def _yaml(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return f"`[{', '.join(map(str, value))}]`"
    if isinstance(value, dict):
        return "`{}`" if not value else f"`{value}`"
    return f"`{value}`"
