"""Retry decisions: given a failure and what was used so far, retry or not, when, how big.

Pure functions of data. A policy is a :class:`RetryPolicy`: the user's ``StepRetryConfig``
(a pydantic model, validated where it is made) or :class:`PlainRetryPolicy`, the same fields
as plain data: the default (:data:`NO_RETRY`) and a stored plan's, so a run whose steps
declare no retry never loads pydantic, and neither does the zygote its attempts fork from.
Two budgets: the step's own ``max_retries``, and a per-step
infrastructure budget for failures that are not the step's fault (eviction, node loss, a
vanished attempt, an OOM kill caused by node pressure). An OOM kill at the step's own limit
may raise the next attempt's limit (``memory_factor``). Every "no" says why and how to
change the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from dagwell.core.failures import NEVER_RETRIED, RETRYABLE_KINDS, Failure, FailureKind, OomScope
from dagwell.core.units import format_bytes, parse_memory

Budget = Literal["step", "infra"]


class RetryPolicy(Protocol):
    """What a retry decision reads of a step's policy (see ``StepRetryConfig`` for what
    each field means)."""

    @property
    def max_retries(self) -> int: ...
    @property
    def delay(self) -> float: ...
    @property
    def backoff(self) -> float: ...
    @property
    def max_delay(self) -> float: ...
    @property
    def jitter(self) -> float: ...
    @property
    def retry_on(self) -> tuple[FailureKind, ...] | None: ...
    @property
    def memory_factor(self) -> float | None: ...
    @property
    def max_memory(self) -> str | None: ...
    @property
    def max_memory_bytes(self) -> int | None: ...
    def retries_on(self, kind: FailureKind) -> bool: ...


def retried_kind(retry_on: tuple[FailureKind, ...] | None, kind: FailureKind) -> bool:
    """Whether a policy whose ``retry_on`` is this retries a failure of ``kind`` (None: every
    retryable kind); one rule for plain policies and ``StepRetryConfig``."""
    return kind in (RETRYABLE_KINDS if retry_on is None else frozenset(retry_on))


@dataclass(frozen=True)
class PlainRetryPolicy:
    """A retry policy as plain data, already valid (it comes from a validated
    ``StepRetryConfig``, or is the default)."""

    max_retries: int = 1
    delay: float = 0.0
    backoff: float = 1.0
    max_delay: float = 300.0
    jitter: float = 0.0
    retry_on: tuple[FailureKind, ...] | None = None
    memory_factor: float | None = None
    max_memory: str | None = None

    @property
    def max_memory_bytes(self) -> int | None:
        return None if self.max_memory is None else parse_memory(self.max_memory)

    def retries_on(self, kind: FailureKind) -> bool:
        return retried_kind(self.retry_on, kind)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlainRetryPolicy:
        kinds = data.get("retry_on")
        return cls(
            max_retries=int(data.get("max_retries", 1)),
            delay=float(data.get("delay", 0.0)),
            backoff=float(data.get("backoff", 1.0)),
            max_delay=float(data.get("max_delay", 300.0)),
            jitter=float(data.get("jitter", 0.0)),
            retry_on=None if kinds is None else tuple(FailureKind(k) for k in kinds),
            memory_factor=data.get("memory_factor"),
            max_memory=data.get("max_memory"),
        )


#: A step's policy when neither it nor its pipeline declares one.
NO_RETRY = PlainRetryPolicy(max_retries=0)


def retry_json(policy: RetryPolicy) -> dict[str, Any]:
    """``policy`` as JSON, for the stored plan (what ``StepRetryConfig.model_dump`` gives)."""
    return {
        "max_retries": policy.max_retries,
        "delay": policy.delay,
        "backoff": policy.backoff,
        "max_delay": policy.max_delay,
        "jitter": policy.jitter,
        "retry_on": None if policy.retry_on is None else [k.value for k in policy.retry_on],
        "memory_factor": policy.memory_factor,
        "max_memory": policy.max_memory,
    }


@dataclass(frozen=True)
class RetryDecision:
    retry: bool
    budget: Budget | None = None
    delay: float = 0.0
    memory_limit: int | None = None  # the next attempt's own limit
    note: str = ""  # why, in words, for the failure message and the event log


def backoff_delay(policy: RetryPolicy, retry_number: int, jitter_sample: float) -> float:
    """Delay before retry number ``retry_number`` (1-based); ``jitter_sample`` in [0, 1)."""
    base = policy.delay * (policy.backoff ** (retry_number - 1)) if policy.delay else 0.0
    return min(base, policy.max_delay) + policy.jitter * jitter_sample


def next_memory_limit(
    policy: RetryPolicy, limit: int, node_memory: int | None
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
    policy: RetryPolicy,
    step_retries_used: int,
    infra_retries_used: int,
    infra_budget: int,
    memory_limit: int | None,
    node_memory: int | None,
    jitter_sample: float = 0.0,
) -> RetryDecision:
    if failure.kind in NEVER_RETRIED or not failure.retryable:
        why = (
            "a retry cannot cure it"
            if failure.retryable
            else "no retry could run while its cause lasts"
            if failure.is_infra
            else "it cannot succeed as declared"
        )
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
