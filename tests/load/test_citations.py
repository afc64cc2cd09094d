"""Tests for kb_tools.load.citations, with pandoc's own Markdown reader as the oracle."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb_tools.core.model import Citation
from kb_tools.load.citations import scan, strip

# (markdown block, cited keys in document order). Every case is also checked against pandoc.
CASES = [
    ("Smoking causes cancer [@doll1950].", ["doll1950"]),
    ("Two sources [@a; @b].", ["a", "b"]),
    ("[see @a, p. 4]", ["a"]),
    ("[see @a, pp. 33-35; also @b, chap. 1]", ["a", "b"]),
    ("Doll says [-@doll1950].", ["doll1950"]),
    ("[see -@a; -@b]", ["a", "b"]),
    ("As @smith2000 showed.", ["smith2000"]),
    ("As @smith2000 [p. 4] showed.", ["smith2000"]),
    ("x @a [p. 4; see @b, p. 5]", ["a", "b"]),
    ("x @a [@b]", ["a", "b"]),
    ("x @a\n[p. 4] continues", ["a"]),
    ("Ends a sentence @a.", ["a"]),
    ("Keys @a:b, @a.b-c and @x_1+2?3<4>5~6/7.", ["a:b", "a.b-c", "x_1+2?3<4>5~6/7"]),
    ("Trailing colon @a: then", ["a"]),
    ("A URL key @http://x.org/y and @a//", ["http://x.org/y", "a/"]),
    ("Digits and underscores: @1999report and @_hidden", ["1999report", "_hidden"]),
    ("Unicode @müller2020 keys", ["müller2020"]),
    ("Braced @{weird.key:2000} and [@{x}, p. 4]", ["weird.key:2000", "x"]),
    ("Braced keys may not contain spaces: @{weird key}", []),
    ("Code `@a` and ``@b ` c`` are not cites, @d is", ["d"]),
    ("Unclosed ``x `@a` y", ["a"]),  # `` has no closer, so `x ` is the code span
    ("Autolink <https://x.org/@a> and <me@example.org>", []),
    ("E-mail name@example.org and x@a", []),
    ("Escaped \\@a and \\[@b]", ["b"]),  # only the bracket is escaped
    ("Link [text](https://x/@a) and [text @b](https://y)", ["b"]),
    ("Spaced destination [t](a @b c) is still a link", []),
    ("Image ![alt @a](img.png)", ["a"]),
    ("Link then cite [@a](http://x)", ["a"]),
    ("Reference [@a][ref] and span [@b]{.c}", ["a", "b"]),
    ("Space before url [@a] (http://x)", ["a"]),
    ("x @a [p. 4](url)", ["a"]),
    ('Inline HTML <span data-x="@a">@b</span> <!-- @c -->', ["b"]),
    ("Math $@a$ and $x;@b]$ then @c", ["c"]),
    ("Not a key part: [@a; b]", ["a"]),
    ("Empty part [@a;] and [;@b]", ["a", "b"]),
    ("Prefix with brackets [see [the] @a]", ["a"]),
    ("Nested [see [the @a]]", ["a"]),
    ("Nested group [see [@b] @a]", ["b", "a"]),
    ("Cite in suffix [see @a and @b]", ["a", "b"]),
    ("Suffix with link [@a, see [x](http://y)]", ["a"]),
    ("Suffix with code [@a, `x]` ]", ["a"]),
    ("Footnote ^[@a] and ref [^1] and [^@b]", ["a"]),
    ("Adjacent @a@b and @a-@b", ["a", "b", "a", "b"]),
    ('After punctuation (@a) "@b" a-@c a_@d', ["a", "b", "c", "d"]),
    ("After words a.@b e.g.@c 1@d é@e", []),
    ("Ellipsis x...@a but x..@b", ["a"]),
    ("Emphasis *a*@b and *a* *@c", ["c"]),
    ("- a list item [@a]", ["a"]),
    ("| a row [@a] | cell @b |", ["a", "b"]),
    ("Multi\nline [see\n@a, p.\n4] text", ["a"]),
    ("Spaces [ @a ; @b ]", ["a", "b"]),
    ("Unbalanced ] brackets [ and @a ]]", ["a"]),
    ("[x @a]; y] and [@b, p. 4]](x)", ["a", "b"]),
]

# Bare URLs: pandoc 2.17 reads them as text and finds "@user" in https://example.com/@user.
# Our policy is that nothing inside a URL is a citation, which matches pandoc with
# +autolink_bare_uris, so these cases use that extension for the oracle.
URL_CASES = [
    ("Profile https://example.com/@user here", []),
    ("See https://x.org/@a. Then @b", ["b"]),
    ("(see https://x.org/@a) and @b", ["b"]),
    ("Balanced https://x.org/(@a) then @b", ["b"]),
    ("DOI doi:10.1/@a is a link, foo:@b is not", ["b"]),
    ("[@a, https://x.org/] and [@b, http://y.org/; @c]", ["a", "b", "c"]),
]

# Deliberate departures from pandoc, not run against the oracle.
DEVIATIONS = [
    ("The nocite wildcard @* and [@*]", []),  # pandoc: a citation with key "*"
    ("Host www.x.org/@a", []),  # pandoc: a citation (no scheme), a mailto link with bare URIs
]


def keys_of(text: str) -> list[str]:
    return [c.key for g in scan(text) for c in g.citations]


@pytest.mark.parametrize(("text", "expected"), CASES + URL_CASES + DEVIATIONS)
def test_keys(text, expected):
    assert keys_of(text) == expected


# --- pandoc as the oracle -------------------------------------------------------------------


def _walk(node, out: list[str]) -> None:
    """Collect cite keys in document order, including cites pandoc nests in prefixes and suffixes."""
    if isinstance(node, list):
        for item in node:
            _walk(item, out)
    elif isinstance(node, dict):
        if node.get("t") == "Cite":
            for c in node["c"][0]:
                _walk(c["citationPrefix"], out)
                out.append(c["citationId"])
                _walk(c["citationSuffix"], out)
        elif "c" in node:
            _walk(node["c"], out)


def pandoc_keys(texts: list[str], fmt: str = "markdown") -> list[list[str] | None]:
    """One pandoc run for all texts, each after its own heading so blocks cannot merge."""
    source = "".join(f"# case{i} {{#case{i}}}\n\n{t}\n\n" for i, t in enumerate(texts))
    run = subprocess.run(["pandoc", "-f", fmt, "-t", "json"], input=source, capture_output=True, text=True, check=True)
    found: dict[int, list[str]] = {}
    current = None
    for block in json.loads(run.stdout)["blocks"]:
        if block["t"] == "Header" and block["c"][1][0].startswith("case"):
            current = found.setdefault(int(block["c"][1][0][4:]), [])
        elif current is not None:
            _walk(block, current)
    return [found.get(i) for i in range(len(texts))]


needs_pandoc = pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")


@pytest.fixture(scope="module")
def oracle():
    texts = [t for t, _ in CASES]
    urls = [t for t, _ in URL_CASES]
    plain = dict(zip(texts, pandoc_keys(texts), strict=True))
    return plain | dict(zip(urls, pandoc_keys(urls, "markdown+autolink_bare_uris"), strict=True))


@pytest.mark.pandoc
@needs_pandoc
@pytest.mark.parametrize("text", [t for t, _ in CASES + URL_CASES])
def test_same_keys_as_pandoc(oracle, text):
    assert oracle[text] is not None, "the case broke pandoc's block structure"
    assert keys_of(text) == oracle[text]


# --- structure --------------------------------------------------------------------------------


def test_bracketed_group_structure():
    text = "Claim [see @a, pp. 33-35; also -@b, chap. 1]."
    (group,) = scan(text)
    assert text[group.start : group.end] == "[see @a, pp. 33-35; also -@b, chap. 1]"
    assert not group.in_text
    assert group.citations == (
        Citation("a", prefix="see", suffix=", pp. 33-35"),
        Citation("b", prefix="also", suffix=", chap. 1", suppress_author=True),
    )


def test_in_text_with_locator():
    text = "As @smith [p. 4] showed"
    (group,) = scan(text)
    assert group.in_text
    assert text[group.start : group.end] == "@smith [p. 4]"
    assert group.citations == (Citation("smith", suffix="p. 4"),)


def test_in_text_followed_by_bracketed_group():
    (group,) = scan("x @a [see @b, p. 2]")
    assert group.in_text
    assert group.citations == (Citation("a"), Citation("b", prefix="see", suffix=", p. 2"))


def test_plain_in_text_and_offsets():
    text = "Per @a. And [@b]"
    first, second = scan(text)
    assert (first.in_text, text[first.start : first.end]) == (True, "@a")
    assert (second.in_text, text[second.start : second.end]) == (False, "[@b]")


def test_whitespace_in_prefix_and_suffix_is_collapsed():
    (group,) = scan("[see\n  @a,  p.\n4]")
    assert group.citations == (Citation("a", prefix="see", suffix=", p. 4"),)


def test_dash_outside_brackets_does_not_suppress_author():
    (group,) = scan("x -@a says")
    assert group.citations == (Citation("a"),)
    assert group.in_text


def test_locator_not_taken_before_link_or_bad_part():
    assert [g.citations for g in scan("x @a [p. 4](u)")] == [(Citation("a"),)]
    assert [g.citations for g in scan("x @a [p; 4]")] == [(Citation("a"),)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Smoking causes cancer [@doll1950].", "Smoking causes cancer."),
        ("As @a showed [see @b, p. 4], it works", "As showed, it works"),
        ("Multi\nline  text (see [@a])", "Multi line text (see)"),
        ("No citations here, `code @a` stays", "No citations here, `code @a` stays"),
        ("", ""),
    ],
)
def test_strip(text, expected):
    assert strip(text) == expected


def test_long_line():
    text = "word [@a] " * 1000 + "[" * 2000 + "@b " * 2000 + "]" * 2000
    groups = scan(text)
    assert len(groups) >= 1000
    assert strip(text)


# --- properties -------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    ["@a", "@b-c", "-@d", "[", "]", ";", " ", "\n", "see ", "p. 4", ",", "`", "$", "<", ">", "\\", "x", "(", ")", "{"]
    + ["}", "*", "_", ".", "^", "<span>", "<!--", "-->", '"', "](u)", "@{k}", "https://u.org/", "@", "@@"]
)
_MARKDOWNISH = st.lists(_PIECES, max_size=40).map("".join)
_ANY_TEXT = st.one_of(st.text(max_size=200), _MARKDOWNISH)


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT)
def test_scan_groups_are_ordered_and_within_bounds(text):
    end = 0
    for group in scan(text):
        assert end <= group.start < group.end <= len(text)
        assert "@" in text[group.start : group.end]
        assert group.citations
        end = group.end


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT)
def test_strip_never_raises(text):
    assert isinstance(strip(text), str)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5000), st.sampled_from(["[", "@", "@a", "`", "[@a", "](", "$", "<", "\\", "*"]))
def test_huge_repetitive_input(count, piece):
    text = piece * count
    for group in scan(text):
        assert 0 <= group.start < group.end <= len(text)
    strip(text)
