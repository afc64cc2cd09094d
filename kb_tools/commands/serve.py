"""``kb serve``: serve the built site and its claim search on this machine."""

from __future__ import annotations

import click

from ..config.kbconfig import load_config
from ..core.errors import KbError
from .check import KB_ARG

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@click.command()
@KB_ARG
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--build", "do_build", is_flag=True, help="Run kb build first.")
@click.pass_context
def serve(ctx: click.Context, kb: str, host: str, port: int, workers: int, do_build: bool) -> None:
    """Serve the KB's built site with claim search at /api/search (GET only)."""
    config = load_config(kb)
    if do_build:
        _build(ctx, kb)
    _check_site(config)
    if host not in LOCAL_HOSTS:
        click.echo(f"kb: serving on {host}, reachable from other machines", err=True)
    from ..serve import run  # starlette and uvicorn load only when serving

    run(config, host=host, port=port, workers=workers)


def _check_site(config) -> None:
    """Refuse only when there is no site; a site kb built without a home page is served, and the gap named."""
    site = config.site_path
    if (site / "index.html").is_file():
        return
    if not (site / "claims.json").is_file():  # every kb build writes it
        raise KbError(f"{site}: no built site here; run kb build first (or kb serve --build)")
    home = f"{config.docs_dir.strip('/') or '.'}/index.md"
    click.echo(
        f"kb: the site has no home page ({home} is missing), so / answers 404; serving the rest. "
        f"Add {home} and run kb build (kb check reports it as missing-home-page)",
        err=True,
    )


def _build(ctx: click.Context, kb: str) -> None:
    from . import build as build_cmd

    try:
        ctx.invoke(build_cmd.build, kb=kb)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
