"""A step's add_tags/remove_tags stand even when its attempt dies without a result.

ZenML applies a step's tag change at the call. dagwell's attempts never write the run
store, so a change rode on the attempt's result manifest, and an attempt that left none
(OOM-killed by the kernel, killed at its timeout, stopped) lost every tag it had put on
its run. Each change is now also written, at the call, beside the attempt's result; the
orchestrator records those when no result came.
"""

from __future__ import annotations

import time

import pytest

import workloads
from dagwell import ResourceSettings, StepRetryConfig, pipeline, step
from dagwell.core.failures import FailureKind


@step(
    enable_cache=False,
    retry=StepRetryConfig(max_retries=0),
    resources=ResourceSettings(memory="150MB"),
)
def tags_then_runs_out_of_memory() -> None:
    from dagwell import add_tags, log_metadata, remove_tags

    log_metadata({"logged_before_the_oom": 1})  # (written at the call already)
    add_tags(["before_the_oom", "taken_off"])
    remove_tags(["taken_off"])
    workloads.allocate(400)


@pipeline(enable_cache=False, tags=["from_the_pipeline"])
def oom_after_tagging() -> None:
    tags_then_runs_out_of_memory()


@step(enable_cache=False, retry=StepRetryConfig(max_retries=0), timeout=2)
def tags_then_outlives_its_timeout() -> None:
    from dagwell import add_tags

    add_tags(["before_the_timeout"])
    time.sleep(60)


@pipeline(enable_cache=False)
def timeout_after_tagging() -> None:
    tags_then_outlives_its_timeout()


def test_an_oom_killed_steps_tag_changes_are_recorded(home, cgroups):
    with pytest.raises(Exception) as raised:
        oom_after_tagging()
    run = raised.value.run
    (attempt,) = run.steps["tags_then_runs_out_of_memory"].attempts
    assert attempt.failure.kind is FailureKind.OOM_KILLED, attempt.failure.message
    names = sorted(t.name for t in run.tags)
    assert names == ["before_the_oom", "from_the_pipeline"], names
    step_run = run.steps["tags_then_runs_out_of_memory"]
    assert step_run.run_metadata.get("logged_before_the_oom") == 1, step_run.run_metadata


def test_a_timed_out_steps_tags_are_recorded(home, cgroups):
    with pytest.raises(Exception) as raised:
        timeout_after_tagging()
    run = raised.value.run
    (attempt,) = run.steps["tags_then_outlives_its_timeout"].attempts
    assert attempt.failure.kind is FailureKind.TIMEOUT, attempt.failure.message
    assert "before_the_timeout" in [t.name for t in run.tags]


ORPHANING = """
import sys, time
sys.path.insert(0, {tests!r})
from dagwell import pipeline, step

@step(enable_cache=False)
def tags_then_loses_its_orchestrator(marker: str) -> int:
    import os
    from dagwell import add_tags

    if not os.path.exists(marker):  # (the first attempt alone tags the run)
        add_tags(["before_the_orchestrator_died"])
        open(marker, "w").close()
        time.sleep(120)  # (its orchestrator is SIGKILLed meanwhile; it dies with it)
    return 1

@pipeline(enable_cache=False)
def orphaned_after_tagging(marker: str) -> None:
    tags_then_loses_its_orchestrator(marker)

orphaned_after_tagging({marker!r})
"""


def test_the_tags_of_an_attempt_that_died_with_its_orchestrator_are_recorded_on_resume(
    home, cgroups, tmp_path
):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from dagwell import Client
    from helpers import latest_run, wait_for

    marker = tmp_path / "marker"
    script = tmp_path / "orphaning.py"
    script.write_text(ORPHANING.format(tests=str(Path(__file__).parent), marker=str(marker)))
    env = {**os.environ, "DAGWELL_HOME": str(home), "DAGWELL_PROGRESS": "0"}
    proc = subprocess.Popen([sys.executable, str(script)], env=env)
    wait_for(marker.exists, 60, "the step to tag its run")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    run = latest_run(home)
    resumed = subprocess.run(
        [sys.executable, "-m", "dagwell", "runs", "resume", run.id],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    client = Client(home)
    try:
        final = client.get_run(run.id)
    finally:
        client.close()
    first, second = final.steps["tags_then_loses_its_orchestrator"].attempts
    assert first.failure.kind is FailureKind.LOST and second.failure is None
    assert "before_the_orchestrator_died" in [t.name for t in final.tags]
