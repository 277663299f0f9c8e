"""Retry decisions: budgets, delays, memory escalation, and the words that explain them."""

import pytest

from dagwell.core.failures import Failure, FailureKind, OomScope
from dagwell.core.retry import PlainRetryPolicy, backoff_delay, decide_retry, retry_json
from dagwell.core.settings import StepRetryConfig

MB = 10**6


def decide(
    kind, policy=None, scope=None, step_used=0, infra_used=0, limit=None, node=None, retryable=True
):
    return decide_retry(
        failure=Failure(FailureKind(kind), "boom", oom_scope=scope, retryable=retryable),
        policy=policy or StepRetryConfig(max_retries=0),
        step_retries_used=step_used,
        infra_retries_used=infra_used,
        infra_budget=2,
        memory_limit=limit,
        node_memory=node,
    )


@pytest.mark.parametrize("kind", ["image_pull", "config_error", "cancelled"])
def test_never_retried_kinds(kind):
    d = decide(kind, StepRetryConfig(max_retries=5))
    assert not d.retry and "cannot cure" in d.note


def test_request_larger_than_node_is_not_retried():
    d = decide("unschedulable", StepRetryConfig(max_retries=5), retryable=False)
    assert not d.retry


@pytest.mark.parametrize("kind", ["evicted", "preempted", "node_lost", "lost"])
def test_infra_failures_use_the_infra_budget_not_max_retries(kind):
    d = decide(kind)  # max_retries=0: still retried
    assert d.retry and d.budget == "infra"
    exhausted = decide(kind, infra_used=2)
    assert not exhausted.retry and "infrastructure budget" in exhausted.note


def test_node_pressure_oom_is_infra_own_limit_oom_is_the_steps():
    assert decide("oom_killed", scope=OomScope.NODE_PRESSURE).budget == "infra"
    own = decide("oom_killed", scope=OomScope.OWN_LIMIT, limit=200 * MB)
    assert not own.retry
    assert "memory_factor" in own.note  # says how to get more memory next time


def test_infra_budget_spent_falls_back_to_step_retries():
    d = decide("evicted", StepRetryConfig(max_retries=1), infra_used=2)
    assert d.retry and d.budget == "step"


def test_step_budget_counts_and_retry_on():
    policy = StepRetryConfig(max_retries=2)
    assert decide("user_error", policy, step_used=1).retry
    last = decide("user_error", policy, step_used=2)
    assert not last.retry and "max_retries=2 used up" in last.note
    only_oom = StepRetryConfig(max_retries=3, retry_on=["oom_killed"])
    assert not decide("user_error", only_oom).retry
    assert "retry_on does not include user_error" in decide("user_error", only_oom).note


def test_memory_escalation():
    policy = StepRetryConfig(max_retries=2, memory_factor=2)
    d = decide("oom_killed", policy, scope=OomScope.OWN_LIMIT, limit=200 * MB)
    assert d.retry and d.memory_limit == 400 * MB
    capped = StepRetryConfig(max_retries=2, memory_factor=4, max_memory="500MB")
    assert (
        decide("oom_killed", capped, scope=OomScope.OWN_LIMIT, limit=200 * MB).memory_limit
        == 500 * MB
    )
    by_node = decide("oom_killed", policy, scope=OomScope.OWN_LIMIT, limit=800 * MB, node=1000 * MB)
    assert by_node.memory_limit == 1000 * MB
    stuck = decide("oom_killed", policy, scope=OomScope.OWN_LIMIT, limit=1000 * MB, node=1000 * MB)
    assert stuck.memory_limit == 1000 * MB and "reached its cap" in stuck.note


def test_memory_escalation_stops_at_its_cap_unless_retry_on_asks():
    """Before: at the cap, the next attempts retried at the same limit until max_retries
    ran out, each OOM-killed again."""
    policy = StepRetryConfig(max_retries=5, memory_factor=2, max_memory="500MB")
    at_cap = decide("oom_killed", policy, scope=OomScope.OWN_LIMIT, limit=500 * MB)
    assert not at_cap.retry
    assert "max_memory=500MB" in at_cap.note and "retry_on=['oom_killed']" in at_cap.note
    node = decide(
        "oom_killed",
        StepRetryConfig(max_retries=5, memory_factor=2),
        scope=OomScope.OWN_LIMIT,
        limit=1000 * MB,
        node=1000 * MB,
    )
    assert not node.retry and "the node's 1.0 GB" in node.note
    asked = StepRetryConfig(
        max_retries=5, memory_factor=2, max_memory="500MB", retry_on="oom_killed"
    )
    again = decide("oom_killed", asked, scope=OomScope.OWN_LIMIT, limit=500 * MB)
    assert again.retry and again.memory_limit == 500 * MB


def test_backoff_delay():
    p = StepRetryConfig(delay=0.5, backoff=2.0, max_delay=3, jitter=1.0)
    assert [backoff_delay(p, n, 0.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3, 3]
    assert backoff_delay(p, 1, 0.5) == 1.0
    assert backoff_delay(StepRetryConfig(), 3, 0.0) == 0.0


@pytest.mark.parametrize(
    "config",
    [
        StepRetryConfig(max_retries=0),
        StepRetryConfig(max_retries=3, delay=1, backoff=2, max_delay=10, jitter=0.5),
        StepRetryConfig(retry_on=["oom_killed", "timeout"], memory_factor=2, max_memory="2GB"),
    ],
)
def test_a_plain_policy_is_stored_as_the_config_and_decides_as_it_does(config):
    """A stored plan's policy is plain data (no pydantic where attempts are forked): its JSON
    is the config's own dump, and read back it decides every case as the config does."""
    stored = retry_json(config)
    assert stored == config.model_dump(mode="json")
    plain = PlainRetryPolicy.from_json(stored)
    assert retry_json(plain) == stored
    assert plain.max_memory_bytes == config.max_memory_bytes
    for kind in FailureKind:
        assert plain.retries_on(kind) == config.retries_on(kind)
        for used in range(3):
            for limit in (None, 400 * MB):
                args = {"kind": kind.value, "step_used": used, "limit": limit, "node": 10**9}
                for scope in (None, OomScope.OWN_LIMIT):
                    assert decide(policy=plain, scope=scope, **args) == decide(
                        policy=config, scope=scope, **args
                    )
