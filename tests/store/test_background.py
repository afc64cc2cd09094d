"""A build step in a child process: its result, its failures, and that it never outlives the build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb_tools.core.errors import BuildError
from kb_tools.store import background
from kb_tools.store.background import Job
from tests.conftest import REPO

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="fork and PR_SET_PDEATHSIG are Linux behaviour")


def _write(path: Path, text: str) -> None:
    path.write_text(text)


def _fail_kb(path: Path) -> None:
    raise BuildError(f"{path}: could not write the search index (disk full); the previous index is kept")


def _fail_bug(path: Path) -> None:
    raise RuntimeError("whoosh bug")


def _exit_hard(code: int) -> None:
    os._exit(code)


def _slow_with_cleanup(marker: Path) -> None:
    marker.write_text(str(os.getpid()))
    try:
        time.sleep(60)
    finally:
        marker.write_text("cleaned up")


_SET_BY_THE_PARENT = None


def _hand_over(mode: str, arg: str) -> None:
    """A step that finishes in a fresh interpreter running this module (see ``_fresh``)."""
    background.replace_process("tests.store.test_background", mode, arg)


def _fresh(mode: str, arg: str) -> None:
    if mode == "write":  # a fresh interpreter: nothing of the parent's memory was carried over
        Path(arg).write_text(f"fresh={_SET_BY_THE_PARENT is None}")
    elif mode == "fail":
        raise BuildError(arg)
    elif mode == "exit":
        os._exit(int(arg))
    elif mode == "slow":
        _slow_with_cleanup(Path(arg))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _until(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_the_step_runs_in_another_process(tmp_path):
    out = tmp_path / "out"
    job = Job("writer", _write, out, "done")
    job.wait()
    assert out.read_text() == "done"


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (_fail_kb, r"^/nowhere: could not write the search index \(disk full\); the previous index is kept$"),
        (_fail_bug, r"^the writer failed \(RuntimeError: whoosh bug\)$"),
    ],
)
def test_a_failed_step_raises_a_build_error_with_its_message(step, message):
    with pytest.raises(BuildError, match=message):
        Job("writer", step, Path("/nowhere")).wait()


def test_a_step_that_dies_without_a_word_is_a_build_error():
    with pytest.raises(BuildError, match=r"the writer stopped without finishing \(exit code 3\)"):
        Job("writer", _exit_hard, 3).wait()


def test_cancel_stops_the_step_and_lets_it_clean_up(tmp_path):
    marker = tmp_path / "marker"
    job = Job("writer", _slow_with_cleanup, marker)
    assert _until(lambda: marker.exists() and marker.read_text().isdigit())
    pid = int(marker.read_text())
    job.cancel()
    assert not _alive(pid)
    assert marker.read_text() == "cleaned up"
    job.wait()  # nothing left to wait for


@pytest.mark.parametrize(
    "arguments",
    ["_slow_with_cleanup, Path({marker!r})", "_hand_over, 'slow', {marker!r}"],
    ids=["fork", "fresh-interpreter"],
)
def test_the_step_dies_with_a_killed_parent(tmp_path, arguments):
    marker = tmp_path / "marker"
    script = (
        "import time\n"
        "from pathlib import Path\n"
        "from tests.store.test_background import _hand_over, _slow_with_cleanup\n"
        "from kb_tools.store.background import Job\n"
        f"Job('writer', {arguments.format(marker=str(marker))})\n"
        "time.sleep(60)\n"
    )
    root = REPO
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=root)
    try:
        assert _until(lambda: marker.exists() and marker.read_text().isdigit())
        child = int(marker.read_text())
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert _until(lambda: not _alive(child)), "the step outlived its killed parent"
    finally:
        parent.kill()
        parent.wait()


def test_a_step_can_finish_in_a_fresh_interpreter(tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setattr(sys.modules[__name__], "_SET_BY_THE_PARENT", "a fork would see this")
    Job("writer", _hand_over, "write", str(out)).wait()
    assert out.read_text() == "fresh=True"


@pytest.mark.parametrize(
    ("mode", "arg", "message"),
    [
        ("fail", "/nowhere: disk full", r"^/nowhere: disk full$"),
        ("exit", "4", r"the writer stopped without finishing \(exit code 4\)"),
    ],
)
def test_a_fresh_interpreter_reports_its_failure(mode, arg, message):
    with pytest.raises(BuildError, match=message):
        Job("writer", _hand_over, mode, arg).wait()


def test_cancel_stops_a_fresh_interpreter_and_lets_it_clean_up(tmp_path):
    marker = tmp_path / "marker"
    job = Job("writer", _hand_over, "slow", str(marker))
    assert _until(lambda: marker.exists() and marker.read_text().isdigit())
    pid = int(marker.read_text())
    job.cancel()
    assert not _alive(pid)
    assert marker.read_text() == "cleaned up"


def test_only_a_jobs_child_can_hand_over():
    with pytest.raises(RuntimeError, match="only for a Job's child"):
        background.replace_process("tests.store.test_background", "write", "/nowhere")


if __name__ == "__main__":
    background.finish_in_process(_fresh, *sys.argv[1:])
