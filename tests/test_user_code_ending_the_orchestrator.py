"""User code that runs in the orchestrator's process and tries to end it.

Hooks run in the orchestrator (threads beside the engine loop), and so do steps under
``isolation="inprocess"``. ``os.abort()``, a signal the process sends itself
(``os.kill(os.getpid(), SIGKILL)``, SIGSEGV, SIGTERM, ``os.killpg(0, ...)``,
``signal.raise_signal``), or ``os._exit`` from a thread a hook started, ended the
orchestrator on the spot: the step still running died with it and the run was left
orphaned, its record 'running'. Now such a call raises in the hook or the in-process step
(a hook's logged error, a step's failure naming the call), and one from another thread
waits for the run's end to be recorded before it ends the process as asked. A stop signal
from outside while an in-process step runs stops the run (it failed only the step).
"""

import os
import signal
import subprocess
import sys

import pytest

from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus, StepStatus
from helpers import latest_run, start_orchestrator, wait_for

ACTIONS = {
    "abort": ("os.abort()", "os.abort()"),
    "kill-SIGKILL": ("os.kill(os.getpid(), signal.SIGKILL)", "SIGKILL) was called"),
    "kill-SIGSEGV": ("os.kill(os.getpid(), signal.SIGSEGV)", "SIGSEGV) was called"),
    "kill-SIGTERM": ("os.kill(os.getpid(), signal.SIGTERM)", "SIGTERM) was called"),
    "killpg-SIGKILL": ("os.killpg(0, signal.SIGKILL)", "os.killpg(0, SIGKILL)"),
    "raise_signal-SIGABRT": ("signal.raise_signal(signal.SIGABRT)", "raise_signal(SIGABRT)"),
    "execv": ("os.execl('/bin/true', 'true')", "os.execv('/bin/true', ...)"),
}

SCRIPT = """
import os, signal, threading, time
from dagwell import LocalOrchestrator, StepRetryConfig, pipeline, step


def act() -> None:
    {action}


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0), {where})
def first() -> int:
    {in_step}
    return 1


@step(enable_cache=False)
def second() -> int:
    time.sleep(1.5)  # still running when the hook runs
    return 2


@pipeline(enable_cache=False, on_failure="continue")
def p() -> None:
    first()
    second()


try:
    p.with_options(orchestrator=LocalOrchestrator({isolation}))()
except Exception as error:
    print("raised", type(error).__name__)
print("the script went on")
"""


def _run(tmp_path, action, *, hook):
    script = tmp_path / "ends_the_orchestrator.py"
    script.write_text(
        SCRIPT.format(
            action=action,
            where="on_success=act" if hook else "",
            in_step="pass" if hook else "act()",
            isolation="" if hook else "isolation='inprocess'",
        )
    )
    # (its own session: before, os.killpg(0, ...) killed the process group it shared
    # with pytest)
    env = {**os.environ, "DAGWELL_HOME": str(tmp_path / "home"), "DAGWELL_PROGRESS": "0"}
    done = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )
    return done, latest_run(tmp_path / "home")


@pytest.mark.parametrize("name", list(ACTIONS))
def test_a_hook_that_ends_its_process_ends_neither_the_orchestrator_nor_the_run(tmp_path, name):
    """Before: the orchestrator died by the signal (exit 134, 137, 139) or stopped the
    run on SIGTERM (143); 'second' died with it and the run was left orphaned."""
    action, said = ACTIONS[name]
    done, run = _run(tmp_path, action, hook=True)
    assert done.returncode == 0 and "the script went on" in done.stdout, done.stderr[-3000:]
    assert said in done.stderr and "it cannot end dagwell's orchestrator" in done.stderr
    assert run.status is RunStatus.COMPLETED and not run.orphaned
    assert {s.status for s in run.steps.values()} == {StepStatus.COMPLETED}


@pytest.mark.parametrize("name", list(ACTIONS))
def test_an_inprocess_step_that_ends_its_process_fails_and_the_run_goes_on(tmp_path, name):
    action, said = ACTIONS[name]
    done, run = _run(tmp_path, action, hook=False)
    assert "raised RunFailedError" in done.stdout, done.stderr[-3000:]
    assert run.status is RunStatus.FAILED and not run.orphaned
    (attempt,) = run.steps["first"].attempts
    assert attempt.failure.kind is FailureKind.USER_ERROR
    assert said in attempt.failure.message, attempt.failure.message
    assert run.steps["second"].status is StepStatus.COMPLETED


LATER = """threading.Thread(target=lambda: (time.sleep(0.3), os._exit(7))).start()"""


@pytest.mark.parametrize("hook", [True, False], ids=["hook", "inprocess step"])
def test_os_exit_from_a_thread_user_code_started_waits_for_the_runs_end(tmp_path, hook):
    """Before: the thread's os._exit(7) ended the orchestrator 0.3 s later, with 'second'
    running and the run orphaned. Now the process still ends with 7, as the thread asked,
    but only once the run's end is recorded."""
    done, run = _run(tmp_path, LATER, hook=hook)
    assert done.returncode == 7, done.stderr[-3000:]
    assert "the script went on" not in done.stdout
    assert "it takes effect once the run's end is recorded" in done.stderr
    assert run.status is RunStatus.COMPLETED and not run.orphaned
    assert {s.status for s in run.steps.values()} == {StepStatus.COMPLETED}


INPROCESS_NAP = """
import sys
import workloads
from dagwell import LocalOrchestrator, RunFailedError

p = workloads.sleepy.with_options(orchestrator=LocalOrchestrator(isolation="inprocess"))
try:
    p(count=2, seconds=60)
except RunFailedError as error:
    print("RESULT", error.run.status.value)
print("the script went on")
"""


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_stop_signal_during_an_inprocess_step_stops_the_run(home, tmp_path, number):
    """Before: the signal's KeyboardInterrupt was the step's failure ('SignalStop: stopped
    by SIGTERM'), and the run went on with the next step: a SIGTERM did not stop it."""
    proc = start_orchestrator(home, tmp_path, INPROCESS_NAP)
    try:
        wait_for(
            lambda: (
                (run := latest_run(home)) is not None
                and run.steps["nap"].status is StepStatus.RUNNING
            ),
            60,
            "the first nap to run",
        )
        proc.send_signal(number)
        stdout, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert proc.returncode == -number, stdout
    assert "the script went on" not in stdout
    run = latest_run(home)
    assert run.status is RunStatus.CANCELLED, stdout
    assert run.steps["nap"].status is StepStatus.CANCELLED
    assert run.steps["nap"].attempts[0].failure.kind is FailureKind.CANCELLED
    assert run.steps["nap_2"].status is StepStatus.SKIPPED
