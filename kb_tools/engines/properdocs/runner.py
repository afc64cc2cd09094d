"""ProperDocs: today's MkDocs build, kb plugin and all, run by ProperDocs (a maintained fork of MkDocs 1.6).

ProperDocs reads ``mkdocs.yml`` as it is and loads plugins and themes from both the ``mkdocs.*`` and
``properdocs.*`` entry point groups; ``properdocs.replacement`` makes every ``import mkdocs.*`` (the kb
plugin's, Material's) import ProperDocs' module instead. That redirection holds for a whole interpreter,
so the build runs in a child interpreter (``python -m kb_tools.engines.properdocs.runner``), and a process that
has MkDocs loaded (a test run, ``mkdocs serve``) keeps it.

The child gets the check report on its standard input (pickled: the KB is not loaded twice), runs
``kb_tools.engines.mkdocs.runner.render`` (MkDocs' build with the kb plugin) into the same staging folders, and
reports its progress and any error as JSON lines on a pipe, which ``run`` relays to ``kb build``'s display.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import IO

from ...check.policy import Report
from ...config.kbconfig import KbConfig
from ...core.errors import BuildError, ConfigError, KbError
from ...core.interrupts import raise_interrupt
from ...store import progress
from ..stages import Stages

MODULE = "kb_tools.engines.properdocs.runner"


def run(stages: Stages, config: KbConfig, report: Report, site_dir: Path, index_dir: Path) -> None:
    """Build with ProperDocs in a child interpreter, whose kb plugin runs the stages; raise its error here."""
    progress.stage("starting ProperDocs")
    read_fd, write_fd = os.pipe()
    package_root = str(Path(__file__).resolve().parents[3])  # so ``-m`` finds this kb_tools
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", MODULE, str(write_fd)],
            stdin=subprocess.PIPE,
            pass_fds=(write_fd,),
            env={**os.environ, "PYTHONPATH": path, "DISABLE_MKDOCS_2_WARNING": "true"},
        )
    finally:
        os.close(write_fd)
    with os.fdopen(read_fd, "r", encoding="utf-8") as messages:
        try:
            with child.stdin:
                pickle.dump((config, report, str(site_dir), str(index_dir)), child.stdin, pickle.HIGHEST_PROTOCOL)
            error = _relay(messages)
            code = child.wait()
        except BaseException:
            _stop(child)
            raise
    if error is not None:
        kind, text = error
        raise (ConfigError if kind == "config" else BuildError)(text)
    if code != 0:
        raise BuildError(f"ProperDocs stopped without finishing (exit code {code}); the previous site is unchanged")


def _relay(messages: IO[str]) -> tuple[str, str] | None:
    """Show the child's progress here until it closes the pipe; its error, if it sent one."""
    error = None
    for line in messages:
        message = json.loads(line)
        if message[0] == "stage":
            progress.stage(message[1], message[2])
        elif message[0] == "advance":
            progress.advance(message[1])
        elif message[0] == "error":
            error = (message[1], message[2])
    return error


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.terminate()  # the child unwinds (as for Ctrl-C), stopping its index writer
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


class _Relay(progress.Reporter):
    """In the child: progress as JSON lines to the parent."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def send(self, *message) -> None:
        self.out.write(json.dumps(message) + "\n")
        self.out.flush()

    def stage(self, name: str, total: int | None = None) -> None:
        self.send("stage", name, total)

    def advance(self, n: int = 1) -> None:
        self.send("advance", n)


def main(fd: int) -> int:
    """The child: build with ProperDocs from the report on stdin, reporting on ``fd``."""
    import signal

    import properdocs.replacement  # noqa: F401 - from here on ``mkdocs.*`` is ProperDocs

    from ..mkdocs.runner import render

    signal.signal(signal.SIGTERM, raise_interrupt)  # ``_stop``: unwind, so the plugin stops its index writer
    relay = _Relay(os.fdopen(fd, "w", encoding="utf-8"))
    progress.console_warnings(logging.getLogger("properdocs"))  # ProperDocs' warnings, as MkDocs' are shown
    config, report, site_dir, index_dir = pickle.load(sys.stdin.buffer)  # from ``run``, in the parent
    try:
        with progress.reporting(relay):
            render(config, report, Path(site_dir), Path(index_dir))
    except KeyboardInterrupt:
        return 130
    except KbError as exc:
        text = str(exc).replace("mkdocs could not build", "ProperDocs could not build", 1)
        relay.send("error", "config" if isinstance(exc, ConfigError) else "build", text)
        return 1
    except Exception as exc:  # reported in the parent as a failed build, the previous site kept
        failure = f"{exc.__class__.__name__}: {exc}"
        relay.send("error", "build", f"the build failed ({failure}); the previous site is unchanged")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
