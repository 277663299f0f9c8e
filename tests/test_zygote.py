"""The zygote (the lean warm parent that forks attempts) and what happens if it dies."""

import os

import workloads
from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus


def test_attempts_fork_from_the_zygote(home):
    run = workloads.ml(n=2)
    assert run.orchestrator["runtime"]["start_method"] == "zygote"
    assert all(a.external_id for s in run.steps.values() for a in s.attempts)


def test_a_dead_zygote_costs_one_infra_retry_not_the_run(home, tmp_path):
    run = workloads.zygote_killer(str(tmp_path / "flag"))
    assert run.status is RunStatus.COMPLETED
    first, second = run.steps["kill_parent_once"].attempts
    assert first.failure.kind is FailureKind.LOST and first.budget == "infra"
    assert "launcher process died" in first.failure.message
    assert run.steps["kill_parent_once"].output.load() == os.getpid()  # forked directly now
