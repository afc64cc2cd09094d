"""A staging copy of ``docs/`` holding the generated pages as Markdown, for engines that run no MkDocs plugin.

Under MkDocs the kb plugin hands the generated pages (sources, conditions, the evidence overview, the
editorial report, the search page) to MkDocs one at a time. An engine without plugins reads files, so
``stage_docs`` writes them into a copy of the KB's ``docs/`` (draft pages left out: they are never
published), with kb's stylesheet and scripts under ``assets/kb/``. The KB's own files are hard-linked
where the file system allows, so the copy costs little even for a large KB. A file of the KB's own at a
generated page's path wins, as under MkDocs.

The calls into today's build code are the few named below (``prepare``-d ``SiteData``,
``generated_page_makers``, ``search_files``, and the plugin's nav helpers), so they can follow
the code if it moves.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ...core import urls
from ...load import docsfiles
from ...site.data import SiteData
from ...site.generated import generated_page_makers
from ...site.navigation import page_order, site_nav
from ...site.searchpage import search_files
from ...site.theme import ASSETS
from ...store import progress

log = logging.getLogger("kb_tools.engines.zensical.staging")
ASSETS_DIR = "assets/kb"
# generated source pages name the plugin's light template, which only the MkDocs theme hook provides
_LIGHT_TEMPLATE = re.compile(r"^template: kb-light\.html.*\n", re.M)


@dataclass(frozen=True)
class StagedDocs:
    """The staged ``docs/`` and what kb added to it."""

    docs: Path
    nav: list  # the KB's nav with kb's sections added (as the plugin adds them)
    generated: tuple[str, ...]  # docs-relative paths of the pages and assets kb wrote
    stylesheets: tuple[str, ...]
    scripts: tuple[str, ...]


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(src, dst)


def copy_docs(site: SiteData, target: Path) -> None:
    """The KB's ``docs/`` into ``target``, without its draft pages."""
    docs, root = site.config.docs_path, site.config.root
    drafts = {docs / p.path for p in site.report.catalogue.pages if p.draft}

    def ignore(folder: str, names: list[str]) -> set[str]:
        """Draft pages, and links out of the KB (never followed: ``docsfiles``)."""
        links_out = {
            n for n in names if os.path.islink(Path(folder, n)) and docsfiles.outside(Path(folder, n), root, docs)
        }
        return links_out | {n for n in names if Path(folder, n) in drafts}

    shutil.copytree(docs, target, ignore=ignore, copy_function=_link_or_copy, symlinks=False)


def _write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def write_generated(site: SiteData, docs: Path, use_directory_urls: bool, order: dict[str, int]) -> list[str]:
    """Write each generated page's Markdown into ``docs`` (skipping a path the KB has a file at).

    Links between pages are made from Markdown file to Markdown file (``urls.SOURCE_LINKS``), which the
    engine resolves; ``use_directory_urls`` is the site's own setting, for the search page's script.
    """
    memo = site.memo("generated-pages-staged", urls.SOURCE_LINKS)  # the source pages the last build made
    makers = generated_page_makers(site, urls.SOURCE_LINKS, memo, order)
    # the search page's links are URLs as under MkDocs: its script reads them, and the engine does not
    # rewrite links inside ``<noscript>`` (its content is text to an HTML parser)
    for path, content in search_files(site, use_directory_urls).items():  # the page and its data
        makers[path] = partial(str, content)
    written = []
    progress.stage("writing the generated pages", len(makers))
    try:
        for path, make in makers.items():
            target = docs / path
            if target.exists():
                log.info(f"docs/{path} exists, so kb does not generate it")
            else:
                _write(target, _LIGHT_TEMPLATE.sub("", make(), count=1))
                written.append(path)
            progress.advance()
    except BaseException:
        memo.discard()
        raise
    memo.save()
    return written


def copy_assets(docs: Path) -> tuple[list[str], list[str], list[str]]:
    """kb's stylesheet and scripts under ``assets/kb/``: (written, stylesheets, scripts) as docs paths.

    A KB's own file at one of these paths is kept, as under MkDocs, and still linked from every page."""
    written, css, js = [], [], []
    for asset in sorted(ASSETS.glob("*")):
        if not asset.is_file():
            continue
        path = f"{ASSETS_DIR}/{asset.name}"
        if (docs / path).exists():  # the KB's own file (hard-linked: never write into it)
            log.info(f"docs/{path} exists, so kb does not add its own")
        else:
            (docs / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(asset, docs / path)
            written.append(path)
        (css if asset.suffix == ".css" else js if asset.suffix == ".js" else []).append(path)
    return written, css, js


def stage_docs(site: SiteData, target: Path, nav: list | None, use_directory_urls: bool) -> StagedDocs:
    """Copy the KB's ``docs/`` into ``target`` and add the generated pages and kb's assets."""
    progress.stage("copying docs/ for the engine")
    copy_docs(site, target)
    full_nav = site_nav(nav if isinstance(nav, list) else None, site)
    order = page_order(full_nav)
    pages = write_generated(site, target, use_directory_urls, order)
    assets, css, js = copy_assets(target)
    return StagedDocs(target, full_nav, tuple(pages + assets), tuple(css), tuple(js))
