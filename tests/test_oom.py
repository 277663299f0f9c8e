"""Real kernel OOM kills in real cgroups: the seed story at small scale, and its variants.

Needs root and a writable cgroup memory controller (v1 here, v2 elsewhere). These tests
skip with the reason when that is missing, and fail instead under DAGWELL_REQUIRE_REAL=1.
"""

import time

import pytest

import workloads
from conftest import leftover_cgroups
from dagwell import LocalOrchestrator, ResourceSettings, StepRetryConfig, pipeline
from dagwell.core.failures import FailureKind, OomScope
from dagwell.core.statuses import AttemptStatus, RunStatus, StepStatus
from helpers import outcome

pytestmark = pytest.mark.cgroups
MB = 10**6
NODE = LocalOrchestrator(memory="1400MB", max_parallelism=10)


def seed(retry=None, memory=None, infra_retries=2, seconds=1.0):
    step = workloads.hog.with_options(
        retry=retry, **({"resources": ResourceSettings(memory=memory)} if memory else {})
    )

    @pipeline(enable_cache=False, infra_retries=infra_retries)
    def seed_pipeline():
        for _ in range(10):
            step(400, seconds)

    return seed_pipeline.with_options(orchestrator=NODE)


def oom_attempts(run):
    return [
        a
        for s in run.steps.values()
        for a in s.attempts
        if a.failure and a.failure.kind is FailureKind.OOM_KILLED
    ]


def assert_statuses_agree_with_attempts(run):
    for s in run.steps.values():
        last = s.attempts[-1] if s.attempts else None
        if s.status is StepStatus.COMPLETED:
            assert last.status is AttemptStatus.COMPLETED
        elif s.status is StepStatus.FAILED and last is not None:
            assert last.status is AttemptStatus.FAILED and last.failure is not None
        assert all(a.status is not AttemptStatus.RUNNING for a in s.attempts)
        assert [a.number for a in s.attempts] == list(range(1, len(s.attempts) + 1))


def test_seed_without_any_retry_ends_with_the_true_status(home, cgroups):
    """Issue 3: ten 400 MB steps in a 1400 MB node, no memory declared, nothing retried:
    the kernel kills some, each kill is recorded as node pressure, the survivors complete,
    and the call returns failed: the truth, not 'running' forever."""
    started = time.monotonic()
    run = outcome(seed(infra_retries=0))
    elapsed = time.monotonic() - started
    assert run.status is RunStatus.FAILED
    killed = oom_attempts(run)
    assert killed, "the node should have been exhausted"
    assert all(a.failure.oom_scope is OomScope.NODE_PRESSURE for a in killed)
    assert all(a.failure.signal == 9 and a.peak_memory for a in killed)
    completed = [s for s in run.steps.values() if s.status is StepStatus.COMPLETED]
    assert completed and len(completed) + len(killed) == 10
    assert all(s.attempts[-1].peak_memory >= 400 * MB for s in completed)
    assert_statuses_agree_with_attempts(run)
    assert leftover_cgroups() == []
    assert elapsed < 60


def test_seed_with_retries_completes_and_records_every_kill(home, cgroups):
    """Issue 4: the same seed with StepRetryConfig(max_retries=3) ends completed."""
    run = seed(retry=StepRetryConfig(max_retries=3)).__call__()
    assert run.status is RunStatus.COMPLETED
    killed = oom_attempts(run)
    assert killed
    for s in run.steps.values():
        assert s.status is StepStatus.COMPLETED
        for a in s.attempts[:-1]:
            assert a.failure.kind is FailureKind.OOM_KILLED
            assert a.budget == "infra"  # node pressure is not the step's fault
    assert run.summary().startswith(f"completed: 10 steps, {len(killed)} OOM kills")
    assert_statuses_agree_with_attempts(run)
    assert leftover_cgroups() == []


def test_seed_without_retry_config_ends_on_its_own_within_its_bound(home, cgroups):
    """Default settings: the infrastructure budget (2 per step) retries node-pressure
    kills. Bound: at most 3 attempts per step, each ~2 s here, plus waiting: < 60 s."""
    started = time.monotonic()
    run = outcome(seed())
    assert time.monotonic() - started < 60
    assert run.status in (RunStatus.COMPLETED, RunStatus.FAILED)
    assert all(len(s.attempts) <= 3 for s in run.steps.values())
    assert_statuses_agree_with_attempts(run)


def test_seed_with_memory_declared_packs_waves_without_oom(home, cgroups):
    """450 MB declared: three fit in 1400 MB, so they run three at a time (never more, and
    the node is filled), with zero OOM kills. How close the makespan comes to the
    bin-packing bound is a speed claim: bench/ measures it, on a quiet machine."""
    run = seed(memory="450MB", seconds=2.0)()
    assert run.status is RunStatus.COMPLETED
    assert oom_attempts(run) == []
    attempts = [a for s in run.steps.values() for a in s.attempts]
    assert len(attempts) == 10
    events = sorted(
        [(a.started_at, 1) for a in attempts] + [(a.ended_at, -1) for a in attempts],
        key=lambda e: (e[0], e[1]),  # an end before a start at the same instant
    )
    running, most = 0, 0
    for _, change in events:
        running += change
        most = max(most, running)
    assert most == 3, f"at most {most} attempts ran together; 1400 MB holds three of 450 MB"


def test_own_limit_oom_records_limit_and_peak(home, cgroups):
    @pipeline(enable_cache=False)
    def one():
        workloads.greedy(300)

    run = outcome(one)
    assert run.status is RunStatus.FAILED
    attempt = run.steps["greedy"].attempts[0]
    assert attempt.failure.kind is FailureKind.OOM_KILLED
    assert attempt.failure.oom_scope is OomScope.OWN_LIMIT
    assert attempt.memory_limit == 200 * MB
    assert 190 * MB <= attempt.peak_memory <= 200 * MB
    assert "memory_factor" in attempt.failure.message  # it says how to get more memory
    from dagwell import Client

    assert "allocating" in Client().logs(run.id, "greedy")  # the log survived the kill


def test_own_limit_escalation_doubles_the_limit(home, cgroups):
    @pipeline(enable_cache=False)
    def one():
        workloads.growing(300)

    run = one()
    first, second = run.steps["growing"].attempts
    assert first.failure.kind is FailureKind.OOM_KILLED and first.memory_limit == 200 * MB
    assert second.status is AttemptStatus.COMPLETED and second.memory_limit == 400 * MB
    assert run.steps["growing"].memory_limit == 400 * MB


def test_watchdog_fallback_kills_over_limit_steps(home):
    @pipeline(enable_cache=False)
    def one():
        workloads.greedy_and_slow(300)

    run = outcome(one.with_options(orchestrator=LocalOrchestrator(cgroups="none")))
    attempt = run.steps["greedy_and_slow"].attempts[0]
    assert attempt.failure.kind is FailureKind.OOM_KILLED
    assert "watchdog" in attempt.failure.message
    assert attempt.peak_memory > 200 * MB
