"""Runs of many real steps end with the right records (correctness only: the speed of
such runs is bench/'s business, see bench/scale.py and bench/README.md).

A fan-out and a chain through the local runtime, warm children and all: every step
completed by exactly one attempt that has its process id, its start and end, and its
memory request; the run's totals count them all; no cgroup (spare or attempt) is left behind.
"""

import pytest

from conftest import leftover_cgroups
from dagwell import LocalOrchestrator, pipeline, step
from dagwell.api.client import Client
from dagwell.core.statuses import AttemptStatus, RunStatus, StepStatus

pytestmark = pytest.mark.cgroups


@step(enable_cache=False)
def nothing() -> None:
    return None


@step(enable_cache=False)
def add_one(x: int) -> int:
    return x + 1


@pipeline(enable_cache=False)
def wide(n: int = 300) -> None:
    for _ in range(n):
        nothing()


@pipeline(enable_cache=False)
def long(n: int = 60) -> None:
    x = add_one(0)
    for _ in range(n - 1):
        x = add_one(x)


def _assert_one_clean_attempt_each(run, n):
    assert run.status is RunStatus.COMPLETED and len(run.steps) == n
    for s in run.steps.values():
        assert s.status is StepStatus.COMPLETED
        (attempt,) = s.attempts
        assert attempt.status is AttemptStatus.COMPLETED and attempt.failure is None
        assert attempt.external_id and attempt.external_id.isdigit()
        assert attempt.started_at <= attempt.ended_at
        assert attempt.memory_request  # (no limit declared: the default request)


def test_a_fan_out_of_300_steps_records_each_step_once(home, cgroups):
    run = wide.with_options(orchestrator=LocalOrchestrator(max_parallelism=8))()
    _assert_one_clean_attempt_each(run, 300)
    totals = Client().store().run_totals(run.id)
    assert totals["steps"] == 300 and totals["step_counts"] == {"completed": 300}
    assert totals["retries"] == 0
    assert leftover_cgroups() == []


def test_a_chain_of_60_steps_passes_its_value_through_every_attempt(home, cgroups):
    run = long()
    _assert_one_clean_attempt_each(run, 60)
    assert run.steps["add_one_60"].output.load() == 60
    assert leftover_cgroups() == []
