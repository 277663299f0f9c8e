"""ZenML's ``ExecutionStatus``, with ZenML's values, for code that compares against it.

A StrEnum like dagwell's own statuses, so ``run.status == ExecutionStatus.COMPLETED``
holds for a completed run and ``step.status == ExecutionStatus.CACHED`` for a cache hit.
"""

from __future__ import annotations

from enum import StrEnum


class ExecutionStatus(StrEnum):
    INITIALIZING = "initializing"
    PROVISIONING = "provisioning"
    QUEUED = "queued"
    RUNNING = "running"
    FAILED = "failed"
    COMPLETED = "completed"
    CACHED = "cached"
    SKIPPED = "skipped"
    RETRYING = "retrying"
    RETRIED = "retried"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    STOPPED = "stopped"
    STOPPING = "stopping"

    @property
    def is_finished(self) -> bool:
        return self in _FINISHED


_FINISHED = frozenset(
    {
        ExecutionStatus.FAILED,
        ExecutionStatus.COMPLETED,
        ExecutionStatus.CACHED,
        ExecutionStatus.SKIPPED,
        ExecutionStatus.CANCELLED,
        ExecutionStatus.STOPPED,
    }
)
