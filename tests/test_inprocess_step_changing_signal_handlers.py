"""An in-process step that changes the orchestrator's signal handlers.

Under ``isolation="inprocess"`` a step runs in the orchestrator's main thread, where
``signal.signal`` works. Before: a step that set SIGINT, SIGTERM and SIGHUP to SIG_IGN
(a library silencing Ctrl-C, say) kept them so for the rest of the run: Ctrl-C and
SIGTERM during the next step did nothing, and the run went on to 'completed' although
it had been told to stop. The step's handlers now last while it runs; dagwell's are put
back when it ends, so a stop signal after it stops the run.
"""

import signal

import pytest

from dagwell.core.statuses import RunStatus, StepStatus
from helpers import latest_run, start_orchestrator, wait_for

SILENCES_THE_STOP_SIGNALS = """
import signal, time
from dagwell import LocalOrchestrator, RunFailedError, pipeline, step

@step(enable_cache=False)
def silences() -> int:
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)
    return 1

@step(enable_cache=False)
def naps(x: int) -> int:
    time.sleep(60)
    return x

@pipeline(enable_cache=False)
def p() -> None:
    naps(silences())

try:
    p.with_options(orchestrator=LocalOrchestrator(isolation="inprocess"))()
    print("RESULT completed")
except RunFailedError as error:
    print("RESULT", error.run.status.value)
"""


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_after_a_step_ignored_it_still_stops_the_run(home, tmp_path, number):
    proc = start_orchestrator(home, tmp_path, SILENCES_THE_STOP_SIGNALS)
    try:
        wait_for(
            lambda: (
                (run := latest_run(home)) is not None
                and run.steps["naps"].status is StepStatus.RUNNING
            ),
            60,
            "the nap to run",
        )
        proc.send_signal(number)
        stdout, _ = proc.communicate(timeout=30)  # (before: the nap's 60 s, then completed)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)
    assert "RESULT completed" not in stdout, stdout
    assert proc.returncode != 0, stdout
    run = latest_run(home)
    assert run.status is RunStatus.CANCELLED, stdout
    assert run.steps["silences"].status is StepStatus.COMPLETED
    assert run.steps["naps"].status is StepStatus.CANCELLED
