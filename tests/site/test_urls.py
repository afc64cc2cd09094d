"""Claim and page URLs are percent-encoded relative paths: a folder named ``javascript:...`` never becomes a
``javascript:`` link (in claims.json, the search index, the search page or the header box), and pages named
``hash#frag.md`` or ``q?x=1.md`` are reached by their links."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from kb_tools.core import urls
from tests.conftest import make_kb
from tests.site_helpers import serve_static

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="the site build needs pandoc")
EVIL = "javascript:alert(document.domain)%2F%2F"
PAGES = {  # docs path -> a word only its claim holds
    f"{EVIL}/x.md": "zebracornic",
    "hash#frag.md": "hashfragic",
    "q?x=1.md": "querylike",
}
FRONT = "---\ntitle: {title}\nconditions: [depression]\nreviewed: 2026-11-01\n---\n\n# {title}\n\n"


@pytest.mark.parametrize("use_dir", [True, False])
@pytest.mark.parametrize("path", [*PAGES, "a b/ü.md", "100%.md"])
def test_a_page_url_is_a_relative_path_to_its_file(path, use_dir):
    url = urls.claim_url(path, "c1", use_dir)
    parts = urlsplit(url)
    assert parts.scheme == "" and parts.netloc == "" and parts.fragment == "c1"
    stem = path[: -len(".md")]
    assert unquote(parts.path) == (stem + "/" if use_dir else stem + ".html")


def test_relative_links_between_pages_are_encoded_too():
    href = urls.relative("topic.md", f"{EVIL}/x.md")
    assert urlsplit(href).scheme == "" and unquote(href) == f"../{EVIL}/x/"


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> Path:
    kb = make_kb(tmp_path_factory.mktemp("urls"))
    for path, word in PAGES.items():
        target = kb / "docs" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        title = word.capitalize()
        target.write_text(
            FRONT.format(title=title)
            + f"Intravenous ketamine, {word}, reduced symptoms of treatment-resistant depression [@smith2022].\n"
        )
    cmd = [sys.executable, "-m", "kb_tools.cli", "build", "--quiet", str(kb)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return kb


def test_claims_json_urls_resolve_to_their_pages(kb):
    site = kb / "site"
    for claim in json.loads((site / "claims.json").read_text()):
        parts = urlsplit(claim["url"])
        assert parts.scheme == "", claim["url"]
        page = site / unquote(parts.path) / "index.html"
        assert page.is_file(), claim["url"]
        assert f'id="{parts.fragment}"' in page.read_text()


@pytest.mark.browser
@pytest.mark.parametrize(("path", "word"), PAGES.items())
def test_a_search_result_opens_its_page_and_runs_nothing(browser, kb, path, word):
    with serve_static(kb / "site") as base:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            page.goto(f"{base}/search/?query={word}")
            link = page.locator("a.kb-search__claim").first
            link.wait_for(timeout=10_000)
            href = link.get_attribute("href") or ""
            assert urlsplit(href).scheme in ("http", ""), href
            link.click()
            page.wait_for_load_state("load")
            page.wait_for_timeout(200)
            assert dialogs == []
            assert unquote(urlsplit(page.url).path) == "/" + path[: -len(".md")] + "/"
            assert page.locator("h1").first.inner_text() == word.capitalize()
            page.goto(f"{base}/")  # the header box: choose the claim with the keyboard
            page.fill("#kb-hsearch-q", word)
            page.locator(".kb-hsearch__claim").first.wait_for(timeout=10_000)
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r"#"), timeout=10_000)
            page.wait_for_timeout(200)
            assert dialogs == []
            assert unquote(urlsplit(page.url).path) == "/" + path[: -len(".md")] + "/"
        finally:
            page.close()


def test_the_claim_url_joins_under_any_base():
    url = urls.claim_url(f"{EVIL}/x.md", "c1")
    joined = urljoin("https://host.example/kb/search/", "../" + url)
    assert joined.startswith("https://host.example/kb/javascript%3A")
