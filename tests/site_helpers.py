"""Helpers for the site tests: real MkDocs builds of fixture KBs, and a link checker for the built HTML."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from benchmarks.a11y import static_server as serve_static  # noqa: F401 (re-exported for the site tests)

REPO = Path(__file__).parent.parent
MKDOCS = Path(sys.executable).with_name("mkdocs")


def mkdocs_build(kb: Path, *args: str) -> subprocess.CompletedProcess:
    """``mkdocs build`` in a KB folder, as an editor would run it."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([str(MKDOCS), "build", *args], cwd=kb, capture_output=True, text=True, env=env, timeout=300)


def copy_kap(tmp_path: Path) -> Path:
    """A copy of the real KAP KB (docs, references, mkdocs.yml, lay_terms.yml), so a build never writes into it."""
    kb = tmp_path / "kap"
    kb.mkdir()
    shutil.copy(REPO / "mkdocs.yml", kb / "mkdocs.yml")
    if (REPO / "lay_terms.yml").is_file():
        shutil.copy(REPO / "lay_terms.yml", kb / "lay_terms.yml")
    shutil.copytree(REPO / "docs", kb / "docs")
    shutil.copytree(REPO / "references", kb / "references")
    return kb


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href") is not None:
            self.links.append((a["href"], a))


def parse_html(path: Path) -> _Collect:
    p = _Collect()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def resolve(site: Path, page: Path, href: str) -> tuple[Path, str] | None:
    """The file and fragment an internal link points at; None for external links."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I):
        return None
    base = "/" + page.relative_to(site).as_posix()
    url = urlsplit(urljoin(base, href))
    target = site / unquote(url.path).lstrip("/")
    if url.path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, url.fragment


def broken_links(site: Path, pages: list[Path] | None = None) -> list[str]:
    """Every internal link in the built HTML whose file or anchor is missing."""
    cache: dict[Path, set[str]] = {}
    problems = []
    for page in pages or sorted(site.rglob("*.html")):
        for href, _ in parse_html(page).links:
            hit = resolve(site, page, href)
            if hit is None:
                continue
            target, fragment = hit
            if not target.is_file():
                problems.append(f"{page.relative_to(site)}: {href} -> missing {target.relative_to(site)}")
                continue
            if fragment and target.suffix == ".html":
                ids = cache.setdefault(target, parse_html(target).ids)
                if unquote(fragment) not in ids:
                    problems.append(f"{page.relative_to(site)}: {href} -> no anchor #{fragment}")
    return problems


def wait_listening(proc: subprocess.Popen, port: int, seconds: float) -> None:
    """Wait until ``proc`` accepts connections on 127.0.0.1:``port`` (or exits, or ``seconds`` pass)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
