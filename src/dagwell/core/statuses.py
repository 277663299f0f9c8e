"""Step, attempt and run statuses, and the only table of allowed transitions.

Prefect's lesson: write the allowed moves down as data (from-status -> to-statuses) and
enforce them in one function. Nothing in dagwell assigns a status without passing through
:func:`step_transition`, :func:`attempt_transition` or :func:`run_transition`, so an
impossible story ("completed, then running again") raises instead of being recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from dagwell.core.errors import IllegalTransition


class StepStatus(StrEnum):
    PENDING = "pending"  # waiting for upstream steps
    QUEUED = "queued"  # ready; waiting for memory or a slot (admission)
    RUNNING = "running"  # an attempt is executing
    RETRYING = "retrying"  # an attempt failed; the next waits out its backoff
    COMPLETED = "completed"
    CACHED = "cached"
    FAILED = "failed"  # no retry left, or a failure no retry can cure
    SKIPPED = "skipped"  # upstream failed, or the run stopped before it started
    CANCELLED = "cancelled"  # stopped while in progress (running, or between attempts)

    # ZenML's ExecutionStatus helpers, for code that polls or branches on a status
    @property
    def is_finished(self) -> bool:
        return self in TERMINAL_STEP_STATUSES

    @property
    def is_successful(self) -> bool:
        """Completed, cached or skipped, as ZenML counts them."""
        return self in (StepStatus.COMPLETED, StepStatus.CACHED, StepStatus.SKIPPED)

    @property
    def is_failed(self) -> bool:
        return self in (StepStatus.FAILED, StepStatus.CANCELLED)


class AttemptStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_finished(self) -> bool:
        return self in TERMINAL_RUN_STATUSES

    @property
    def is_successful(self) -> bool:
        return self is RunStatus.COMPLETED

    @property
    def is_failed(self) -> bool:
        return self in (RunStatus.FAILED, RunStatus.CANCELLED)


S = StepStatus
STEP_TRANSITIONS: Mapping[StepStatus, frozenset[StepStatus]] = {
    S.PENDING: frozenset({S.QUEUED, S.CACHED, S.SKIPPED}),
    S.QUEUED: frozenset({S.RUNNING, S.FAILED, S.SKIPPED, S.CANCELLED}),
    S.RUNNING: frozenset({S.COMPLETED, S.RETRYING, S.FAILED, S.CANCELLED}),
    S.RETRYING: frozenset({S.QUEUED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CACHED: frozenset(),
    S.FAILED: frozenset(),
    S.SKIPPED: frozenset(),
    S.CANCELLED: frozenset(),
}
TERMINAL_STEP_STATUSES: frozenset[StepStatus] = frozenset(
    s for s, targets in STEP_TRANSITIONS.items() if not targets
)
#: Terminal statuses whose outputs exist.
DONE_STEP_STATUSES: frozenset[StepStatus] = frozenset({S.COMPLETED, S.CACHED})

A = AttemptStatus
ATTEMPT_TRANSITIONS: Mapping[AttemptStatus, frozenset[AttemptStatus]] = {
    A.RUNNING: frozenset({A.COMPLETED, A.FAILED, A.CANCELLED}),
    A.COMPLETED: frozenset(),
    A.FAILED: frozenset(),
    A.CANCELLED: frozenset(),
}

R = RunStatus
RUN_TRANSITIONS: Mapping[RunStatus, frozenset[RunStatus]] = {
    R.RUNNING: frozenset({R.COMPLETED, R.FAILED, R.CANCELLED}),
    R.COMPLETED: frozenset(),
    R.FAILED: frozenset(),
    R.CANCELLED: frozenset(),
}
TERMINAL_RUN_STATUSES: frozenset[RunStatus] = frozenset(
    s for s, targets in RUN_TRANSITIONS.items() if not targets
)


def step_transition(current: StepStatus, new: StepStatus) -> StepStatus:
    """Return ``new`` if the table allows ``current -> new``; raise otherwise."""
    allowed = STEP_TRANSITIONS[current]
    if new not in allowed:
        raise IllegalTransition("step", current, new, allowed)
    return new


def attempt_transition(current: AttemptStatus, new: AttemptStatus) -> AttemptStatus:
    allowed = ATTEMPT_TRANSITIONS[current]
    if new not in allowed:
        raise IllegalTransition("attempt", current, new, allowed)
    return new


def run_transition(current: RunStatus, new: RunStatus) -> RunStatus:
    """Return ``new``; staying in the same status is always allowed for runs."""
    if new is current:
        return new
    allowed = RUN_TRANSITIONS[current]
    if new not in allowed:
        raise IllegalTransition("run", current, new, allowed)
    return new
