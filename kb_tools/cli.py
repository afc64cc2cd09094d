"""The ``kb`` command: a thin adapter from the command line to kb_tools' stages.

Exit status: 0 clean; 1 findings or a failed build; 2 usage or configuration error.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from .core.errors import BuildError, ConfigError, KbError

MATERIAL_NOTICE_OFF = "NO_MKDOCS_2_WARNING"
# each verb's module, imported only when that verb runs (or help lists it): ``kb check`` of an unchanged KB
# takes a tenth of a second, and importing build's, search's and serve's machinery would triple that
COMMANDS = {
    "check": "kb_tools.commands.check",
    "init": "kb_tools.commands.init",
    "build": "kb_tools.commands.build",
    "search": "kb_tools.commands.search",
    "serve": "kb_tools.commands.serve",
}


class KbGroup(click.Group):
    """Turns kb_tools' errors into one clear line and the documented exit status; loads each verb lazily."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            self.add_command(getattr(importlib.import_module(COMMANDS[cmd_name]), cmd_name))
        return super().get_command(ctx, cmd_name)

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


def main() -> None:
    cli(prog_name="kb")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
