"""Each run-status rule, one test each, plus the precedence between them."""

import pytest

from dagwell.core.run_rules import RUN_RULES, explain_run_status, run_status
from dagwell.core.statuses import TERMINAL_STEP_STATUSES, RunStatus, StepStatus

S = StepStatus


def test_rules_are_ordered_as_documented():
    assert [r.status for r in RUN_RULES] == [
        RunStatus.RUNNING,
        RunStatus.FAILED,  # the orchestrator was lost
        RunStatus.FAILED,
        RunStatus.CANCELLED,
        RunStatus.COMPLETED,
    ]


@pytest.mark.parametrize("live", [S.PENDING, S.QUEUED, S.RUNNING, S.RETRYING])
def test_running_while_any_step_can_progress(live):
    # even next to a failure or a stop request, a live step keeps the run running
    assert run_status([S.COMPLETED, S.FAILED, live], stop_requested=True) is RunStatus.RUNNING


def test_failed_if_any_step_failed():
    assert run_status([S.COMPLETED, S.FAILED, S.SKIPPED]) is RunStatus.FAILED
    # failure wins over a stop request and over cancelled steps
    assert run_status([S.FAILED, S.CANCELLED], stop_requested=True) is RunStatus.FAILED


def test_failed_when_the_orchestrator_was_lost():
    # a lost orchestrator fails the run even when no step failed (nothing ran at the time)
    rule = explain_run_status([S.COMPLETED, S.SKIPPED], True, orchestrator_lost=True)
    assert rule.status is RunStatus.FAILED and rule.name.startswith("orchestrator_lost")
    assert run_status([S.RUNNING], True, orchestrator_lost=True) is RunStatus.RUNNING


def test_cancelled_if_stopped():
    assert run_status([S.COMPLETED, S.SKIPPED], stop_requested=True) is RunStatus.CANCELLED
    assert run_status([S.COMPLETED, S.CANCELLED]) is RunStatus.CANCELLED


def test_completed_when_every_step_completed_cached_or_skipped():
    assert run_status([S.COMPLETED, S.CACHED, S.SKIPPED]) is RunStatus.COMPLETED
    assert run_status([]) is RunStatus.COMPLETED


def test_explain_names_the_rule():
    assert explain_run_status([S.FAILED], False).name == "a step failed"


@pytest.mark.parametrize("status", sorted(TERMINAL_STEP_STATUSES))
def test_single_terminal_step(status):
    expected = {S.FAILED: RunStatus.FAILED, S.CANCELLED: RunStatus.CANCELLED}.get(
        status, RunStatus.COMPLETED
    )
    assert run_status([status]) is expected
