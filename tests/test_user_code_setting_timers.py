"""A hook or an in-process step that sets a timer whose signal would end the orchestrator.

``signal.alarm(1)`` (or ``signal.setitimer(ITIMER_REAL, ...)``) with no SIGALRM handler is
the process's own SIGALRM a second later, whose default action ends it. Before: a hook
doing so killed the orchestrator a second later, its next step still running, and the
run was left orphaned. exit_guard now treats the timer as the kill it is: in the hook (or
the step) it raises, and the run goes on; a timer with a handler set is left alone.
"""

import pytest

from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus, StepStatus
from helpers import latest_run, run_script

SCRIPT = """
import signal, sys, time
from dagwell import LocalOrchestrator, StepRetryConfig, pipeline, step

TIMERS = {{
    "alarm": lambda: signal.alarm(1),
    "setitimer": lambda: signal.setitimer(signal.ITIMER_REAL, 0.5),
}}

def act() -> None:
    TIMERS[sys.argv[1]]()

@step(enable_cache=False, retry=StepRetryConfig(max_retries=0){hook})
def first() -> int:
{in_step}
    return 1

@step(enable_cache=False)
def second(x: int) -> int:
    time.sleep(3)  # (the timer's signal would land meanwhile)
    return x + 1

@pipeline(enable_cache=False, on_failure="continue")
def p() -> None:
    second(first())

try:
    p.with_options(orchestrator=LocalOrchestrator({isolation}))()
    print("RESULT completed")
except Exception as error:
    print("RESULT", type(error).__name__)
"""


@pytest.mark.parametrize("timer", ["alarm", "setitimer"])
def test_a_hook_setting_a_deadly_timer_ends_neither_the_orchestrator_nor_the_run(tmp_path, timer):
    script = tmp_path / "timer.py"
    script.write_text(SCRIPT.format(hook=", on_success=act", in_step="    pass", isolation=""))
    done = run_script([str(script), timer], tmp_path / "home")
    assert "RESULT completed" in done.stdout, (done.returncode, done.stderr[-3000:])
    assert "cannot end dagwell's orchestrator" in done.stderr
    run = latest_run(tmp_path / "home")
    assert run.status is RunStatus.COMPLETED and not run.orphaned


def test_an_inprocess_step_setting_a_deadly_timer_fails_alone(tmp_path):
    script = tmp_path / "timer.py"
    script.write_text(
        SCRIPT.format(hook="", in_step="    act()", isolation="isolation='inprocess'")
    )
    done = run_script([str(script), "alarm"], tmp_path / "home")
    assert "RESULT RunFailedError" in done.stdout, (done.returncode, done.stderr[-3000:])
    run = latest_run(tmp_path / "home")
    assert run.status is RunStatus.FAILED and not run.orphaned
    (attempt,) = run.steps["first"].attempts
    assert attempt.failure.kind is FailureKind.USER_ERROR
    assert "signal.alarm(1) was called" in attempt.failure.message
    assert run.steps["second"].status is StepStatus.SKIPPED
