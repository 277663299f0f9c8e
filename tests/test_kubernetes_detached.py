"""Detached runs (``KubernetesOrchestrator(synchronous=False)``) on the real control plane
(kube-apiserver, kube-scheduler, kube-controller-manager v1.20.2, whose Job and CronJob
controllers start and restart the orchestrator pod), with dagwell's kubelet running pods as
local processes and a real PostgreSQL store.

Each failure of the orchestrator pod is produced for real: SIGKILL of its process, a kernel
OOM kill, deletion of its pod through the API; the run must end completed after the Job's
restart, with no completed step run twice and no step pod left. When the restarts run out,
the next reader records the run failed (``orchestrator_lost``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest

import workloads
from conftest import need
from dagwell import Client, KubernetesOrchestrator
from dagwell.core.errors import ConfigError, EntityExistsError
from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus, StepStatus
from dagwell.kubernetes.detached import LABEL_ROLE, job_name
from dagwell.kubernetes.pods import attempt_of
from dagwell.kubernetes.settings import PodSettings
from dagwell.testing.kube import Hold
from helpers import wait_for

pytestmark = pytest.mark.kube


@pytest.fixture
def cluster(home, tmp_path, postgres_url, monkeypatch, kube):
    monkeypatch.setenv("DAGWELL_STORE_URL", postgres_url)
    cluster = kube(nodes={"node-a": "3GB"})
    cluster.create(
        "secrets",
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "dagwell-store"},
            "data": {"url": base64.b64encode(postgres_url.encode()).decode()},
        },
    )
    yield cluster
    for log in sorted((cluster.workdir / "logs").glob("*orchestrator*")):
        print(f"==> {log.name}\n{log.read_text(errors='replace')[-3000:]}")  # shown on failure
    background = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
    for kind in ("batch/v1/namespaces/{}/jobs", "batch/v1beta1/namespaces/{}/cronjobs"):
        path = "/apis/" + kind.format(cluster.namespace)
        for item in cluster.rest.get(path).get("items") or []:  # else they start pods again
            cluster.rest.request("DELETE", f"{path}/{item['metadata']['name']}", background)


def detached(cluster, tmp_path, through_proxy=False, **options):
    """``through_proxy``: the orchestrator pod calls the API through ``cluster.proxy``."""
    shared = str(tmp_path)
    options.setdefault("orchestrator_restarts", 3)
    kubeconfig = cluster.kubeconfig if through_proxy else cluster.admin_kubeconfig
    return KubernetesOrchestrator(
        kubeconfig=cluster.kubeconfig,
        namespace=cluster.namespace,
        image="local",
        synchronous=False,
        resync_interval=2,
        artifact_store=str(tmp_path / "artifacts"),
        pod_settings=PodSettings(
            volumes=[{"name": "shared", "hostPath": {"path": shared}}],
            volume_mounts=[{"name": "shared", "mountPath": shared}],
        ),
        orchestrator_pod_settings=PodSettings(env={"KUBECONFIG": kubeconfig}),
        **options,
    )


def job(cluster, name):
    return cluster.rest.get(f"/apis/batch/v1/namespaces/{cluster.namespace}/jobs/{name}")


def step_pods(cluster):
    return [
        p for p in cluster.pods() if (p["metadata"].get("labels") or {}).get(LABEL_ROLE) is None
    ]


def orchestrator_pods(cluster, job):
    return [p for p in cluster.pods() if (p["metadata"].get("labels") or {}).get("job-name") == job]


def live_orchestrator(cluster, job):
    """The running orchestrator pod of ``job`` and its process."""
    names = {p["metadata"]["name"]: p for p in orchestrator_pods(cluster, job)}
    with cluster.kubelet.lock:
        for container in cluster.kubelet.containers.values():
            if container.pod in names and container.ending is None:
                return names[container.pod], container
    return None


def finished(run_id, timeout=180.0):
    client = Client()
    try:
        return wait_for(
            lambda: (run := client.get_run(run_id)).status is not RunStatus.RUNNING and run,
            timeout,
            f"run {run_id} to end",
        )
    finally:
        client.close()


HOG = """
import os, sys
# the kernel must pick the orchestrator, not this (bigger) process: raising another's
# score needs no capability, unlike lowering one's own (CAP_SYS_RESOURCE, often dropped)
with open(f"/proc/{sys.argv[2]}/oom_score_adj", "w") as f:
    f.write("1000")
with open(sys.argv[1], "w") as f:
    f.write(str(os.getpid()))  # join the orchestrator pod's cgroup
chunks = []
while len(chunks) < 256:
    try:
        os.kill(int(sys.argv[2]), 0)
    except ProcessLookupError:
        break
    chunks.append(b"x" * (16 << 20))
"""


def oom_kill(cluster, container):
    """A real OOM kill of the orchestrator: a process joins its pod's memory cgroup and
    fills it, the orchestrator marked as the OOM killer's first pick; the kernel kills it."""
    need(None if container.group is not None else "OOM kills need cgroups (root)")
    procs = str(container.group.procs_files[0])
    hog = subprocess.run(
        [sys.executable, "-c", HOG, procs, str(container.process.pid)],
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert hog.returncode in (0, -signal.SIGKILL), hog.stderr
    wait_for(lambda: container.process.poll() is not None, 60, "the kernel to kill it")


def ledger_of(path):
    return path.read_text().split() if path.exists() else []


def orchestrator_logs(cluster):
    return "".join(
        log.read_text(errors="replace")
        for log in sorted((cluster.workdir / "logs").glob("*orchestrator*"))
    )


def pod_path_of(step_id, attempt):
    """A regex of the API path of ``step_id``'s pod of ``attempt`` (any run, any orchestrator)."""
    digest = hashlib.sha256(step_id.encode()).hexdigest()[:6]
    return rf"/pods/dw-[^/]+-{step_id}-{digest}-{attempt}-[0-9a-z]+$"


def sigkill(cluster, run_id):
    _, container = wait_for(
        lambda: live_orchestrator(cluster, job_name(run_id)), 60, "orchestrator"
    )
    os.kill(container.process.pid, signal.SIGKILL)
    wait_for(lambda: container.process.poll() is not None, 60, "the orchestrator to be dead")


def b_running(run_id):
    client = Client()
    try:
        return client.get_run(run_id).steps["b"].status is StepStatus.RUNNING
    finally:
        client.close()


def assert_no_step_pod_left(cluster):
    wait_for(lambda: not step_pods(cluster), 60, "the run's step pods to be gone")


def assert_job_complete(cluster, name):
    """The orchestrator pod that ended the run exited 0, so the Job completed."""
    wait_for(
        lambda: (job(cluster, name).get("status") or {}).get("succeeded"),
        120,
        f"Job {name} to complete",
    )


def test_a_detached_run_completes_after_the_submitter_returned(cluster, tmp_path):
    ledger = tmp_path / "ledger"
    started = time.monotonic()
    run = workloads.detachable.with_options(orchestrator=detached(cluster, tmp_path))(
        str(ledger), 0.5
    )
    assert run.status is RunStatus.RUNNING
    assert time.monotonic() - started < 30, "submitting must not wait for the run"
    created = job(cluster, job_name(run.id))
    container = created["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][-2:] == ["orchestrate", run.id]
    store_env = next(e for e in container["env"] if e["name"] == "DAGWELL_STORE_URL")
    assert store_env["valueFrom"]["secretKeyRef"] == {"name": "dagwell-store", "key": "url"}
    assert "postgresql" not in str(created), "the store URL must never be in the pod spec"
    done = finished(run.id)
    assert done.status is RunStatus.COMPLETED
    assert ledger_of(ledger) == ["a", "b", "c"]
    assert_no_step_pod_left(cluster)
    assert_job_complete(cluster, job_name(run.id))


@pytest.mark.parametrize("how", ["sigkill", "delete", "oom"])
def test_the_run_survives_its_orchestrator_pod(cluster, tmp_path, how):
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    run = workloads.detachable.with_options(orchestrator=detached(cluster, tmp_path))(
        str(ledger), 0.0, str(gate)
    )
    wait_for(lambda: b_running(run.id), 120, "step b to run")
    # b's record says running before its pod exists (b, after=a, is recorded before its
    # launch): only its process, at the gate, says that there is a running pod to adopt
    wait_for(lambda: "b" in ledger_of(ledger), 120, "b's pod to run")
    pod, container = wait_for(
        lambda: live_orchestrator(cluster, job_name(run.id)), 60, "orchestrator"
    )
    if how == "sigkill":
        os.kill(container.process.pid, signal.SIGKILL)
    elif how == "oom":
        oom_kill(cluster, container)
    else:
        cluster.delete_pod(pod["metadata"]["name"])  # graceful: SIGTERM first
    wait_for(lambda: container.process.poll() is not None, 60, "the orchestrator to be dead")
    gate.touch()  # only now may b end: no orchestrator but a restarted one can record it
    done = finished(run.id, 240)
    assert done.status is RunStatus.COMPLETED, done.summary()
    assert ledger_of(ledger) == ["a", "b", "c"], "a completed step was run again"
    assert [a.status.value for a in done.steps["b"].attempts] == ["completed"], (
        "the running pod of b must be adopted, not restarted"
    )
    if how == "oom":

        def terminated():
            dead = cluster.pod(pod["metadata"]["name"]) or {}
            statuses = (dead.get("status") or {}).get("containerStatuses") or [{}]
            return statuses[0].get("state", {}).get("terminated")

        state = wait_for(terminated, 60, "the OOM-killed pod's status")
        assert state["reason"] == "OOMKilled", state
    assert len(orchestrator_pods(cluster, job_name(run.id))) >= (1 if how == "delete" else 2)
    assert_no_step_pod_left(cluster)
    assert_job_complete(cluster, job_name(run.id))


def test_an_orchestrator_killed_after_a_steps_record_before_its_pod_retries_it_once(
    cluster, tmp_path
):
    """b (``after="a"``) is recorded running before its launch; right after that record the
    orchestrator lets a's pod go, then creates b's pod. SIGKILLed there (its removal of a's
    finalizer held in flight, so a's pod stays), it leaves b recorded running with no pod:
    the next orchestrator records b's attempt ``lost`` saying that its pod was never
    created, runs b once, and lets a's ended pod go without calling it an attempt it
    killed."""
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    hold = cluster.proxy.hold(Hold(method="PATCH", path=pod_path_of("a", 1)))
    run = workloads.detachable.with_options(
        orchestrator=detached(cluster, tmp_path, through_proxy=True)
    )(str(ledger), 0.0, str(gate))
    wait_for(hold.held.is_set, 120, "the orchestrator to let a's pod go")
    assert b_running(run.id)
    sigkill(cluster, run.id)
    hold.release()  # (dropped: the API server never saw it)
    gate.touch()
    done = finished(run.id, 240)
    assert done.status is RunStatus.COMPLETED, done.summary()
    assert ledger_of(ledger) == ["a", "b", "c"]
    first, second = done.steps["b"].attempts
    assert first.failure.kind is FailureKind.LOST
    assert "before its pod was created" in first.failure.message, first.failure.message
    assert second.status.value == "completed"
    assert "never recorded" not in orchestrator_logs(cluster)
    assert_no_step_pod_left(cluster)
    assert_job_complete(cluster, job_name(run.id))


def test_a_pod_created_as_its_orchestrator_dies_is_adopted_not_run_again(cluster, tmp_path):
    """The API server created a's pod (a is the first step, on a data edge) but its answer
    never reached the orchestrator, SIGKILLed meanwhile; a runs to its end. The next
    orchestrator must find that pod by its labels and count its result, not kill it as an
    unknown ghost and run a again."""
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"
    hold = cluster.proxy.hold(Hold(method="POST", path=r"/pods$", answered=True))
    run = workloads.detachable.with_options(
        orchestrator=detached(cluster, tmp_path, through_proxy=True)
    )(str(ledger), 0.0, str(gate))
    wait_for(hold.held.is_set, 120, "a's pod to be created")
    wait_for(lambda: "a" in ledger_of(ledger), 120, "a's pod to run")
    sigkill(cluster, run.id)
    hold.release()
    gate.touch()
    done = finished(run.id, 240)
    assert done.status is RunStatus.COMPLETED, done.summary()
    assert ledger_of(ledger) == ["a", "b", "c"], "a completed step was run again"
    [attempt] = done.steps["a"].attempts
    assert attempt.status.value == "completed", attempt.failure
    assert attempt.external_id == cluster.proxy.created[0]["metadata"]["name"]
    assert "never recorded" not in orchestrator_logs(cluster)
    assert_no_step_pod_left(cluster)
    assert_job_complete(cluster, job_name(run.id))


def test_a_stuck_orchestrator_pod_fails_its_liveness_probe_and_the_job_replaces_it(
    cluster, tmp_path
):
    """SIGSTOP: the orchestrator's process is alive but does nothing. Its heartbeat file
    ages, the liveness probe fails, the kubelet kills it (SIGTERM is ignored while stopped,
    SIGKILL after the grace), the pod fails and the Job's next pod takes the run over."""
    ledger = tmp_path / "ledger"
    run = workloads.detachable.with_options(
        orchestrator=detached(cluster, tmp_path, orchestrator_stuck_after=6)
    )(str(ledger), 20.0)
    probe = job(cluster, job_name(run.id))["spec"]["template"]["spec"]["containers"][0]
    assert probe["livenessProbe"]["exec"]["command"][-1] == "6"
    wait_for(lambda: b_running(run.id), 120, "step b to run")
    pod, container = wait_for(
        lambda: live_orchestrator(cluster, job_name(run.id)), 60, "orchestrator"
    )
    os.kill(container.process.pid, signal.SIGSTOP)
    stuck_at = time.monotonic()
    done = finished(run.id, 240)
    assert done.status is RunStatus.COMPLETED, done.summary()
    assert ledger_of(ledger) == ["a", "b", "c"], "a completed step was run again"
    assert [a.status.value for a in done.steps["b"].attempts] == ["completed"]
    dead = cluster.pod(pod["metadata"]["name"]) or {}
    state = ((dead.get("status") or {}).get("containerStatuses") or [{}])[0].get("state", {})
    assert (state.get("terminated") or {}).get("exitCode") == 137, dead.get("status")
    assert len(orchestrator_pods(cluster, job_name(run.id))) >= 2
    print(f"stuck orchestrator replaced; run ended {time.monotonic() - stuck_at:.1f}s later")
    assert_no_step_pod_left(cluster)
    assert_job_complete(cluster, job_name(run.id))


def test_an_after_step_pending_when_its_orchestrator_dies_is_adopted_not_run_again(
    cluster, tmp_path
):
    """b (``after="a"``) is recorded before it is launched, so before its pod has a name.
    Its pod pends (no node has its label yet) when the orchestrator pod is SIGKILLed: the
    next orchestrator must adopt that pod, not record b ``lost`` and start another (which
    would run b twice once both can be scheduled)."""
    ledger = tmp_path / "ledger"
    late = {"b": {"settings": {"kubernetes": {"node_selector": {"dagwell-test/pool": "late"}}}}}
    run = workloads.detachable.with_options(orchestrator=detached(cluster, tmp_path), steps=late)(
        str(ledger), 1.0
    )
    _, container = wait_for(
        lambda: live_orchestrator(cluster, job_name(run.id)), 60, "orchestrator"
    )
    [b_pod] = wait_for(
        lambda: [p for p in step_pods(cluster) if attempt_of(p) == ("b", 1)], 120, "b's pod"
    )
    os.kill(container.process.pid, signal.SIGKILL)
    label = {"metadata": {"labels": {"dagwell-test/pool": "late"}}}
    cluster.rest.merge_patch("/api/v1/nodes/node-a", label)  # now b's pod can be scheduled
    done = finished(run.id, 240)
    assert done.status is RunStatus.COMPLETED, done.summary()
    attempts = done.steps["b"].attempts
    assert [a.status.value for a in attempts] == ["completed"], [a.failure for a in attempts]
    assert attempts[0].external_id == b_pod["metadata"]["name"]
    assert ledger_of(ledger) == ["a", "b", "c"]
    assert_no_step_pod_left(cluster)


@pytest.mark.parametrize("b_pod", ["running", "gone"])
def test_exhausted_restarts_end_the_run_failed_orchestrator_lost(cluster, tmp_path, b_pod):
    """Whatever became of b's pod meanwhile (still running, or gone with nobody to see
    its end), b ends failed ``orchestrator_lost``: not retried by the reader that records
    the end, and so not ``cancelled`` as a retry that never started."""
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"  # never opened: b runs on
    run = workloads.detachable.with_options(
        orchestrator=detached(cluster, tmp_path, orchestrator_restarts=0)
    )(str(ledger), 0.0, str(gate))
    wait_for(lambda: b_running(run.id), 120, "step b to run")
    _, container = wait_for(
        lambda: live_orchestrator(cluster, job_name(run.id)), 60, "orchestrator"
    )
    if b_pod == "gone":
        [pod] = wait_for(lambda: step_pods(cluster), 60, "b's pod")
    os.kill(container.process.pid, signal.SIGKILL)
    wait_for(
        lambda: "BackoffLimitExceeded" in str(job(cluster, job_name(run.id)).get("status")),
        120,
        "the Job to give up",
    )
    if b_pod == "gone":  # before any reader looks (finished() is the first)
        name = pod["metadata"]["name"]
        path = f"/api/v1/namespaces/{cluster.namespace}/pods/{name}"
        cluster.rest.merge_patch(path, {"metadata": {"finalizers": None}})
        cluster.delete_pod(name, 0)
        wait_for(lambda: cluster.pod(name) is None, 60, f"pod {name} gone")
    done = finished(run.id, 180)
    assert done.status is RunStatus.FAILED
    assert done.status_rule.startswith("orchestrator_lost")
    b = done.steps["b"]
    assert b.status is StepStatus.FAILED, [(a.status, a.failure) for a in b.attempts]
    assert len(b.attempts) == 1 and b.attempts[0].failure.kind is FailureKind.ORCHESTRATOR_LOST
    assert done.steps["c"].status is StepStatus.SKIPPED
    assert_no_step_pod_left(cluster)


def test_runs_stop_on_a_detached_run_cancels_it(cluster, tmp_path):
    ledger, gate = tmp_path / "ledger", tmp_path / "gate"  # never opened: b runs until stopped
    run = workloads.detachable.with_options(orchestrator=detached(cluster, tmp_path))(
        str(ledger), 0.0, str(gate)
    )
    wait_for(lambda: b_running(run.id), 120, "step b to run")
    client = Client()
    try:
        client.stop_run(run.id)
    finally:
        client.close()
    done = finished(run.id, 180)
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
    for stuck in (1, "60", True):
        with pytest.raises(ConfigError, match="orchestrator_stuck_after"):
            KubernetesOrchestrator(
                image="local",
                synchronous=False,
                artifact_store="s3://b/x",
                orchestrator_stuck_after=stuck,
            )


def job_from_cronjob(cluster, cronjob_name, job):
    """What `kubectl create job JOB --from=cronjob/NAME` does."""
    ns = cluster.namespace
    cronjob = cluster.rest.get(f"/apis/batch/v1beta1/namespaces/{ns}/cronjobs/{cronjob_name}")
    template = cronjob["spec"]["jobTemplate"]
    cluster.rest.create(
        f"/apis/batch/v1/namespaces/{ns}/jobs",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": job,
                "labels": template["metadata"]["labels"],
                "annotations": {"cronjob.kubernetes.io/instantiate": "manual"},
                "ownerReferences": [
                    {
                        "apiVersion": "batch/v1beta1",
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
    cronjobs = f"/apis/batch/v1beta1/namespaces/{cluster.namespace}/cronjobs"
    cronjob = cluster.rest.get(f"{cronjobs}/{name}")
    assert cronjob["spec"]["schedule"] == "0 3 * * *"
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    assert "postgresql" not in str(cronjob), "the store URL must never be in the pod spec"
    where = ["--kubeconfig", cluster.kubeconfig, "--namespace", cluster.namespace]
    listed = CliRunner().invoke(cli, ["schedules", "list", *where])
    assert listed.exit_code == 0 and name in listed.output and "0 3 * * *" in listed.output

    job_from_cronjob(cluster, name, "manual-1")
    run_id = scheduled_run_id(cluster.namespace, "manual-1")
    client = Client()
    try:
        wait_for(lambda: run_id in {r.id for r in client.list_runs()}, 120, "the run to start")
    finally:
        client.close()
    assert finished(run_id).status is RunStatus.COMPLETED
    assert ledger_of(ledger) == ["a", "b", "c"]
    assert_no_step_pod_left(cluster)

    deleted = CliRunner().invoke(cli, ["schedules", "delete", name, *where])
    assert deleted.exit_code == 0, deleted.output
    assert not cluster.rest.get(cronjobs).get("items")


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


def test_runs_watch_and_logs_follow_a_detached_run_and_ctrl_c_only_detaches(cluster, tmp_path):
    ledger = tmp_path / "ledger"
    run = workloads.detachable.with_options(orchestrator=detached(cluster, tmp_path))(
        str(ledger), 5.0
    )

    def cli(*args):
        return subprocess.Popen(
            [sys.executable, "-m", "dagwell", "runs", *args, run.id],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    watch, logs, detaching = cli("watch", "--interval", "0.3"), cli("logs", "-f"), cli("watch")
    wait_for(lambda: b_running(run.id), 120, "step b to run")
    detaching.send_signal(signal.SIGINT)
    _, err = detaching.communicate(timeout=60)
    assert "detached" in err
    out, err = watch.communicate(timeout=240)
    assert watch.returncode == 0, err
    assert "  b: running (attempt 1)" in out and "  c: completed (attempt 1)" in out
    assert out.splitlines()[-1].startswith(f"run {run.id} completed")
    followed, err = logs.communicate(timeout=120)
    assert logs.returncode == 0, err
    assert "==> b attempt 1 <==\nb naps 5.0s" in followed
    assert finished(run.id).status is RunStatus.COMPLETED


def runs_logs(run_id, *args):
    done = subprocess.run(
        [sys.executable, "-m", "dagwell", "runs", "logs", run_id, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def home_of(process):
    environ = open(f"/proc/{process.pid}/environ", "rb").read().split(b"\0")
    return next(v for k, _, v in (e.partition(b"=") for e in environ) if k == b"DAGWELL_HOME")


def test_runs_logs_from_the_submitter_read_the_logs_a_restarted_orchestrator_kept(
    cluster, tmp_path, home
):
    """The orchestrator pod's disk is its own (gone with the pod, as on a real cluster):
    the submitter reads a running step's output and, after the orchestrator pod was killed
    and the Job started another, every step's whole log, each line once."""
    gate = tmp_path / "gate"
    run = workloads.detachable.with_options(orchestrator=detached(cluster, tmp_path))(
        str(tmp_path / "ledger"), 8.0, str(gate)
    )
    wait_for(lambda: b_running(run.id), 120, "step b to run")
    pod, container = wait_for(
        lambda: live_orchestrator(cluster, job_name(run.id)), 60, "orchestrator"
    )
    assert not home_of(container.process).startswith(str(home).encode()), (
        "the orchestrator pod must not share the submitter's home"
    )
    wait_for(lambda: "b naps 8.0s" in runs_logs(run.id, "b"), 60, "b's output so far, from here")
    os.kill(container.process.pid, signal.SIGKILL)
    wait_for(lambda: container.process.poll() is not None, 60, "the orchestrator to be dead")
    gate.touch()  # b ends only now, so a restarted orchestrator records it
    done = finished(run.id, 240)
    assert done.status is RunStatus.COMPLETED, done.summary()
    assert len(orchestrator_pods(cluster, job_name(run.id))) >= 2, "the Job restarted it"
    b_log = runs_logs(run.id, "b")
    assert b_log.count("b naps 8.0s\n") == 1 and b_log.count("b woke up\n") == 1, b_log
    everything = runs_logs(run.id)
    assert "==> a attempt 1 (completed) <==" in everything and "(no log)" not in everything
    entries = json.loads(runs_logs(run.id, "b", "--json"))
    assert [e["log"] for e in entries] == ["b naps 8.0s\nb woke up\n"]
    assert not (home / "logs").exists(), "read from the artifact store, not this home"


def test_a_job_the_api_refuses_leaves_no_run_running(cluster, tmp_path):
    from dagwell.kubernetes.api import KubeError

    broken = detached(cluster, tmp_path)
    broken.orchestrator_pod_settings = PodSettings(
        env={"KUBECONFIG": cluster.admin_kubeconfig},
        volume_mounts=[{"name": "no-such-volume", "mountPath": "/x"}],
    )
    with pytest.raises(KubeError, match="no-such-volume"):
        workloads.detachable.with_options(orchestrator=broken)(str(tmp_path / "ledger"), 0.1)
    client = Client()
    try:
        [run] = client.list_runs()
        assert run.status is RunStatus.FAILED and run.status_rule.startswith("orchestrator_lost")
    finally:
        client.close()


def test_a_second_submission_under_a_taken_run_name_is_refused_before_its_job(cluster, tmp_path):
    """ZenML refuses a run name another run has; a detached submission is refused before
    its run is recorded or its Job created."""
    ledger = tmp_path / "ledger"
    fixed = workloads.detachable.with_options(
        orchestrator=detached(cluster, tmp_path), run_name="fixed"
    )
    run = fixed(str(ledger), 0.0)
    with pytest.raises(EntityExistsError, match="'fixed' already exists"):
        fixed(str(ledger), 0.0)
    jobs = cluster.rest.get(f"/apis/batch/v1/namespaces/{cluster.namespace}/jobs")["items"]
    assert [j["metadata"]["name"] for j in jobs] == [job_name(run.id)]
    assert [r.id for r in Client().list_runs()] == [run.id]
    assert finished(run.id).status is RunStatus.COMPLETED
    assert ledger_of(ledger) == ["a", "b", "c"]
