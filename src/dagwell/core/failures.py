"""One failure taxonomy for every runtime.

A local process killed by the kernel and a pod reported ``OOMKilled`` are the same fact to
the engine: ``oom_killed``. Runtimes translate their evidence into a :class:`Failure`; the
retry rules in :mod:`dagwell.core.retry` only ever look at these kinds. The sets below are data
the rules read, so "which kinds are infrastructure" is answered in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class FailureKind(StrEnum):
    OOM_KILLED = "oom_killed"
    EVICTED = "evicted"
    PREEMPTED = "preempted"
    NODE_LOST = "node_lost"
    LOST = "lost"
    UNSCHEDULABLE = "unschedulable"
    IMAGE_PULL = "image_pull"
    CONFIG_ERROR = "config_error"
    DEADLINE_EXCEEDED = "deadline_exceeded"
    TIMEOUT = "timeout"
    USER_ERROR = "user_error"
    CANCELLED = "cancelled"
    ORCHESTRATOR_LOST = "orchestrator_lost"  # a detached run's orchestrator pod ran out of restarts


class OomScope(StrEnum):
    """Whose limit an OOM kill enforced: the step's own, or the node's (pressure)."""

    OWN_LIMIT = "own_limit"
    NODE_PRESSURE = "node_pressure"
    #: the node's limit, but the step alone filled the node: it needs more than the node
    STEP_EXCEEDS_NODE = "step_exceeds_node"


#: Failures that are not the step's fault; they draw on the pipeline's infrastructure
#: budget, never on the step's ``max_retries``. (A node-pressure OOM joins them.)
INFRA_KINDS: frozenset[FailureKind] = frozenset(
    {FailureKind.EVICTED, FailureKind.PREEMPTED, FailureKind.NODE_LOST, FailureKind.LOST}
)

#: Failures no retry can cure: they fail the step at once, with a message naming the fix.
NEVER_RETRIED: frozenset[FailureKind] = frozenset(
    {
        FailureKind.IMAGE_PULL,
        FailureKind.CONFIG_ERROR,
        FailureKind.CANCELLED,
        FailureKind.ORCHESTRATOR_LOST,
    }
)

#: What ``StepRetryConfig(retry_on=None)`` means: every kind that a retry can cure.
RETRYABLE_KINDS: frozenset[FailureKind] = frozenset(FailureKind) - NEVER_RETRIED


@dataclass(frozen=True)
class Failure:
    """Why an attempt failed, with the evidence that shows it."""

    kind: FailureKind
    message: str
    exit_code: int | None = None
    signal: int | None = None
    reason: str | None = None  # the runtime's own word for it ("OOMKilled", "Evicted", ...)
    oom_scope: OomScope | None = None
    retryable: bool = True  # False for e.g. a request larger than any node
    node: str | None = None
    traceback: str | None = None

    @property
    def is_infra(self) -> bool:
        """True when the failure is not the step's fault (infrastructure budget)."""
        if self.kind is FailureKind.OOM_KILLED:
            return self.oom_scope is OomScope.NODE_PRESSURE
        return self.kind in INFRA_KINDS

    def with_message(self, message: str) -> Failure:
        return replace(self, message=message)
