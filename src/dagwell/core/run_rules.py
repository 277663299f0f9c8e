"""A run's status as a pure function of its steps' statuses and its own stop request.

The rules are an ordered list of (name, predicate, status): the first that matches wins.
Anyone can read them here, the CLI shows the matched rule's name, and each rule has its
own unit test. No stored run status is ever written without coming from here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from dagwell.core.statuses import TERMINAL_STEP_STATUSES, RunStatus, StepStatus


@dataclass(frozen=True)
class RunFacts:
    statuses: Collection[StepStatus]
    stop_requested: bool
    orchestrator_lost: bool = False


@dataclass(frozen=True)
class RunRule:
    name: str
    applies: Callable[[RunFacts], bool]
    status: RunStatus


RUN_RULES: tuple[RunRule, ...] = (
    RunRule(
        "some step can still progress",
        lambda f: any(s not in TERMINAL_STEP_STATUSES for s in f.statuses),
        RunStatus.RUNNING,
    ),
    RunRule(
        "orchestrator_lost: the orchestrator died and its restarts ran out",
        lambda f: f.orchestrator_lost,
        RunStatus.FAILED,
    ),
    RunRule(
        "a step failed",
        lambda f: StepStatus.FAILED in f.statuses,
        RunStatus.FAILED,
    ),
    RunRule(
        "the run was stopped",
        lambda f: f.stop_requested or StepStatus.CANCELLED in f.statuses,
        RunStatus.CANCELLED,
    ),
    RunRule(
        "every step completed, was cached or skipped",
        lambda f: True,
        RunStatus.COMPLETED,
    ),
)


def explain_run_status(
    statuses: Iterable[StepStatus], stop_requested: bool, orchestrator_lost: bool = False
) -> RunRule:
    """Return the first rule that applies (the last rule always applies)."""
    facts = RunFacts(tuple(statuses), stop_requested, orchestrator_lost)
    for rule in RUN_RULES:
        if rule.applies(facts):
            return rule
    raise AssertionError("the last run rule always applies")  # pragma: no cover


def run_status(
    statuses: Iterable[StepStatus], stop_requested: bool = False, orchestrator_lost: bool = False
) -> RunStatus:
    return explain_run_status(statuses, stop_requested, orchestrator_lost).status
