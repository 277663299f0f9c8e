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
