"""kb's HTML for generated pages against Python-Markdown's, which it replaces: the same bytes, ids and toc.

Hostile titles (quotes, ``<script>``, ampersands and entities, backslashes, Markdown punctuation) go through
``md_escape`` as the templates put them; under each heading style the two must agree exactly, and where kb
cannot be sure (``None``) MkDocs converts the page as before. Every generated page of the xss and base KBs
is compared as a whole too.
"""

from __future__ import annotations

import shutil

import markdown
import pytest
from mkdocs.utils.meta import get_data

from kb_tools.config.kbconfig import load_config
from kb_tools.site.generated import generated_page_makers
from kb_tools.site.pagehtml import heading_style, page_html
from kb_tools.site.placeholders import restore_html, stash_html
from kb_tools.site.templating import md_escape
from tests.conftest import KBS, site_data

MKDOCS = ["toc", "tables", "fenced_code"]  # MkDocs adds these to every site's extensions

STYLES = {
    "mkdocs default": ([*MKDOCS], {}),
    "material, permalink": ([*MKDOCS, "admonition", "attr_list", "md_in_html"], {"toc": {"permalink": True}}),
    "permalink text and title": ([*MKDOCS], {"toc": {"permalink": "#", "permalink_title": "Link here"}}),
    "permalink first": ([*MKDOCS], {"toc": {"permalink": True, "permalink_leading": True}}),
    "toc depth and separator": ([*MKDOCS], {"toc": {"toc_depth": "2-3", "separator": "_"}}),
    "unicode slugs": (
        [*MKDOCS, "pymdownx.superfences"],
        {"toc": {"permalink": True, "slugify": markdown.extensions.toc.slugify_unicode}},
    ),
}

HOSTILE = [
    "Smith & Jones, 2020",
    "Smith &amp; Jones (literally)",
    "<script>alert(1)</script>",
    '"><img src=x onerror="alert(2)">',
    'O\'Brien "quoted" title',
    "a\\b \\\\ c\\",
    "*not emphasis* _nor this_ `nor code`",
    "[not a link](javascript:alert(3)) ![nor an image](x)",
    "# not a heading ##",
    "{: #id .class } {#x}",
    "50% ~ 60% | tables | ^sup^ ==mark== ++key++",
    "Ketamine: a review -- 2nd ed.",
    "Åsberg, Müller & Ødegaard — ketamine",
    "&#34; &#x27; &lt;entities&gt;",
    "   spaced\tout\n  title  ",
    "Claims citing this source",  # the same id as a heading of the template: made unique
    ":smile: :+1:",
    "x" * 300,
]


def python_markdown(text: str, extensions, configs):
    md = markdown.Markdown(extensions=extensions, extension_configs=configs)
    return md.convert(text), md.toc_tokens


@pytest.mark.parametrize("style_name", STYLES)
@pytest.mark.parametrize("title", HOSTILE)
def test_headings_are_what_python_markdown_makes_of_them(style_name, title):
    extensions, configs = STYLES[style_name]
    style = heading_style(extensions, configs)
    assert style is not None
    heading = md_escape(title)
    text = (
        f"# {heading}\n\nKBRAW000000KB\n\n## Claims citing this source\n\n### {heading}\n\nKBRAW000001KB\n\n"
        f"### {heading}\n\n## References\n\nKBRAW000002KB\n"
    )
    made = page_html(text, style)
    assert made is not None, "every md_escape'd title is one kb can write"
    html, tokens = python_markdown(text, extensions, configs)
    assert made.html == html
    assert made.toc_tokens == tokens
    assert "<script" not in made.html and "<img" not in made.html


@pytest.mark.parametrize(
    "heading",
    ["*emphasis*", "a_b_", "`code`", "[link](x)", "<b>raw</b>", "a & b", "title {: .x}", "x #", "a | b", "a \\&amp; b"],
)
def test_headings_kb_cannot_be_sure_of_go_to_python_markdown(heading):
    style = heading_style(*STYLES["material, permalink"])
    assert page_html(f"# {heading}\n\nKBRAW000000KB", style) is None


@pytest.mark.parametrize(
    "block",
    ["plain paragraph", "<p>raw html not stashed</p>", "- a list", "#no-space", "# two\nlines", "    indented"],
)
def test_pages_with_other_blocks_go_to_python_markdown(block):
    style = heading_style(*STYLES["mkdocs default"])
    assert page_html(f"# Title\n\n{block}\n\nKBRAW000000KB", style) is None


@pytest.mark.parametrize(
    ("extensions", "configs"),
    [
        ([*MKDOCS, "smarty"], {}),  # would curl quotes in titles
        ([*MKDOCS, "pymdownx.emoji"], {}),
        ([*MKDOCS, "pymdownx.snippets"], {}),  # may append text to every page
        ([*MKDOCS, markdown.extensions.Extension()], {}),
        (["tables"], {}),  # no toc: no ids
        ([*MKDOCS], {"toc": {"anchorlink": True}}),
        ([*MKDOCS], {"toc": {"baselevel": 2}}),
        ([*MKDOCS], {"toc": {"permalink": "<b>#</b>"}}),
        ([*MKDOCS], {"toc": {"permalink": True, "permalink_title": 'say "hi"'}}),
    ],
)
def test_sites_whose_headings_kb_cannot_write_keep_python_markdown(extensions, configs):
    assert heading_style(extensions, configs) is None


@pytest.mark.parametrize("name", ["xss", "base"])
def test_every_generated_page_is_what_python_markdown_makes_of_it(name, tmp_path):
    """The real pages, hostile BibTeX values included (xss): kb's HTML or none, never a different one."""
    kb = shutil.copytree(KBS / name, tmp_path / name)
    site = site_data(load_config(kb))
    extensions, configs = STYLES["material, permalink"]
    style = heading_style(extensions, configs)
    made_sources = 0
    for path, make in generated_page_makers(site).items():
        body, meta = get_data(make())
        stash: list[str] = []
        body = stash_html(body, stash)
        made = page_html(body, style)
        if made is None:
            continue
        made_sources += path.startswith("sources/")
        html, tokens = python_markdown(body, extensions, configs)
        assert restore_html(made.html, stash) == restore_html(html, stash), path
        assert made.toc_tokens == tokens, path
        assert "title" in meta
    assert made_sources == len(site.sources) + 1  # every source page and the sources' index
