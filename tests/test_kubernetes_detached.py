"""Detached runs (``KubernetesOrchestrator(synchronous=False)``): the engine runs in an
orchestrator pod owned by a Job, on the harness (pods are local processes, run by the fake
kubelet; the Job controller restarts the orchestrator pod), with a real PostgreSQL store.

Each failure of the orchestrator pod is produced for real: SIGKILL of its process, deletion
of its pod through the API; the run must end completed after the restart, with no completed
step run twice and no step pod left. When the restarts run out, the next reader records
the run failed (``orchestrator_lost``).
"""

from __future__ import annotations

import base64
import os
import signal
import time

import pytest

import workloads
from dagwell import Client, KubernetesOrchestrator
from dagwell.core.errors import ConfigError
from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus, StepStatus
from dagwell.kubernetes.detached import LABEL_ROLE, job_name
from dagwell.kubernetes.settings import PodSettings
from dagwell.testing.kube import KubeHarness
from helpers import wait_for

pytestmark = pytest.mark.kube


@pytest.fixture
def cluster(home, tmp_path, postgres_url, monkeypatch):
    monkeypatch.setenv("DAGWELL_STORE_URL", postgres_url)
    harness = KubeHarness(nodes={"node-a": "2GB"}, workdir=tmp_path / "cluster")
    harness.start()
    harness.server.store.create(
        "secrets",
        "default",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "dagwell-store"},
            "data": {"url": base64.b64encode(postgres_url.encode()).decode()},
        },
    )
    yield harness
    for log in sorted((harness.workdir / "logs").glob("*orchestrator*")):
        print(f"==> {log.name}\n{log.read_text(errors='replace')[-3000:]}")  # shown on failure
    harness.stop()


def detached(cluster, tmp_path, **options):
    shared = str(tmp_path)
    options.setdefault("orchestrator_restarts", 3)
    return KubernetesOrchestrator(
        kubeconfig=cluster.kubeconfig,
        image="local",
        synchronous=False,
        resync_interval=2,
        artifact_store=str(tmp_path / "artifacts"),
        pod_settings=PodSettings(
            volumes=[{"name": "shared", "hostPath": {"path": shared}}],
            volume_mounts=[{"name": "shared", "mountPath": shared}],
        ),
        orchestrator_pod_settings=PodSettings(env={"KUBECONFIG": cluster.kubeconfig}),
        **options,
    )


def step_pods(cluster):
    return [
        p for p in cluster.pods() if (p["metadata"].get("labels") or {}).get(LABEL_ROLE) is None
    ]


def orchestrator_pods(cluster, run_id):
    return [
        p
        for p in cluster.pods()
        if (p["metadata"].get("labels") or {}).get("job-name") == job_name(run_id)
    ]


def live_orchestrator(cluster, run_id):
    """The running orchestrator pod's process, once it has claimed the run."""
    for pod in orchestrator_pods(cluster, run_id):
        with cluster.kubelet.lock:
            for container in cluster.kubelet.containers.values():
                if container.name == pod["metadata"]["name"]:
                    return pod, container
    return None


def finished(run_id, timeout=60.0):
    client = Client()
    try:
        return wait_for(
            lambda: (run := client.get_run(run_id)).status is not RunStatus.RUNNING and run,
            timeout,
            f"run {run_id} to end",
        )
    finally:
        client.close()


def ledger_of(path):
    return path.read_text().split() if path.exists() else []


def b_running(run_id):
    client = Client()
    try:
        return client.get_run(run_id).steps["b"].status is StepStatus.RUNNING
    finally:
        client.close()


def assert_no_step_pod_left(cluster):
    wait_for(lambda: not step_pods(cluster), 15, "the run's step pods to be gone")


def test_a_detached_run_completes_after_the_submitter_returned(cluster, tmp_path):
    ledger = tmp_path / "ledger"
    started = time.monotonic()
    run = workloads.detachable.with_options(orchestrator=detached(cluster, tmp_path))(
        str(ledger), 0.5
    )
    assert run.status is RunStatus.RUNNING
    assert time.monotonic() - started < 10, "submitting must not wait for the run"
    job = cluster.server.store.get("jobs", "default", job_name(run.id))
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][-2:] == ["orchestrate", run.id]
    store_env = next(e for e in container["env"] if e["name"] == "DAGWELL_STORE_URL")
    assert store_env["valueFrom"]["secretKeyRef"] == {"name": "dagwell-store", "key": "url"}
    assert "postgresql" not in str(job), "the store URL must never be in the pod spec"
    done = finished(run.id)
    assert done.status is RunStatus.COMPLETED
    assert ledger_of(ledger) == ["a", "b", "c"]
    assert_no_step_pod_left(cluster)


@pytest.mark.parametrize("how", ["sigkill", "delete"])
def test_the_run_survives_its_orchestrator_pod(cluster, tmp_path, how):
    ledger = tmp_path / "ledger"
    run = workloads.detachable.with_options(orchestrator=detached(cluster, tmp_path))(
        str(ledger), 4.0
    )
    wait_for(lambda: b_running(run.id), 30, "step b to run")
    pod, container = wait_for(lambda: live_orchestrator(cluster, run.id), 10, "orchestrator")
    if how == "sigkill":
        os.kill(container.process.pid, signal.SIGKILL)
    else:
        cluster.server.delete_pod("default", pod["metadata"]["name"], 0)
    done = finished(run.id, 90)
    assert done.status is RunStatus.COMPLETED, done.summary()
    assert ledger_of(ledger) == ["a", "b", "c"], "a completed step was run again"
    assert [a.status.value for a in done.steps["b"].attempts] == ["completed"], (
        "the running pod of b must be adopted, not restarted"
    )
    assert len(orchestrator_pods(cluster, run.id)) >= (2 if how == "sigkill" else 1)
    assert_no_step_pod_left(cluster)


def test_exhausted_restarts_end_the_run_failed_orchestrator_lost(cluster, tmp_path):
    ledger = tmp_path / "ledger"
    run = workloads.detachable.with_options(
        orchestrator=detached(cluster, tmp_path, orchestrator_restarts=0)
    )(str(ledger), 30.0)
    wait_for(lambda: b_running(run.id), 30, "step b to run")
    _, container = wait_for(lambda: live_orchestrator(cluster, run.id), 10, "orchestrator")
    os.kill(container.process.pid, signal.SIGKILL)
    wait_for(
        lambda: "Failed" in str(cluster.server.store.get("jobs", "default", job_name(run.id))),
        20,
        "the Job to give up",
    )
    done = finished(run.id, 30)
    assert done.status is RunStatus.FAILED
    assert done.status_rule.startswith("orchestrator_lost")
    b = done.steps["b"]
    assert b.status is StepStatus.FAILED
    assert b.attempts[-1].failure.kind is FailureKind.ORCHESTRATOR_LOST
    assert done.steps["c"].status is StepStatus.SKIPPED
    assert_no_step_pod_left(cluster)


def test_runs_stop_on_a_detached_run_cancels_it(cluster, tmp_path):
    ledger = tmp_path / "ledger"
    run = workloads.detachable.with_options(orchestrator=detached(cluster, tmp_path))(
        str(ledger), 60.0
    )
    wait_for(lambda: b_running(run.id), 30, "step b to run")
    client = Client()
    try:
        client.stop_run(run.id)
    finally:
        client.close()
    done = finished(run.id, 30)
    assert done.status is RunStatus.CANCELLED
    assert done.steps["b"].status is StepStatus.CANCELLED
    assert_no_step_pod_left(cluster)


def test_detached_runs_refuse_a_store_or_artifacts_the_cluster_cannot_reach(
    home, tmp_path, monkeypatch
):
    with pytest.raises(ConfigError, match="SQLite"):
        KubernetesOrchestrator(image="local", synchronous=False, artifact_store="s3://b/x")
    monkeypatch.setenv("DAGWELL_STORE_URL", "postgresql://db.example/dagwell")
    with pytest.raises(ConfigError, match="artifact_store="):
        KubernetesOrchestrator(image="local", synchronous=False)
    with pytest.raises(ConfigError, match="cannot see"):
        KubernetesOrchestrator(image="local", synchronous=False, artifact_store=str(tmp_path))
    KubernetesOrchestrator(image="local", synchronous=False, artifact_store="s3://b/x")


def job_from_cronjob(cluster, cronjob_name, job):
    """What `kubectl create job JOB --from=cronjob/NAME` does."""
    cronjob = cluster.server.store.get("cronjobs", "default", cronjob_name)
    template = cronjob["spec"]["jobTemplate"]
    cluster.server.store.create(
        "jobs",
        "default",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": job,
                "labels": template["metadata"]["labels"],
                "annotations": {"cronjob.kubernetes.io/instantiate": "manual"},
                "ownerReferences": [
                    {
                        "apiVersion": "batch/v1",
                        "kind": "CronJob",
                        "name": cronjob_name,
                        "uid": cronjob["metadata"]["uid"],
                        "controller": True,
                    }
                ],
            },
            "spec": template["spec"],
        },
    )


def test_a_schedule_is_a_cronjob_whose_job_starts_a_run(cluster, tmp_path):
    from click.testing import CliRunner

    from dagwell import Schedule
    from dagwell.cli.commands import cli
    from dagwell.kubernetes.schedules import scheduled_run_id

    ledger = tmp_path / "ledger"
    created = workloads.detachable.with_options(
        orchestrator=detached(cluster, tmp_path), schedule=Schedule(cron_expression="0 3 * * *")
    )(str(ledger), 0.2)
    name = created["name"]
    cronjob = cluster.server.store.get("cronjobs", "default", name)
    assert cronjob["spec"]["schedule"] == "0 3 * * *"
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    assert "postgresql" not in str(cronjob), "the store URL must never be in the pod spec"
    listed = CliRunner().invoke(cli, ["schedules", "list", "--kubeconfig", cluster.kubeconfig])
    assert listed.exit_code == 0 and name in listed.output and "0 3 * * *" in listed.output

    job_from_cronjob(cluster, name, "manual-1")
    run_id = scheduled_run_id("default", "manual-1")
    client = Client()
    try:
        wait_for(lambda: run_id in {r.id for r in client.list_runs()}, 30, "the run to start")
    finally:
        client.close()
    assert finished(run_id).status is RunStatus.COMPLETED
    assert ledger_of(ledger) == ["a", "b", "c"]
    assert_no_step_pod_left(cluster)

    deleted = CliRunner().invoke(
        cli, ["schedules", "delete", name, "--kubeconfig", cluster.kubeconfig]
    )
    assert deleted.exit_code == 0, deleted.output
    assert not cluster.server.store.list("cronjobs", "default")[0]


def test_a_local_schedule_is_refused_with_how_to_use_cron(home, tmp_path):
    from dagwell import Schedule

    with pytest.raises(ConfigError, match="cron") as refused:
        workloads.detachable.with_options(schedule=Schedule(cron_expression="*/5 * * * *"))(
            str(tmp_path / "ledger")
        )
    assert "*/5 * * * *" in str(refused.value) and "dagwell run" in str(refused.value)
    assert "systemd" in str(refused.value)
    with pytest.raises(ConfigError, match="five"):
        Schedule(cron_expression="every day")
