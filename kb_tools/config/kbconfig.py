"""The KB's configuration: the ``kb`` plugin's options in ``mkdocs.yml``.

``mkdocs`` and ``kb`` read the same file, so an editor configures the KB in
one place. This module reads it without importing MkDocs, so ``kb check`` is
fast and works even where the theme is not installed.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..core import safeyaml
from ..core.codes import DEFAULT_SEVERITY, SEVERITIES
from ..core.errors import ConfigError
from ..core.grading import DESIGN_ID, DESIGNS, EVIDENCE_LEVELS, NO_DESIGN  # noqa: F401 (EVIDENCE_LEVELS: the deprecated ladder, re-exported)
from ..core.model import Condition
from .folders import claim_cache_outside, own_folder
from .options import OPTIONS, with_defaults
from .styles import Style, StyleError, names_file, resolve

if TYPE_CHECKING:
    import pathspec

SOURCE_TYPES = ("journal", "government", "university", "professional", "journalism", "commercial", "other")
DEFAULT_CONDITIONS: tuple[Condition, ...] = ()  # a KB names its own conditions in mkdocs.yml; kb assumes none


def _default(name: str) -> Any:
    """Option ``name``'s default, written once in ``kb_tools.config.options``, as ``KbConfig`` holds it."""
    value = OPTIONS[name].default
    return tuple(value) if isinstance(value, list) else value


DEFAULT_ACCEPT: tuple[str, ...] = _default("accept")


@dataclass(frozen=True)
class KbConfig:
    """Typed, validated ``kb`` options plus the MkDocs settings kb needs; each option's default is the registry's."""

    root: Path
    config_file: Path
    docs_dir: str = "docs"
    site_dir: str = "site"
    bibliography: tuple[str, ...] = _default("bibliography")
    records: tuple[str, ...] = _default("records")  # findings records, one YAML file per source
    accept: tuple[str, ...] = DEFAULT_ACCEPT
    # every code's severity, where the option lists only those it changes
    severity: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    conditions: tuple[Condition, ...] = DEFAULT_CONDITIONS
    review_max_age_days: int = _default("review_max_age_days")
    index_dir: str = _default("index_dir")
    cache_dir: str = _default("cache_dir")
    draft_docs: str = ""
    site_name: str = ""
    designs: tuple[str, ...] = _default("designs")  # study designs, strongest first
    retractions: tuple[str, ...] = _default("retractions")  # Retraction Watch CSV files (kb_tools.load.retractions)
    csl: str = _default("csl")  # a style name or a .csl file relative to mkdocs.yml (kb_tools.config.styles)
    publish_fields: tuple[str, ...] = _default("publish_fields")  # CSL-JSON fields beyond a reference list's
    static_headers: bool = _default("static_headers")  # kb build writes site/_headers (kb_tools.site.csp)

    @property
    def docs_path(self) -> Path:
        return self.root / self.docs_dir

    @property
    def site_path(self) -> Path:
        # ".." taken as written ("site/../docs" is docs), before anything makes "site": a build replaces this folder
        return Path(os.path.normpath(self.root / self.site_dir))

    @property
    def index_path(self) -> Path:
        return self.root / self.index_dir

    @property
    def cache_path(self) -> Path:
        return self.root / self.cache_dir

    def bib_files(self) -> list[Path]:
        files: dict[Path, None] = {}
        for pattern in self.bibliography:
            for p in sorted(self.root.glob(pattern)):
                if p.is_file():
                    files.setdefault(p)
        return list(files)

    def record_files(self) -> list[Path]:
        files = (p for pattern in self.records for p in sorted(self.root.glob(pattern)) if p.is_file())
        return list(dict.fromkeys(files))

    def is_draft(self, page_path: str) -> bool:
        """True when MkDocs' ``draft_docs`` patterns match this docs-relative path."""
        return bool(self.draft_docs) and _draft_spec(self.draft_docs).match_file(page_path)

    def condition_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.conditions)

    def style(self) -> Style:
        """The citation style ``csl`` names (validated when the config was read)."""
        return resolve(self.csl, self.root)


def watched_paths(config: KbConfig) -> list[Path]:
    """Files and folders besides docs/ whose edits change the site: what ``mkdocs serve`` must watch.

    Every bibliography and findings-record file, and the folder each of their patterns globs in, so a
    new file shows too. Retraction data is large and downloaded, not edited: it is read at each build.
    """
    paths: dict[Path, None] = dict.fromkeys([*config.bib_files(), *config.record_files()])
    if names_file(config.csl):  # the KB's own .csl file: an edit restyles every citation
        paths.setdefault(config.style().path)
    for pattern in (*config.bibliography, *config.records):
        folder = config.root
        for part in Path(pattern).parts[:-1]:  # the folders before the first wildcard
            if any(ch in part for ch in "*?["):
                break
            folder = folder / part
        if folder.is_dir() and folder != config.root:  # the root would mean watching site/ and .kb/
            paths.setdefault(folder)
    return list(paths)


@functools.lru_cache(maxsize=8)
def _draft_spec(patterns: str) -> pathspec.PathSpec:
    import pathspec  # only for a KB with draft_docs: kb check of an unchanged KB imports no more than it reads

    # MkDocs reads draft_docs as .gitignore lines; pathspec >= 0.12 names that style "gitignore".
    style = "gitignore" if "gitignore" in pathspec.util._registered_patterns else "gitwildmatch"  # noqa: SLF001
    return pathspec.PathSpec.from_lines(style, patterns.splitlines())


def find_config_file(root: Path) -> Path:
    for name in ("mkdocs.yml", "mkdocs.yaml"):
        if (root / name).is_file():
            return root / name
    for above in root.parents[:3]:
        if (above / "mkdocs.yml").is_file() or (above / "mkdocs.yaml").is_file():
            # run from inside a KB (e.g. docs/): 'kb init' here would make a KB inside the KB
            raise ConfigError(f"{root}: no mkdocs.yml here; the KB folder is {above}: run kb there, or name it")
    raise ConfigError(f"{root}: no mkdocs.yml here; run 'kb init {root}' to start a KB, or name the KB's folder")


def load_config(root: Path | str = ".") -> KbConfig:
    """Read ``mkdocs.yml`` in ``root`` and validate its ``kb`` plugin options."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise ConfigError(f"{root}: not a folder; name the KB's folder")
    path = find_config_file(root)
    try:
        data = safeyaml.load_mkdocs(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        line = safeyaml.line_of(exc)
        where = f"{path.name}:{line}" if line is not None else f"{path.name}:1"
        if isinstance(exc, safeyaml.YamlLimit):
            raise ConfigError(f"{where}: mkdocs.yml is beyond what kb reads: {safeyaml.problem(exc)}") from exc
        raise ConfigError(f"{where}: mkdocs.yml is not valid YAML ({exc.__class__.__name__}); fix the syntax") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}:1: mkdocs.yml must be a mapping of settings")
    return config_from_options(root, path, data, plugin_options(data))


def plugin_options(data: dict) -> dict:
    """The ``kb`` entry of ``plugins:`` (a list of names or one-key mappings, or a mapping)."""
    plugins = data.get("plugins") or []
    if isinstance(plugins, dict):
        plugins = [{k: v} for k, v in plugins.items()]
    for item in plugins:
        if item == "kb":
            return {}
        if isinstance(item, dict) and "kb" in item:
            return item["kb"] or {}
    return {}


def config_from_options(root: Path, path: Path, data: dict, options: dict) -> KbConfig:
    """Validate the plugin options; every error names the option and what to write instead."""
    where = path.name

    def fail(msg: str) -> ConfigError:
        key = re.split(r"[.\[:]", msg, maxsplit=1)[0]  # the option the message is about: its line in mkdocs.yml
        return ConfigError(f"{where}:{_option_line(path, key)}: plugins.kb.{msg}")

    if not isinstance(options, dict):
        raise fail("options must be a mapping")
    for key in options:
        if key not in OPTIONS:
            raise fail(f"{key}: unknown option; known options are {', '.join(sorted(OPTIONS))}")
    opt = with_defaults(options)
    bib = _globs(opt["bibliography"], fail, "bibliography: give a list of glob patterns such as 'references/*.bib'")
    records = _globs(opt["records"], fail, "records: give a list of glob patterns such as 'references/records/*.yml'")
    accept = _accept(opt["accept"], fail)
    severity = _severity(opt["severity"], fail)
    conditions = DEFAULT_CONDITIONS if opt["conditions"] is None else _conditions(opt["conditions"], fail)
    age = opt["review_max_age_days"]
    if not isinstance(age, int) or isinstance(age, bool) or age < 1:
        raise fail("review_max_age_days: give a whole number of days, at least 1")
    designs = _designs(opt["designs"], fail)
    hint = "retractions: give a list of paths or glob patterns of Retraction Watch CSV files"
    retractions = _globs(opt["retractions"] or [], fail, hint, blank=False)
    csl = _csl(opt["csl"], root, path)
    publish = _names(opt["publish_fields"], fail, "publish_fields: give a list of field names such as [abstract]")
    if not isinstance(options.get("enabled", True), bool):
        raise fail("enabled: give true or false")
    if not isinstance(opt["static_headers"], bool):
        raise fail("static_headers: give true or false")
    index_dir = own_folder(root, opt, "index_dir", data, fail)
    cache_dir = own_folder(root, opt, "cache_dir", data, fail)
    claim_cache_outside(root, cache_dir, fail)
    draft = data.get("draft_docs", "") or ""
    if not isinstance(draft, str):
        raise ConfigError(f"{where}: draft_docs must be a multi-line string of gitignore-style patterns")
    return KbConfig(
        root=root,
        config_file=path,
        docs_dir=str(data.get("docs_dir", "docs")),
        site_dir=str(data.get("site_dir", "site")),
        bibliography=bib,
        records=records,
        accept=accept,
        severity=severity,
        conditions=conditions,
        review_max_age_days=age,
        index_dir=index_dir,
        cache_dir=cache_dir,
        draft_docs=draft,
        site_name=str(data.get("site_name", "")),
        designs=designs,
        retractions=retractions,
        csl=csl,
        publish_fields=publish,
        static_headers=opt["static_headers"],
    )


def _names(value: Any, fail, hint: str) -> tuple[str, ...]:
    """A list of field names (letters, digits, ``-`` and ``_``), lower-cased except CSL's upper-case ones."""
    if not isinstance(value, list) or not all(isinstance(v, str) and re.fullmatch(r"[A-Za-z][\w-]*", v) for v in value):
        raise fail(hint)
    return tuple(value)


def _csl(value: Any, root: Path, path: Path) -> str:
    """The ``csl:`` value, once it names a style kb can use; else an error naming its line in mkdocs.yml."""
    try:
        resolve(value, root)
    except StyleError as exc:
        raise ConfigError(f"{path.name}:{_option_line(path, 'csl')}: plugins.kb.csl: {exc}") from exc
    return value.strip()


def _option_line(path: Path, key: str) -> int:
    """The line of mkdocs.yml that sets kb option ``key`` (the ``kb`` entry's line when it is not set there)."""
    try:
        root = safeyaml.compose_mkdocs(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return 1
    plugins = _child(root, "plugins")
    entries = plugins.value if isinstance(plugins, yaml.SequenceNode) else [plugins]
    for entry in entries:
        if isinstance(entry, yaml.ScalarNode) and entry.value == "kb":
            return entry.start_mark.line + 1
        kb = _child(entry, "kb", key_node=True)
        if kb is not None:
            option = _child(_child(entry, "kb"), key, key_node=True)
            return (option or kb).start_mark.line + 1
    return 1


def _child(node: yaml.Node | None, key: str, key_node: bool = False) -> yaml.Node | None:
    """The value (or with ``key_node`` the key) of ``key`` in a YAML mapping node; the last one, as YAML reads it."""
    if not isinstance(node, yaml.MappingNode):
        return None
    found = [k if key_node else v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key]
    return found[-1] if found else None


def _globs(raw: Any, fail, hint: str, blank: bool = True) -> tuple[str, ...]:
    """A list of glob patterns (one may be given as a string); ``blank``: an empty pattern is let through."""
    patterns = [raw] if isinstance(raw, str) else raw
    if not isinstance(patterns, list) or not all(isinstance(p, str) and (blank or p.strip()) for p in patterns):
        raise fail(hint)
    return tuple(patterns)


def _accept(raw: Any, fail) -> tuple[str, ...]:
    if not isinstance(raw, list) or any(a not in SOURCE_TYPES for a in raw):
        raise fail(f"accept: give a list of source types from {', '.join(SOURCE_TYPES)}")
    if "commercial" in raw:
        raise fail("accept: 'commercial' can never be accepted; commercial marketing is not evidence")
    return tuple(raw)


def _severity(raw: Any, fail) -> dict[str, str]:
    """Every code's severity: its default (``kb_tools.core.codes``), or what ``severity:`` gives."""
    given = raw or {}
    if not isinstance(given, dict):
        raise fail("severity: give a mapping of finding code to error, warning or ignore")
    severity = dict(DEFAULT_SEVERITY)
    for code, sev in given.items():
        if code not in DEFAULT_SEVERITY:
            raise fail(f"severity.{code}: unknown finding code; known codes are {', '.join(DEFAULT_SEVERITY)}")
        if sev not in SEVERITIES:
            raise fail(f"severity.{code}: '{sev}' is not one of error, warning, ignore")
        severity[code] = sev
    return severity


_NOT_DESIGNS = ("regulatory", "guideline", "consensus", "news")  # authorities and the old ladder's non-designs


def _designs(raw: Any, fail) -> tuple[str, ...]:
    """The study designs, strongest first: the known designs in any order, and designs of the KB's own.

    A known design left out keeps its place after the design it follows in the default ladder, so a list
    written before kb knew what a synthesis pooled still works (and still ranks those syntheses as kb does).
    """
    hint = f"list the study designs once each, strongest first, e.g. {', '.join(DESIGNS)}"
    if not isinstance(raw, list) or not raw:
        raise fail(f"designs: {hint}")
    given: list[str] = []
    for item in raw:
        design = str(item).strip().lower().replace("_", "-").replace(" ", "-")
        if not isinstance(item, str) or not DESIGN_ID.match(design) or design in (NO_DESIGN, *_NOT_DESIGNS):
            raise fail(f"designs: '{item}' is not a study design id (lower-case words joined by '-'; an authority "
                       f"such as a guideline, 'news' or 'none' is no design); {hint}")  # fmt: skip
        if design in given:
            raise fail(f"designs: '{design}' is listed twice; {hint}")
        given.append(design)
    order = list(given)
    for n, design in enumerate(DESIGNS):
        if design not in order:
            before = next((d for d in reversed(DESIGNS[:n]) if d in order), None)
            order.insert(order.index(before) + 1 if before else 0, design)
    return tuple(order)


def _conditions(raw: Any, fail) -> tuple[Condition, ...]:
    if not isinstance(raw, list):
        raise fail("conditions: give a list of {id, name, synonyms} mappings")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise fail(f"conditions[{i}]: each condition needs an 'id' (lower-case, e.g. 'low-back-pain')")
        cid = item["id"]
        if not cid.replace("-", "").isalnum() or cid != cid.lower():
            raise fail(f"conditions[{i}].id: '{cid}' must be lower-case letters, digits and '-'")
        syn = item.get("synonyms", []) or []
        if not isinstance(syn, list) or not all(isinstance(s, str) for s in syn):
            raise fail(f"conditions[{i}].synonyms: give a list of words or phrases")
        exclude = item.get("exclude", []) or []
        if not isinstance(exclude, list) or not all(isinstance(s, str) for s in exclude):
            raise fail(f"conditions[{i}].exclude: give a list of phrases that contain a synonym but name another thing")
        name = str(item.get("name", cid))
        out.append(Condition(cid, name, tuple(syn), tuple(exclude)))
    ids = [c.id for c in out]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise fail(f"conditions: id {dupes[0]} is defined twice")
    return tuple(out)
