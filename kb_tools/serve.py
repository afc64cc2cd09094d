"""``kb serve``'s web app: the built site as static files, and ``GET /api/search``.

A Starlette app for uvicorn. It answers GET and HEAD only, puts security
headers on every response, and gives each HTML page a Content-Security-Policy
that allows, by hash, only those of the page's inline scripts that the theme's
templates write (``inlinescripts``: Material's few small ones, kb's search page
one), so no other inline script can run: not one in a nav title, a raw ``.html``
file or a page's content. Byte ranges are served as advertised (``ranged``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .config.kbconfig import KbConfig, load_config
from .search.engine import IndexMissing, QueryError, open_engine
from .search.params import from_query_string
from .site.csp import SECURITY_HEADERS, csp, inline_script_hashes

KB_ENV = "KB_SERVE_KB"  # the KB folder, for the app factory uvicorn's worker processes call
ALLOWED_METHODS = ("GET", "HEAD")
MAX_BUFFERED = 8 * 1024 * 1024  # site files up to this size are read in one go (larger ones are streamed)
SWAP_RETRIES = 5


class SiteFiles(StaticFiles):
    """The built site; HTML pages get a CSP naming their own inline scripts."""

    def __init__(self, directory: Path):
        super().__init__(directory=str(directory), html=True, check_dir=False, follow_symlink=False)
        self._hashes: dict[tuple[str, int, int], tuple[str, ...]] = {}

    def file_response(self, full_path, stat_result, scope, status_code: int = 200) -> Response:
        # One open for size, validators and bytes: ``kb build`` may swap the site in between, and a
        # length taken from one file with bytes read from another breaks the response mid-way.
        data = None
        try:
            with open(full_path, "rb") as fh:
                stat_result = os.fstat(fh.fileno())
                if stat_result.st_size <= MAX_BUFFERED:
                    data = fh.read()
        except FileNotFoundError:
            raise _SwappedAway from None
        response = super().file_response(full_path, stat_result, scope, status_code)
        if data is not None and isinstance(response, FileResponse):
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            response = ranged(data, headers, scope) or Response(data, status_code=response.status_code, headers=headers)
        if str(full_path).endswith(".html"):
            key = (str(full_path), stat_result.st_ino, stat_result.st_mtime_ns, stat_result.st_size)
            if key not in self._hashes:
                text = data.decode("utf-8", errors="replace") if data is not None else ""
                self._hashes[key] = inline_script_hashes(text)
            response.headers["content-security-policy"] = csp(self._hashes[key])
        return response

    async def get_response(self, path: str, scope) -> Response:
        if _hidden(path):
            raise HTTPException(status_code=404)
        for attempt in range(SWAP_RETRIES + 1):
            if attempt:
                await anyio.sleep(0.02)  # a swap is two renames at most; the new site is there right after
            if not Path(str(self.directory)).is_dir():
                continue
            try:
                return await super().get_response(path, scope)
            except _SwappedAway:
                continue
        if Path(str(self.directory)).is_dir():
            raise HTTPException(status_code=404)
        return JSONResponse({"error": "the site has not been built; run kb build first"}, status_code=503)


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def ranged(data: bytes, headers: dict[str, str], scope) -> Response | None:
    """The part a single ``Range: bytes=a-b`` asks for (206), or 416 past the end; None to send the whole file
    (no Range, several ranges, a malformed one, or an ``If-Range`` that no longer matches: RFC 9110 allows it)."""
    asked = {k.lower(): v for k, v in ((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])}
    m = _RANGE.fullmatch(asked.get("range", "").strip())
    if m is None or not (m[1] or m[2]):
        return None
    if_range = asked.get("if-range")
    if if_range is not None and if_range not in (headers.get("etag"), headers.get("last-modified")):
        return None
    size = len(data)
    if m[1]:
        start, end = int(m[1]), min(int(m[2]) if m[2] else size - 1, size - 1)
    else:  # the last N bytes
        start, end = max(size - int(m[2]), 0), size - 1
    if m[1] and m[2] and int(m[2]) < start:
        return None  # a last byte before the first: not a valid range, so the whole file
    if start >= size or (not m[1] and int(m[2]) == 0):
        return Response(b"", status_code=416, headers={"content-range": f"bytes */{size}"})
    return Response(data[start : end + 1], 206, {**headers, "content-range": f"bytes {start}-{end}/{size}"})


def _hidden(path: str) -> bool:
    """A dotfile or dot-folder of the site (the ``.git`` of a ``gh-pages`` checkout that a rebuild keeps, kb's
    ``.kb-site-files``) is not part of the site; ``.well-known`` is meant to be served."""
    parts = re.split(r"[/\\]", path)
    return any(p.startswith(".") and p not in (".", "..", ".well-known") for p in parts)


class _SwappedAway(Exception):
    """The file was found, then gone before it could be opened: a rebuild swapped the site in between."""


class SecurityMiddleware:
    """Refuses methods other than GET and HEAD, and adds security headers to every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["method"] not in ALLOWED_METHODS:
            response = JSONResponse(
                {"error": f"method {scope['method']} is not allowed; use GET"},
                status_code=405,
                headers={"allow": ", ".join(ALLOWED_METHODS)},
            )
            return await response(scope, receive, self._with_headers(send))
        return await self.app(scope, receive, self._with_headers(send))

    @staticmethod
    def _with_headers(send):
        async def wrapped(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", csp().encode()))
                message = {**message, "headers": headers}
            await send(message)

        return wrapped


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers={"cache-control": "no-store"})


def search_endpoint(config: KbConfig):
    engine = open_engine(config.index_path)

    async def api_search(request: Request) -> Response:
        try:
            # q and limit are checked first; an unknown condition, role, design, source type or sort is then
            # a QueryError from the engine, naming the valid values
            args = from_query_string(request.query_params)
            results = await run_in_threadpool(engine.search, **args)
        except QueryError as exc:
            return _error(str(exc), 400)
        except IndexMissing:
            return _error("the search index has not been built; run kb build first", 503)
        return JSONResponse(results.to_json(), headers={"cache-control": "no-store"})

    return api_search


def create_app(config: KbConfig) -> Starlette:
    """The app for one KB: /api/search plus the site folder."""
    routes = [
        Route("/api/search", search_endpoint(config), methods=["GET"]),  # Starlette answers HEAD for GET routes
        Mount("/", app=SiteFiles(config.site_path)),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(SecurityMiddleware)
    return app


def app_factory() -> Starlette:
    """For ``uvicorn --factory`` and worker processes: the KB folder comes from $KB_SERVE_KB."""
    return create_app(load_config(os.environ.get(KB_ENV, ".")))


def run(config: KbConfig, host: str = "127.0.0.1", port: int = 8000, workers: int = 1, log_level: str = "info"):
    """Serve until interrupted; with several workers uvicorn starts processes that rebuild the app from $KB_SERVE_KB."""
    import uvicorn

    common = {"host": host, "port": port, "log_level": log_level, "server_header": False, "proxy_headers": False}
    if workers > 1:
        os.environ[KB_ENV] = str(config.root)
        uvicorn.run("kb_tools.serve:app_factory", factory=True, workers=workers, **common)
    else:
        uvicorn.run(create_app(config), **common)
