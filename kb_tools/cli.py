"""The ``kb`` command: a thin adapter from the command line to kb_tools' stages.

Exit status: 0 clean; 1 findings or a failed build; 2 usage or configuration error.
"""

from __future__ import annotations

import os
import sys

import click

from .commands import build as build_cmd
from .commands import check as check_cmd
from .commands import init as init_cmd
from .commands import search as search_cmd
from .commands import serve as serve_cmd
from .core.errors import BuildError, ConfigError, KbError

MATERIAL_NOTICE_OFF = "NO_MKDOCS_2_WARNING"


class KbGroup(click.Group):
    """Turns kb_tools' errors into one clear line and the documented exit status."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"kb: {exc}", err=True)
            ctx.exit(2)
        except (BuildError, KbError) as exc:
            click.echo(f"kb: {exc}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("kb: interrupted; the previous site and index are unchanged", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug in kb itself: say so plainly, no traceback unless asked
            if os.environ.get("KB_DEBUG"):
                raise
            click.echo(f"kb: internal error: {exc.__class__.__name__}: {exc} (set KB_DEBUG=1 for details)", err=True)
            ctx.exit(1)


@click.group(cls=KbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kb_tools")
def cli() -> None:
    """Check, build, search and serve an evidence knowledge base."""
    # Material prints a ten-line end-of-life notice whenever it thinks it runs under MkDocs; nothing in it
    # is for a kb user to act on. Its documented switch, inherited by every engine process kb starts.
    os.environ.setdefault(MATERIAL_NOTICE_OFF, "1")


for command in (check_cmd.check, init_cmd.init, build_cmd.build, search_cmd.search, serve_cmd.serve):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="kb")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
