"""One test per row of the transition tables: every allowed move works, every other raises."""

import itertools

import pytest

from dagwell.core.errors import IllegalTransition
from dagwell.core.statuses import (
    ATTEMPT_TRANSITIONS,
    RUN_TRANSITIONS,
    STEP_TRANSITIONS,
    TERMINAL_RUN_STATUSES,
    TERMINAL_STEP_STATUSES,
    AttemptStatus,
    RunStatus,
    StepStatus,
    attempt_transition,
    run_transition,
    step_transition,
)

STEP_PAIRS = list(itertools.product(StepStatus, StepStatus))


@pytest.mark.parametrize(("current", "new"), STEP_PAIRS, ids=[f"{a}->{b}" for a, b in STEP_PAIRS])
def test_step_transition_table(current, new):
    if new in STEP_TRANSITIONS[current]:
        assert step_transition(current, new) is new
    else:
        with pytest.raises(IllegalTransition) as info:
            step_transition(current, new)
        assert f"{current} -> {new}" in str(info.value)


def test_step_table_is_the_documented_one():
    s = StepStatus
    assert {
        s.PENDING: {s.QUEUED, s.CACHED, s.SKIPPED},
        s.QUEUED: {s.RUNNING, s.FAILED, s.SKIPPED, s.CANCELLED},
        s.RUNNING: {s.COMPLETED, s.RETRYING, s.FAILED, s.CANCELLED},
        s.RETRYING: {s.QUEUED, s.CANCELLED},
        s.COMPLETED: set(),
        s.CACHED: set(),
        s.FAILED: set(),
        s.SKIPPED: set(),
        s.CANCELLED: set(),
    } == STEP_TRANSITIONS
    assert {s.COMPLETED, s.CACHED, s.FAILED, s.SKIPPED, s.CANCELLED} == TERMINAL_STEP_STATUSES


@pytest.mark.parametrize(("current", "new"), list(itertools.product(AttemptStatus, AttemptStatus)))
def test_attempt_transition_table(current, new):
    if new in ATTEMPT_TRANSITIONS[current]:
        assert attempt_transition(current, new) is new
    else:
        with pytest.raises(IllegalTransition):
            attempt_transition(current, new)


@pytest.mark.parametrize(("current", "new"), list(itertools.product(RunStatus, RunStatus)))
def test_run_transition_table(current, new):
    if new is current or new in RUN_TRANSITIONS[current]:
        assert run_transition(current, new) is new
    else:
        with pytest.raises(IllegalTransition):
            run_transition(current, new)
    assert RunStatus.RUNNING not in TERMINAL_RUN_STATUSES
