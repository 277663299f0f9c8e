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
    PAUSED = "paused"  # (ZenML's, for runs waiting on a person; dagwell runs never pause)
    RESUMING = "resuming"
    STOPPED = "stopped"
    STOPPING = "stopping"

    @property
    def is_finished(self) -> bool:
        return self in _FINISHED

    @property
    def is_successful(self) -> bool:
        """COMPLETED, CACHED or SKIPPED, as ZenML counts them."""
        return self in _SUCCESSFUL

    @property
    def is_failed(self) -> bool:
        return self in (ExecutionStatus.FAILED, ExecutionStatus.CANCELLED)


_FINISHED = frozenset(
    {
        ExecutionStatus.FAILED,
        ExecutionStatus.COMPLETED,
        ExecutionStatus.CACHED,
        ExecutionStatus.SKIPPED,
        ExecutionStatus.CANCELLED,
        ExecutionStatus.STOPPED,
        ExecutionStatus.RETRIED,
    }
)
_SUCCESSFUL = frozenset(
    {ExecutionStatus.COMPLETED, ExecutionStatus.CACHED, ExecutionStatus.SKIPPED}
)


class ExecutionMode(StrEnum):
    """ZenML's execution modes, for ``@pipeline(execution_mode=...)``: after a failure,
    CONTINUE_ON_FAILURE (the default, as in ZenML 0.98) runs every step not downstream of
    it, STOP_ON_FAILURE (also ``on_failure='stop'``) starts nothing new (steps already running
    finish), and FAIL_FAST also stops the steps still running (they end cancelled)."""

    FAIL_FAST = "fail_fast"
    STOP_ON_FAILURE = "stop_on_failure"
    CONTINUE_ON_FAILURE = "continue_on_failure"
