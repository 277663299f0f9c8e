"""A schedule's run name is checked when the schedule is made, as a pipeline call's is:
one longer than the run store keeps is refused then, not in each scheduled pod, where
every firing failed with a DefinitionError and no run was recorded for anyone to see."""

from __future__ import annotations

import pytest

import workloads
from dagwell import Schedule
from dagwell.core.errors import DefinitionError
from test_kubernetes_detached import cluster, detached  # noqa: F401 (the fixture)

pytestmark = pytest.mark.kube


def test_a_schedule_whose_run_name_is_too_long_is_refused_when_made(cluster, tmp_path):  # noqa: F811
    """Before: the CronJob was created, and each of its runs would have failed in its pod."""
    scheduled = workloads.detachable.with_options(
        orchestrator=detached(cluster, tmp_path),
        schedule=Schedule(cron_expression="0 3 * * *"),
        run_name="nightly-{date}-" + "x" * 200,
    )
    with pytest.raises(DefinitionError, match="Run name"):
        scheduled(str(tmp_path / "ledger"), 0.1)
    cronjobs = f"/apis/batch/v1beta1/namespaces/{cluster.namespace}/cronjobs"
    assert not cluster.rest.get(cronjobs).get("items")
