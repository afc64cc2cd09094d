"""``make fuzz``: hostile input replayed against the built site and ``kb serve`` (issue 23 items 1, 2, 4, 6, 13, 14).

* XSS placements: each payload in each BibTeX field a reference shows, built by four site variants (MkDocs,
  ProperDocs, Zensical, MkDocs without directory URLs). Every ``title`` attribute and every page title must stay
  text when parsed as HTML a second time (Material's tooltips do that), and in headless Chromium on a plain static
  server focusing and hovering every citation runs nothing.
* Hostile file names: claim URLs in ``claims.json`` are relative paths (no scheme) that reach their page and anchor.
* Links in ``docs/``: every link out of the KB is a finding and nothing it points to reaches the site.
* ``site_dir`` pointed at folders of other files: refused, nothing deleted.
* URL traversal and Range headers against ``kb serve``: nothing outside the site, never a 500.

Slow (several builds); left out of ``make test``. The regression tests proper are in the default suite.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import make_kb
from tests.serve.test_security import Served, get
from tests.site_helpers import serve_static

pytestmark = [pytest.mark.fuzz, pytest.mark.skipif(shutil.which("pandoc") is None, reason="needs pandoc")]

PAYLOADS = [
    "<img src=x onerror=window.__xss=1>",
    "<script>window.__xss=1</script>",
    '"><svg onload=window.__xss=1>',
    "&lt;img src=x onerror=window.__xss=1&gt;",
    "<!--x--><img src=x onerror=window.__xss=1>",
    "</title><img src=x onerror=window.__xss=1>",
    '<a href="javascript:window.__xss=1">x</a>',
    "<iframe srcdoc='<script>parent.__xss=1</script>'></iframe>",
    "<<img src=x onerror=window.__xss=1>>",
]
FIELDS = ["author", "title", "journal", "publisher", "note", "url"]
VARIANTS = [("mkdocs", True), ("properdocs", True), ("zensical", True), ("mkdocs", False)]


def kb_build(kb: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "kb_tools.cli", "build", "--quiet", *args, str(kb)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _entry(key: str, field: str, payload: str) -> str:
    fields = {"author": "{{Agency}}", "title": "A study", "journal": "Journal", "publisher": "Press", "year": "2023"}
    fields[field] = "{{" + payload + "}}" if field == "author" else "{" + payload + "}"
    body = ",\n".join(f"  {k} = {v if v.startswith('{') else '{' + v + '}'}" for k, v in fields.items())
    return f"@article{{{key},\n{body},\n  sourcetype = {{journal}},\n  evidence = {{rct}},\n}}\n"


def xss_kb(tmp: Path, use_dir: bool) -> tuple[Path, int]:
    kb = make_kb(tmp)
    keys, entries = [], []
    for i, payload in enumerate(PAYLOADS):
        for field in FIELDS:
            key = f"fz{i}{field}"
            keys.append(key)
            entries.append(_entry(key, field, payload))
    (kb / "references/fuzz.bib").write_text("\n".join(entries))
    claims = "\n\n".join(f"Ketamine was studied in trial {k} [@{k}]." for k in keys)
    front = "---\ntitle: Fuzz\nreviewed: 2026-11-01\n---\n\n# Fuzz\n\n"
    (kb / "docs/fuzz.md").write_text(front + claims + "\n")
    cfg = kb / "mkdocs.yml"
    text = cfg.read_text().replace("  name: material\n", "  name: material\n  features: [content.tooltips]\n")
    text = text.replace("      review_max_age_days", "      severity: {bib-warning: ignore}\n      review_max_age_days")
    cfg.write_text(text + ("" if use_dir else "use_directory_urls: false\n"))
    return kb, len(keys)


class _Reparse(HTMLParser):
    """Attribute values a theme may show as HTML (``title``), and the text of titles (ellipsis tooltips)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[str] = []
        self._title = False

    def handle_starttag(self, tag, attrs):
        self.values += [v for k, v in attrs if k == "title" and v]
        self._title = tag == "title"

    def handle_endtag(self, tag):
        self._title = False

    def handle_data(self, data):
        if self._title:
            self.values.append(data)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_comment(self, data):
        self.tags.append("<!--")


def reparsed_markup(site: Path) -> list[str]:
    bad = []
    for page in site.rglob("*.html"):
        p = _Reparse()
        p.feed(page.read_text(encoding="utf-8"))
        for value in p.values:
            t = _Tags()
            t.feed(value)
            if t.tags:
                bad.append(f"{page.relative_to(site)}: {value[:80]!r}")
    return bad


@pytest.mark.parametrize(("engine", "use_dir"), VARIANTS)
def test_xss_placements(browser, tmp_path, engine, use_dir):
    kb, cases = xss_kb(tmp_path, use_dir)
    result = kb_build(kb, "--engine", engine)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    site = kb / "site"
    assert reparsed_markup(site) == []
    url = "/fuzz/" if use_dir else "/fuzz.html"
    with serve_static(site) as base:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            page.goto(base + url, wait_until="load")
            cites = page.locator("a.kb-cite")
            assert cites.count() >= cases
            for i in range(cites.count()):
                cites.nth(i).focus()
                cites.nth(i).hover()
            page.wait_for_timeout(300)
            assert page.evaluate("typeof window.__xss") == "undefined"
            assert page.locator("article img[src=x], article svg[onload], [role=tooltip] img").count() == 0
            assert dialogs == []
        finally:
            page.close()


NAMES = [
    "javascript:window.__xss=1%2F%2F/x.md",
    "hash#frag.md",
    "q?x=1.md",
    "100%.md",
    "a b.md",
    "ü.md",
    "<script>.md",
    'a"b.md',
    "a'b.md",
    "data:text,html.md",
    "vbscript:x.md",
    "back\\slash.md",
    "..dots.md",
    "-rf.md",
    ";semi.md",
    "&amp;.md",
    "JAVASCRIPT:x/y.md",
    " javascript:x.md",
]


@pytest.mark.parametrize("use_dir", [True, False])
def test_hostile_file_names(tmp_path, use_dir):
    kb = make_kb(tmp_path)
    for i, name in enumerate(NAMES):
        target = kb / "docs" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        front = f"---\ntitle: 'Page {i} <img src=x onerror=alert(1)>'\nreviewed: 2026-11-01\n---\n\n# Page {i}\n\n"
        # a claim its record supports, with no number (an untraced figure would stop the build)
        claim = f"Intravenous ketamine reduced symptoms of treatment-resistant depression, case {chr(97 + i)}"
        target.write_text(front + claim + " [@smith2022].\n")
    if not use_dir:
        (kb / "mkdocs.yml").write_text((kb / "mkdocs.yml").read_text() + "use_directory_urls: false\n")
    result = kb_build(kb)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    site = kb / "site"
    claims = json.loads((site / "claims.json").read_text())
    assert len({c["page"] for c in claims}) >= len(NAMES)
    for claim in claims:
        parts = urlsplit(claim["url"])
        assert parts.scheme == "" and parts.netloc == "", claim["url"]
        path = unquote(parts.path)
        page = site / path / "index.html" if path.endswith("/") or path == "" else site / path
        assert page.is_file(), claim["url"]
        assert f'id="{parts.fragment}"' in page.read_text(), claim["url"]
    assert reparsed_markup(site) == []


LINKS = {  # docs path -> target; every one leaves the KB
    "passwd.txt": "/etc/passwd",
    "environ.txt": "/proc/self/environ",
    "etc": "/etc",
    "up.md": "../../outside/secret.md",
    "upfolder": "../../outside",
    "abs.md": "{outside}/secret.md",
    "dangling.md": "/nonexistent/kb-fuzz.md",
    "chain.txt": "chain2.txt",  # chain2 -> /etc/passwd
    "chain2.txt": "/etc/passwd",
    "sub/deep.txt": "../../../outside/secret.md",
    "hidden.md": "/proc/self/cmdline",
}


def test_links_out_of_the_kb(tmp_path):
    kb = make_kb(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# Secret\n\nSECRET-FUZZ-TOKEN uncited.\n")
    for name, target in LINKS.items():
        link = kb / "docs" / name
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target.format(outside=outside), link)
    (kb / "docs/inside.md").symlink_to("topic.md")  # inside the KB: a page like any other
    check = subprocess.run(
        [sys.executable, "-m", "kb_tools.cli", "check", "--format", "json", str(kb)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in check.stderr
    found = {f["path"] for f in json.loads(check.stdout)["findings"] if f["code"] == "link-outside-kb"}
    assert found == {f"docs/{n}" for n in LINKS}
    cfg = kb / "mkdocs.yml"
    option = "      severity: {link-outside-kb: warning}\n"
    cfg.write_text(cfg.read_text().replace("      review_max_age_days", option + "      review_max_age_days"))
    for engine in ("mkdocs", "zensical"):
        result = kb_build(kb, "--engine", engine)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        passwd = Path("/etc/passwd").read_bytes()[:40]
        for p in (kb / "site").rglob("*"):
            if p.is_file():
                data = p.read_bytes()
                assert b"SECRET-FUZZ-TOKEN" not in data and passwd not in data, p
        assert (kb / "site/inside/index.html").is_file()


SITE_DIRS = [".", "docs", "references", "../other", "..", "site/../docs", "mkdocs.yml", "../other/nested"]


def _snapshot(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if ".kb" in p.relative_to(root).parts:
            continue
        out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


@pytest.mark.parametrize("site_dir", SITE_DIRS)
def test_site_dir_of_other_files(tmp_path, site_dir):
    kb = make_kb(tmp_path)
    (tmp_path / "other/nested").mkdir(parents=True)
    (tmp_path / "other/thesis.tex").write_text("years of work")
    (tmp_path / "other/nested/notes.txt").write_text("notes")
    cfg = kb / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("site_dir: site", f"site_dir: '{site_dir}'"))
    before = _snapshot(tmp_path)
    result = kb_build(kb)
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert _snapshot(tmp_path) == before


TRAVERSALS = [
    "/../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2fetc/passwd",
    "/%252e%252e/etc/passwd",
    "//etc/passwd",
    "/assets/../../mkdocs.yml",
    "/assets/%2e%2e/%2e%2e/mkdocs.yml",
    "/..\\..\\mkdocs.yml",
    "/.%2e/mkdocs.yml",
    "/%c0%ae%c0%ae/mkdocs.yml",
    "/site/../../references/sources.bib",
    "/docs/topic.md",
    "/.kb/cache/build.lock",
    "/.kb-site-files",
    "/.git/config",
    "/%2Egit/config",
]
RANGES = [
    "bytes=0-0",
    "bytes=-0",
    "bytes=0-",
    "bytes=999999999999999999999-",
    "bytes=-999999999999999999999",
    "bytes=0-1,2-3",
    "bytes= 0-1",
    "bytes=--1",
    "bytes=1-0",
    "bytes=",
    "bytes=-",
    "BYTES=0-1",
    "bytes=0-1\u00e9",
    "bytes=00000000000000000000000000001-2",
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    kb = make_kb(tmp_path_factory.mktemp("served"))
    assert kb_build(kb).returncode == 0
    (kb / "site/.git").mkdir()  # a gh-pages checkout's, kept by kb build: not the site
    (kb / "site/.git/config").write_bytes((kb / "mkdocs.yml").read_bytes())
    s = Served(kb)
    yield kb, s.port
    s.stop()


def test_traversal_and_ranges_against_kb_serve(served):
    kb, port = served
    secret = (kb / "mkdocs.yml").read_bytes()[:30]
    for path in TRAVERSALS:
        status, _, body = get(port, path)
        assert status in (200, 400, 404), path
        assert secret not in body and b"root:x:0:0" not in body, path
    whole = (kb / "site/claims.json").read_bytes()
    for value in RANGES:
        conn_status, headers, body = _ranged(port, value)
        assert conn_status in (200, 206, 416), value
        if conn_status == 206:
            start, end = map(int, headers["content-range"].split()[1].split("/")[0].split("-"))
            assert body == whole[start : end + 1], value
        if conn_status == 200:
            assert body == whole, value


def _ranged(port: int, value: str):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", "/claims.json")
        conn.putheader("Range", value.encode("utf-8"))
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_payload_count():
    """The count the issue's closing note quotes (placements per variant)."""
    assert len(PAYLOADS) * len(FIELDS) == 54 and len(html.escape(PAYLOADS[0])) > 0
