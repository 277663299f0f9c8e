"""Restoring a scheduler from a dead orchestrator's record (engine.restore, pure)."""

import random

from dagwell.core.failures import Failure, FailureKind
from dagwell.core.plan import Plan
from dagwell.core.scheduler import Outcome, SchedulerConfig, StepChange
from dagwell.core.statuses import RunStatus, StepStatus
from dagwell.engine.restore import restore
from test_scheduler import spec


def _attempt(step_id, number, failure_kind=None):
    return {
        "step_id": step_id,
        "number": number,
        "budget": None,
        "oom_scope": None,
        "peak_memory": None,
        "memory_limit": None,
        "started_at": 0.0,
        "memory_request": 0,
        "external_id": "123",
        "failure_kind": failure_kind,
    }


def _restored(mode):
    """a failed (the run halted), b still running when the orchestrator died."""
    plan = Plan("p", {s.id: s for s in (spec("a"), spec("b"))}, failure_mode=mode)
    config = SchedulerConfig(node_memory=10**10, failure_mode=mode)
    steps = [
        {"step_id": "a", "status": "failed", "outputs": None},
        {"step_id": "b", "status": "running", "outputs": None},
    ]
    attempts = [_attempt("a", 1, "user_error"), _attempt("b", 1)]
    scheduler, running, _ = restore(plan, config, steps, attempts, learned={}, now=10.0)
    scheduler.rng = random.Random(0)
    return scheduler, running


def test_a_restored_fail_fast_run_that_had_halted_kills_what_still_runs():
    # before: b was left running, and its death was then recorded as b's own failure
    s, running = _restored("fail_fast")
    assert [r.step_id for r in running] == ["b"]
    assert s.halted_by == "a"
    assert s.next_wakeup() == 10.0  # at the engine's first turn
    kills = s.tick(11)
    assert [(k.step_id, k.attempt, k.reason) for k in kills] == [("b", 1, FailureKind.CANCELLED)]
    assert s.tick(11.5) == []
    # recovery finds the attempt dead (the kill may have landed before the crash)
    s.attempt_ended("b", 1, Outcome(False, Failure(FailureKind.USER_ERROR, "exit -9")), 12)
    assert s.steps["b"].status is StepStatus.CANCELLED
    ended = [c for c in s.changes if isinstance(c, StepChange) and c.step_id == "b"][-1]
    assert "step 'a' failed, and the run fails fast" in ended.note
    assert s.run_status() is RunStatus.FAILED


def test_a_restored_stop_mode_run_that_had_halted_lets_what_runs_finish():
    s, _ = _restored("stop")
    assert s.halted_by == "a"
    assert s.tick(11) == []
    assert s.steps["b"].stopping is None
    s.attempt_ended("b", 1, Outcome(True), 12)
    assert s.steps["b"].status is StepStatus.COMPLETED
    assert s.run_status() is RunStatus.FAILED
