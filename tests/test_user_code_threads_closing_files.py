"""A thread that a hook (or an in-process step) starts, closing the orchestrator's files.

fd_guard refused ``os.closerange(3, 4096)`` in the hook's own thread only: the same call
in a thread the hook started (a background uploader, a watchdog), even one that outlived
the hook, closed the engine's epoll, its attempts' pipes and its store, and the run was
left orphaned. Such a thread now keeps the guard of the code that started it.
"""

import os
import subprocess
import sys

import pytest

from dagwell.core.statuses import RunStatus, StepStatus
from helpers import latest_run

SCRIPT = """
import os, sys, threading, time
from dagwell import LocalOrchestrator, StepRetryConfig, pipeline, step


def closes(starter: threading.Thread) -> None:
    {wait_for_the_hook}
    try:
        {action}
    except OSError as error:
        print("refused:", error, file=sys.stderr, flush=True)
    finally:
        with open({marker!r}, "w"):
            pass


def act() -> None:
    starter = threading.current_thread()
    threading.Thread(target=closes, args=(starter,), daemon=True, name="user-thread").start()


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0), on_success=act)
def first() -> int:
    return 1


@step(enable_cache=False)
def second() -> int:
    deadline = time.monotonic() + 60
    while not os.path.exists({marker!r}) and time.monotonic() < deadline:
        time.sleep(0.05)  # ends once the thread did its worst
    print("second prints")
    return 2


@pipeline(enable_cache=False, on_failure="continue")
def p() -> None:
    first()
    second()


try:
    p.with_options(orchestrator=LocalOrchestrator())()
    said = "RESULT completed"
except BaseException as error:
    said = f"RAISED {{type(error).__name__}}"
with open({said_file!r}, "w") as f:
    f.write(said)
"""

WAITS = {
    "while-the-hook-runs": "pass",
    "after-the-hook-returned": "starter.join()",  # (the hook's thread has ended)
}


def _run(tmp_path, action: str, wait: str):
    said = tmp_path / "said"
    (tmp_path / "threads.py").write_text(
        SCRIPT.format(
            action=action,
            wait_for_the_hook=WAITS[wait],
            said_file=str(said),
            marker=str(tmp_path / "acted"),
        )
    )
    env = {**os.environ, "DAGWELL_HOME": str(tmp_path / "home"), "DAGWELL_PROGRESS": "0"}
    done = subprocess.run(
        [sys.executable, str(tmp_path / "threads.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return said.read_text(), done, latest_run(tmp_path / "home")


@pytest.mark.parametrize("wait", list(WAITS))
def test_a_thread_a_hook_started_cannot_close_the_orchestrators_files(tmp_path, wait):
    said, done, run = _run(tmp_path, "os.closerange(3, 4096)", wait)
    assert said == "RESULT completed", done.stderr[-3000:]
    assert run.status is RunStatus.COMPLETED and not run.orphaned
    assert {s.status for s in run.steps.values()} == {StepStatus.COMPLETED}
    assert "os.closerange(3, 4096) was called" in done.stderr, done.stderr[-3000:]
