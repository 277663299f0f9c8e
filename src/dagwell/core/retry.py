"""Retry decisions: given a failure and what was used so far, retry or not, when, how big.

Pure functions of data. Two budgets: the step's own ``max_retries``, and a per-step
infrastructure budget for failures that are not the step's fault (eviction, node loss, a
vanished attempt, an OOM kill caused by node pressure). An OOM kill at the step's own limit
may raise the next attempt's limit (``memory_factor``). Every "no" says why and how to
change the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dagwell.core.failures import NEVER_RETRIED, Failure, FailureKind, OomScope
from dagwell.core.settings import StepRetryConfig
from dagwell.core.units import format_bytes

Budget = Literal["step", "infra"]


@dataclass(frozen=True)
class RetryDecision:
    retry: bool
    budget: Budget | None = None
    delay: float = 0.0
    memory_limit: int | None = None  # the next attempt's own limit
    note: str = ""  # why, in words, for the failure message and the event log


def backoff_delay(policy: StepRetryConfig, retry_number: int, jitter_sample: float) -> float:
    """Delay before retry number ``retry_number`` (1-based); ``jitter_sample`` in [0, 1)."""
    base = policy.delay * (policy.backoff ** (retry_number - 1)) if policy.delay else 0.0
    return min(base, policy.max_delay) + policy.jitter * jitter_sample


def next_memory_limit(
    policy: StepRetryConfig, limit: int, node_memory: int | None
) -> tuple[int, str, bool]:
    """The escalated limit after an own-limit OOM kill, a note saying what happened, and
    whether escalation is at its cap (max_memory or the node) and cannot go higher."""
    if policy.memory_factor is None:
        return (
            limit,
            f"It used its whole {format_bytes(limit)} limit. To retry with more memory set "
            "StepRetryConfig(memory_factor=2, max_memory=...), or raise "
            "ResourceSettings(memory=...).",
            False,
        )
    ceilings = [(int(limit * policy.memory_factor), "")]
    if policy.max_memory_bytes is not None:
        ceilings.append((policy.max_memory_bytes, f"max_memory={policy.max_memory}"))
    if node_memory is not None:
        ceilings.append((node_memory, f"the node's {format_bytes(node_memory)}"))
    ceiling, cap = min(ceilings)
    new = max(limit, ceiling)
    if new == limit:
        return (
            limit,
            f"Memory escalation reached its cap: the limit is already {format_bytes(limit)} "
            f"and {cap or 'the cap'} allows no more.",
            True,
        )
    return (
        new,
        f"Next attempt's limit: {format_bytes(new)} (memory_factor={policy.memory_factor:g}).",
        False,
    )


def decide_retry(
    *,
    failure: Failure,
    policy: StepRetryConfig,
    step_retries_used: int,
    infra_retries_used: int,
    infra_budget: int,
    memory_limit: int | None,
    node_memory: int | None,
    jitter_sample: float = 0.0,
) -> RetryDecision:
    if failure.kind in NEVER_RETRIED or not failure.retryable:
        why = "a retry cannot cure it" if failure.retryable else "it cannot succeed as declared"
        return RetryDecision(False, note=f"Not retried: {why}.")
    if failure.is_infra and infra_retries_used < infra_budget:
        delay = backoff_delay(policy, infra_retries_used + 1, jitter_sample)
        return RetryDecision(
            True,
            "infra",
            delay,
            memory_limit,
            note=f"Not the step's fault: infrastructure retry {infra_retries_used + 1} of "
            f"{infra_budget} (does not use max_retries).",
        )
    note = ""
    limit = memory_limit
    if (
        failure.kind is FailureKind.OOM_KILLED
        and failure.oom_scope is OomScope.OWN_LIMIT
        and memory_limit is not None
    ):
        limit, note, capped = next_memory_limit(policy, memory_limit, node_memory)
        if capped and policy.retry_on is None:  # the same limit would only OOM again
            return RetryDecision(
                False,
                memory_limit=limit,
                note=f"{note} Not retried at the same limit; raise max_memory or the node's "
                "memory, or set retry_on=['oom_killed'] to retry at this limit anyway.",
            )
    if not policy.retries_on(failure.kind):
        return RetryDecision(
            False,
            memory_limit=limit,
            note=f"{note} Not retried: retry_on does not include {failure.kind.value}.".strip(),
        )
    if step_retries_used >= policy.max_retries:
        spent = "" if not failure.is_infra else (f"the infrastructure budget ({infra_budget}) and ")
        return RetryDecision(
            False,
            memory_limit=limit,
            note=f"{note} No retry left: {spent}max_retries={policy.max_retries} used up; "
            "raise StepRetryConfig(max_retries=...) to retry more.".strip(),
        )
    delay = backoff_delay(policy, step_retries_used + 1, jitter_sample)
    return RetryDecision(
        True,
        "step",
        delay,
        limit,
        note=f"{note} Retry {step_retries_used + 1} of {policy.max_retries}.".strip(),
    )
