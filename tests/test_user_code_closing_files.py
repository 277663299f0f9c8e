"""User code in the orchestrator's process that closes file descriptors.

A hook's ``os.closerange(3, 4096)`` closed the engine's epoll, its attempts' pipes and
its store: the loop died of EBADF and the run was left orphaned, 'running' in its record.
Now closing a file that was open when the hook (or in-process step) started raises there,
naming the call, and closes nothing; the code's own files close as asked, and a closed
stdin/stdout/stderr becomes /dev/null, so the next file opened does not take its number
(and receive what is printed).
"""

import os
import subprocess
import sys

import pytest

from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus, StepStatus
from helpers import latest_run

SCRIPT = """
import os, sys, time
from dagwell import LocalOrchestrator, StepRetryConfig, pipeline, step


def act() -> None:
    try:
{action}
    finally:
        with open({marker!r}, "w"):
            pass


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0), {where})
def first() -> int:
{in_step}
    return 1


@step(enable_cache=False)
def second() -> int:
    deadline = time.monotonic() + 60
    while not os.path.exists({marker!r}) and time.monotonic() < deadline:
        time.sleep(0.05)  # prints once the hook did its worst
    print("second prints")
    return 2


@pipeline(enable_cache=False, on_failure="continue")
def p() -> None:
    first()
    second()


try:
    p.with_options(orchestrator=LocalOrchestrator({isolation}))()
    said = "RESULT completed"
except BaseException as error:
    said = f"RAISED {{type(error).__name__}}"
with open({said_file!r}, "w") as f:
    f.write(said)
"""


def _run(tmp_path, action, *, hook=True):
    said = tmp_path / "said"
    body = "\n".join("        " + line for line in action.strip().splitlines())
    (tmp_path / "closes.py").write_text(
        SCRIPT.format(
            action=body,
            where="on_success=act" if hook else "",
            in_step="    pass" if hook else "    act()",
            isolation="" if hook else "isolation='inprocess'",
            said_file=str(said),
            marker=str(tmp_path / "acted"),
        )
    )
    env = {**os.environ, "DAGWELL_HOME": str(tmp_path / "home"), "DAGWELL_PROGRESS": "0"}
    done = subprocess.run(
        [sys.executable, str(tmp_path / "closes.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return said.read_text(), done, latest_run(tmp_path / "home")


@pytest.mark.parametrize(
    "action",
    ["os.closerange(3, 4096)", "[os.close(fd) for fd in range(3, 64)]"],
    ids=["closerange", "close-each"],
)
def test_a_hook_closing_the_orchestrators_files_ends_neither_it_nor_the_run(tmp_path, action):
    said, done, run = _run(tmp_path, f"try:\n    {action}\nexcept OSError:\n    pass")
    assert said == "RESULT completed", done.stderr[-3000:]
    assert run.status is RunStatus.COMPLETED and not run.orphaned
    assert {s.status for s in run.steps.values()} == {StepStatus.COMPLETED}


def test_the_refusal_names_the_call_and_the_files(tmp_path):
    said, done, run = _run(tmp_path, "os.closerange(3, 4096)")
    assert said == "RESULT completed", done.stderr[-3000:]
    assert "os.closerange(3, 4096) was called in a hook" in done.stderr
    assert "nothing was closed" in done.stderr


def test_an_inprocess_step_closing_the_orchestrators_files_fails_alone(tmp_path):
    said, done, run = _run(tmp_path, "os.closerange(3, 4096)", hook=False)
    assert said == "RAISED RunFailedError", done.stderr[-3000:]
    assert run.status is RunStatus.FAILED and not run.orphaned
    (attempt,) = run.steps["first"].attempts
    assert attempt.failure.kind is FailureKind.USER_ERROR
    assert "os.closerange(3, 4096) was called" in attempt.failure.message
    assert run.steps["second"].status is StepStatus.COMPLETED


def test_a_hook_closes_its_own_files_as_asked(tmp_path):
    mine = tmp_path / "mine"
    said, done, run = _run(
        tmp_path,
        f"""
fd = os.open({str(mine)!r}, os.O_WRONLY | os.O_CREAT)
os.write(fd, b"mine")
os.close(fd)
try:
    os.fstat(fd)
except OSError:
    os.rename({str(mine)!r}, {str(mine)!r} + ".closed")
""",
    )
    assert said == "RESULT completed", done.stderr[-3000:]
    assert (tmp_path / "mine.closed").read_bytes() == b"mine"


def test_a_file_opened_after_a_hook_closed_stderr_does_not_receive_the_output(tmp_path):
    """Before: the hook's file took fd 2, and the step echoed afterwards ('second
    prints') was written into it."""
    mine = tmp_path / "mine"
    said, done, run = _run(
        tmp_path,
        f"""
os.close(2)
act.kept = open({str(mine)!r}, "w")  # (kept open: it holds its number to the run's end)
act.kept.write("mine")
act.kept.flush()
""",
    )
    assert said == "RESULT completed"
    assert mine.read_text() == "mine"
    assert run.status is RunStatus.COMPLETED
