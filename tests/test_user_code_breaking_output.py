"""User code in the orchestrator's process that breaks its stdout or stderr.

Hooks run in the orchestrator's process. One that closed fd 1 and 2, set ``sys.stderr``
to None, closed it, or replaced it by an object whose ``write`` raises, made the next
echoed line of a step raise out of the engine's loop: the run was stopped and recorded
``cancelled`` though every step did its work, and the pipeline call raised. The display
is a window on the run: now it fails alone, and the run ends with the truth.
"""

import os
import subprocess
import sys

import pytest

from dagwell.core.statuses import RunStatus, StepStatus
from helpers import latest_run

ACTIONS = {
    "close-fd-1-and-2": "os.close(1); os.close(2)",
    "streams-none": "sys.stdout = None; sys.stderr = None",
    "streams-closed": "sys.stdout.close(); sys.stderr.close()",
    "streams-raising": "sys.stdout = Raising(); sys.stderr = Raising()",
}

SCRIPT = """
import os, sys, time
from dagwell import LocalOrchestrator, pipeline, step


class Raising:
    def write(self, text):
        raise OSError("this stream is broken")

    def flush(self):
        raise OSError("this stream is broken")


def hook() -> None:
    {in_hook}


@step(enable_cache=False, on_success=hook)
def first() -> int:
    return 1


@step(enable_cache=False)
def second() -> int:
    time.sleep(1.0)  # prints after the hook broke the streams
    print("second prints")
    return 2


@step(enable_cache=False)
def third(x: int) -> int:
    print("third prints")
    return x


@pipeline(enable_cache=False)
def p() -> None:
    first()
    third(second())


{in_script}
try:
    run = p.with_options(orchestrator=LocalOrchestrator(isolation={isolation!r}))()
    said = f"RESULT {{run.status.value}}"
except BaseException as error:
    said = f"RAISED {{error!r}}"
with open({said_file!r}, "w") as f:
    f.write(said)
"""


def _run(tmp_path, *, in_hook="pass", in_script="", isolation="process"):
    said = tmp_path / "said"
    script = tmp_path / "breaks_output.py"
    script.write_text(
        SCRIPT.format(
            in_hook=in_hook, in_script=in_script, isolation=isolation, said_file=str(said)
        )
    )
    env = {**os.environ, "DAGWELL_HOME": str(tmp_path / "home"), "DAGWELL_PROGRESS": "0"}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert said.read_text() == "RESULT completed", (said.read_text(), done.stderr[-3000:])
    return latest_run(tmp_path / "home")


@pytest.mark.parametrize("name", list(ACTIONS))
def test_a_hook_breaking_the_output_streams_leaves_the_run_completed(tmp_path, name):
    run = _run(tmp_path, in_hook=ACTIONS[name])
    assert run.status is RunStatus.COMPLETED and not run.stop_requested
    assert {s.status for s in run.steps.values()} == {StepStatus.COMPLETED}


@pytest.mark.parametrize("isolation", ["process", "inprocess"])
@pytest.mark.parametrize("name", ["streams-none", "streams-raising"])
def test_a_script_without_working_output_streams_runs_its_steps(tmp_path, name, isolation):
    """As under pythonw or a daemon without a terminal. Before: an in-process step's
    print failed the step (its output went to the log and to the broken stream)."""
    run = _run(tmp_path, in_script=ACTIONS[name], isolation=isolation)
    assert run.status is RunStatus.COMPLETED
    assert {s.status for s in run.steps.values()} == {StepStatus.COMPLETED}
