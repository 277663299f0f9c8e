"""The scheduler's decisions in concrete stories (the property tests are next door)."""

import random

from dagwell.core.failures import Failure, FailureKind, OomScope
from dagwell.core.plan import InputSpec, Locator, StepSpec
from dagwell.core.scheduler import (
    AttemptEnded,
    Outcome,
    Scheduler,
    SchedulerConfig,
    StepChange,
)
from dagwell.core.settings import StepRetryConfig
from dagwell.core.statuses import RunStatus, StepStatus

MB = 10**6
LOC = Locator("m", "f")


def spec(sid, ups=(), memory=None, retry=None, timeout=None, name=None):
    inputs = {f"in_{u}": InputSpec("output", step=u, output="output") for u in ups}
    return StepSpec(
        sid,
        name or sid.split("_")[0],
        LOC,
        inputs,
        memory=memory,
        retry=retry or StepRetryConfig(max_retries=0),
        timeout=timeout,
    )


def make(specs, **config):
    return Scheduler(specs, SchedulerConfig(**config), rng=random.Random(0))


def ready_all(s, now=0.0):
    for sid in s.take_ready():
        s.enqueue(sid, now)


OOM_NODE = Failure(FailureKind.OOM_KILLED, "oom", oom_scope=OomScope.NODE_PRESSURE)
OOM_OWN = Failure(FailureKind.OOM_KILLED, "oom", oom_scope=OomScope.OWN_LIMIT)
USER = Failure(FailureKind.USER_ERROR, "bug")


def test_chain_runs_in_order():
    s = make([spec("a"), spec("b", ["a"]), spec("c", ["b"])], node_memory=1000 * MB)
    ready_all(s)
    assert [launch.step_id for launch in s.admit(0)] == ["a"]
    assert s.take_ready() == []
    s.attempt_ended("a", 1, Outcome(True), 1)
    ready_all(s, 1)
    assert [launch.step_id for launch in s.admit(1)] == ["b"]
    s.attempt_ended("b", 1, Outcome(True), 2)
    ready_all(s, 2)
    s.admit(2)
    s.attempt_ended("c", 1, Outcome(True), 3)
    assert s.finished and s.run_status() is RunStatus.COMPLETED


def test_declared_memory_packs_three_at_a_time():
    s = make(
        [spec(f"w_{i}", memory=450 * MB) for i in range(10)],
        node_memory=1400 * MB,
        max_parallelism=10,
    )
    ready_all(s)
    assert len(s.admit(0)) == 3


def test_node_pressure_oom_retries_from_infra_budget_and_backs_off():
    s = make([spec(f"wait_{i}") for i in range(10)], node_memory=1400 * MB, max_parallelism=10)
    ready_all(s)
    assert len(s.admit(0)) == 10  # 64 MiB default estimates: the seed's pile-up
    for i in range(7):
        s.attempt_ended(f"wait_{i}", 1, Outcome(False, OOM_NODE, peak_memory=200 * MB), 1)
    assert s.slots == 3  # only the three still running proved sustainable
    assert s.steps["wait_0"].status is StepStatus.RETRYING
    assert s.steps["wait_0"].infra_retries == 1 and s.steps["wait_0"].step_retries == 0
    assert s.request_of(s.steps["wait_0"]) == 400 * MB  # twice the peak it reached
    s.tick(1)
    assert s.admit(1, observed_memory=1200 * MB) == []  # survivors use the node: wait
    for i in (7, 8, 9):
        s.attempt_ended(f"wait_{i}", 1, Outcome(True, peak_memory=401 * MB), 2)
    assert s.learned["wait"] == 401 * MB
    launched = s.admit(2, observed_memory=0)
    assert len(launched) == 2  # learned 401 MB x 1.2 headroom: two fit in 1400 MB


def test_without_retry_config_node_pressure_still_gets_two_tries_then_fails():
    s = make([spec("a")], node_memory=1400 * MB)
    for attempt in (1, 2, 3):
        ready_all(s)
        s.tick(attempt)
        assert s.admit(attempt)
        s.attempt_ended("a", attempt, Outcome(False, OOM_NODE, peak_memory=100 * MB), attempt)
    assert s.steps["a"].status is StepStatus.FAILED
    assert s.run_status() is RunStatus.FAILED


def test_own_limit_escalation():
    policy = StepRetryConfig(max_retries=1, memory_factor=2)
    s = make([spec("big", memory=200 * MB, retry=policy)], node_memory=1400 * MB)
    ready_all(s)
    assert s.admit(0)[0].memory_limit == 200 * MB
    s.attempt_ended("big", 1, Outcome(False, OOM_OWN, peak_memory=200 * MB), 1)
    s.tick(1)
    second = s.admit(1)
    assert second[0].attempt == 2 and second[0].memory_limit == 400 * MB


def test_request_larger_than_node_fails_fast_with_numbers():
    s = make([spec("huge", memory=20 * 10**9)], node_memory=1400 * MB)
    ready_all(s)
    assert s.admit(0) == []
    state = s.steps["huge"]
    assert state.status is StepStatus.FAILED
    message = next(c.note for c in s.changes if isinstance(c, StepChange) and c.new == "failed")
    assert "20 GB" in message and "1.4 GB" in message


def test_stop_mode_halts_and_continue_mode_skips_downstream_only():
    specs = [spec("a"), spec("b"), spec("c", ["a"]), spec("d", ["b"])]
    stop = make(specs, node_memory=10**10)
    ready_all(stop)
    stop.admit(0)
    stop.attempt_ended("a", 1, Outcome(False, USER), 1)
    assert stop.steps["c"].status is StepStatus.SKIPPED
    assert stop.steps["d"].status is StepStatus.SKIPPED  # nothing new starts after a failure
    assert stop.steps["b"].status is StepStatus.RUNNING  # running work finishes
    stop.attempt_ended("b", 1, Outcome(True), 2)
    assert stop.finished and stop.run_status() is RunStatus.FAILED

    cont = make(specs, node_memory=10**10, failure_mode="continue")
    ready_all(cont)
    cont.admit(0)
    cont.attempt_ended("a", 1, Outcome(False, USER), 1)
    assert cont.steps["c"].status is StepStatus.SKIPPED
    cont.attempt_ended("b", 1, Outcome(True), 2)
    ready_all(cont, 2)
    assert [launch.step_id for launch in cont.admit(2)] == ["d"]


def test_fail_fast_stops_the_steps_still_running():
    specs = [spec("a"), spec("b"), spec("c", ["b"])]
    s = make(specs, node_memory=10**10, failure_mode="fail_fast")
    ready_all(s)
    s.admit(0)
    s.attempt_ended("a", 1, Outcome(False, USER), 1)
    assert s.next_wakeup() == 1
    assert [(k.step_id, k.reason) for k in s.tick(1)] == [("b", FailureKind.CANCELLED)]
    assert s.tick(1.1) == []  # handed out once
    s.attempt_ended("b", 1, Outcome(False, Failure(FailureKind.LOST, "killed")), 1.2)
    assert s.steps["b"].status is StepStatus.CANCELLED
    ended = [c for c in s.changes if isinstance(c, StepChange) and c.step_id == "b"][-1]
    assert "step 'a' failed, and the run fails fast" in ended.note
    assert s.steps["c"].status is StepStatus.SKIPPED
    assert s.finished and s.run_status() is RunStatus.FAILED  # a step failed: not "stopped"


def test_a_stop_after_a_failure_in_stop_mode_does_not_claim_fail_fast():
    # before: any halted run's killed attempts were said to be stopped by FAIL_FAST
    s = make([spec("a"), spec("b")], node_memory=10**10, failure_mode="stop")
    ready_all(s)
    s.admit(0)
    s.attempt_ended("a", 1, Outcome(False, USER), 1)
    assert s.tick(1) == []  # stop mode lets b finish
    assert [k.step_id for k in s.stop()] == ["b"]
    s.attempt_ended("b", 1, Outcome(False, Failure(FailureKind.LOST, "killed")), 2)
    ended = [c for c in s.changes if isinstance(c, StepChange) and c.step_id == "b"][-1]
    assert ended.new is StepStatus.CANCELLED
    assert ended.note == "Attempt 1 was stopped."


def test_a_stop_before_the_tick_hands_out_each_fail_fast_kill_once():
    # before: stop() killed b, then the next tick killed it again from fail_fast's list
    s = make([spec("a"), spec("b")], node_memory=10**10, failure_mode="fail_fast")
    ready_all(s)
    s.admit(0)
    s.attempt_ended("a", 1, Outcome(False, USER), 1)
    assert [k.step_id for k in s.stop()] == ["b"]
    assert s.tick(1.5) == []
    assert s.next_wakeup() is None


def test_a_fail_fast_kill_is_dropped_when_the_attempt_ended_before_the_tick():
    s = make([spec("a"), spec("b")], node_memory=10**10, failure_mode="fail_fast")
    ready_all(s)
    s.admit(0)
    s.attempt_ended("a", 1, Outcome(False, USER), 1)
    s.attempt_ended("b", 1, Outcome(True), 1.1)  # in the same turn, before the kill
    assert s.tick(1.2) == []
    assert s.steps["b"].status is StepStatus.COMPLETED


def test_timeout_kills_and_records_timeout():
    s = make([spec("slow", timeout=5)], node_memory=10**9)
    ready_all(s)
    s.admit(0)
    assert s.next_wakeup() == 5
    kills = s.tick(5)
    assert [(k.step_id, k.reason) for k in kills] == [("slow", FailureKind.TIMEOUT)]
    s.attempt_ended("slow", 1, Outcome(False, Failure(FailureKind.LOST, "killed")), 5.1)
    ended = [c for c in s.changes if isinstance(c, AttemptEnded)]
    assert ended[-1].failure.kind is FailureKind.TIMEOUT


def test_stop_cancels_running_and_skips_the_rest():
    s = make([spec("a"), spec("b", ["a"]), spec("c")], node_memory=10**9, max_parallelism=1)
    ready_all(s)
    s.admit(0)
    kills = s.stop()
    assert [k.step_id for k in kills] == ["a"]
    s.attempt_ended("a", 1, Outcome(False, Failure(FailureKind.LOST, "killed")), 1)
    assert s.steps["a"].status is StepStatus.CANCELLED
    assert s.steps["b"].status is StepStatus.SKIPPED
    assert s.steps["c"].status is StepStatus.SKIPPED
    assert s.run_status() is RunStatus.CANCELLED


def test_queue_timeout_fails_a_step_waiting_forever():
    s = make(
        [spec("a", memory=900 * MB), spec("b", memory=900 * MB)],
        node_memory=1000 * MB,
        queue_timeout=60,
    )
    ready_all(s)
    assert len(s.admit(0)) == 1
    s.tick(61)
    assert s.steps["b"].status is StepStatus.FAILED


def test_late_duplicate_reports_are_ignored():
    s = make([spec("a")], node_memory=10**9)
    ready_all(s)
    s.admit(0)
    s.attempt_ended("a", 1, Outcome(True), 1)
    s.attempt_ended("a", 1, Outcome(False, USER), 2)
    assert s.steps["a"].status is StepStatus.COMPLETED
