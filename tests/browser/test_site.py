"""The built site in a real browser: follow a citation to its source and back to the claim; screenshots.

Serves the fixture site over HTTP on 127.0.0.1 and drives Debian's headless Chromium with playwright
(never a downloaded browser). Screenshots land in tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import base64
import functools
import http.server
import threading

import pytest

from benchmarks.chromium import CHROMIUM
from tests.conftest import TESTS, make_kb
from tests.site_helpers import mkdocs_build

ARTIFACTS = TESTS / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium"),
]

# Decode the PNG in the page itself and count distinct colours on a grid of pixels: no Pillow needed.
COLOURS_JS = """async (data) => {
  const img = new Image();
  img.src = "data:image/png;base64," + data;
  await img.decode();
  const c = document.createElement("canvas");
  c.width = img.width; c.height = img.height;
  const ctx = c.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let y = 0; y < c.height; y += 4) for (let x = 0; x < c.width; x += 4) {
    const i = (y * c.width + x) * 4;
    seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
  }
  return seen.size;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    kb = make_kb(tmp_path_factory.mktemp("browser"))
    result = mkdocs_build(kb, "--strict")
    assert result.returncode == 0, result.stderr
    handler = functools.partial(QuietHandler, directory=str(kb / "site"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # Only the local site: fonts or analytics from the internet must not slow or break the test.
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server) else route.abort())
    p = context.new_page()
    yield p
    context.close()


def test_citation_to_source_and_back_to_the_claim(page, server):
    page.goto(f"{server}/topic/")
    cite = page.locator("a.kb-cite").first
    assert "Smith, J., & Doe, J. (2022)." in cite.get_attribute("title")
    cite.focus()  # keyboard users reach the citation and its tooltip
    assert page.evaluate("document.activeElement.classList.contains('kb-cite')")
    claim_id = page.evaluate("document.querySelector('a.kb-cite').closest('p').querySelector('.kb-claim').id")
    cite.click()
    page.wait_for_url(f"{server}/sources/smith2022/")
    back = page.locator(f'a.kb-claim-link[href$="#{claim_id}"]')
    assert back.count() == 1
    back.click()
    page.wait_for_url(f"{server}/topic/#{claim_id}")
    assert page.locator(f"#{claim_id}").count() == 1
    assert page.evaluate("location.hash") == f"#{claim_id}"


@pytest.mark.parametrize("path, name", [("/", "home"), ("/conditions/depression/", "condition")])
def test_screenshots_are_not_blank(page, server, path, name):
    page.goto(f"{server}{path}")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"site-{name}.png"
    data = page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5_000
    assert page.evaluate(COLOURS_JS, base64.b64encode(data).decode()) > 20
