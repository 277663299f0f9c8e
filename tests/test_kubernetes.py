"""The Kubernetes orchestrator against a real control plane: the upstream kube-apiserver,
kube-scheduler and controllers (v1.20.2, the ``control_plane`` fixture), driven by lightkube
(the client dagwell ships), with a kwok-style kubelet that runs each bound pod as a local
process under its memory limit in real cgroups and writes real-format statuses. Faults the
real server cannot produce go through the harness's HTTP proxy in front of it."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import workloads
from conftest import need
from dagwell import (
    Client,
    KubernetesOrchestrator,
    ResourceSettings,
    StepRetryConfig,
    pipeline,
)
from dagwell.core.failures import FailureKind, OomScope
from dagwell.core.statuses import RunStatus, StepStatus
from dagwell.kubernetes.pods import FINALIZER, LABEL_RUN
from dagwell.testing.kube import Fault
from helpers import TESTS, outcome, wait_for

pytestmark = pytest.mark.kube
MB = 10**6


@pytest.fixture
def cluster(home, kube):
    return kube(nodes={"node-a": "1400MB"})


def orchestrator(cluster, **options):
    options.setdefault("resync_interval", 2)
    return KubernetesOrchestrator(
        kubeconfig=cluster.kubeconfig, namespace=cluster.namespace, image="local", **options
    )


def sleeper(cluster, name, memory):
    """A pod that is not dagwell's, holding ``memory`` of requests while it sleeps."""
    cluster.create(
        "pods",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name},
            "spec": {
                "restartPolicy": "Never",
                "terminationGracePeriodSeconds": 0,
                "containers": [
                    {
                        "name": "sleep",
                        "image": "local",
                        "command": ["python", "-c", "import time; time.sleep(3600)"],
                        "resources": {"requests": {"memory": memory}},
                    }
                ],
            },
        },
    )
    wait_for(
        lambda: (cluster.pod(name) or {}).get("status", {}).get("phase") == "Running",
        30,
        f"{name} running",
    )


def step_pods(cluster) -> list[dict]:
    return [p for p in cluster.pods() if LABEL_RUN in (p["metadata"].get("labels") or {})]


def running_step_pods(cluster) -> list[dict]:
    """Step pods running and not being deleted."""
    return [
        p
        for p in step_pods(cluster)
        if p.get("status", {}).get("phase") == "Running"
        and not p["metadata"].get("deletionTimestamp")
    ]


def gone(cluster, name: str) -> None:
    wait_for(lambda: cluster.pod(name) is None, 30, f"pod {name} recorded and gone")


def assert_nothing_left(cluster):
    """No step pod is left: terminating ones (finalizer removed) go within seconds."""
    try:
        wait_for(
            lambda: (
                not step_pods(cluster)
                and not [n for n in cluster.kubelet.running_pods() if n.startswith("dw-")]
            ),
            15,
            "the run's pods to be gone",
        )
    except AssertionError:
        raise AssertionError(
            [(p["metadata"]["name"], p["metadata"].get("finalizers")) for p in step_pods(cluster)]
        ) from None


def seed(retry=None, memory=None, crowd_dir=None):
    """The seed: ten 400 MB steps. With ``crowd_dir`` the hogs allocate only once four have
    started (1600 MB on a 1400 MB node), so OOM kills come however loaded the machine is."""
    step = (workloads.crowded_hog if crowd_dir else workloads.hog).with_options(
        retry=retry, **({"resources": ResourceSettings(memory=memory)} if memory else {})
    )
    args = (400, 1.0, crowd_dir) if crowd_dir else (400, 1.0)

    @pipeline(enable_cache=False)
    def seed_pipeline():
        for _ in range(10):
            step(*args)

    return seed_pipeline


def test_seed_with_real_oom_kills_completes_with_retries(cluster, tmp_path):
    need(None if cluster.setup.version != "none" else "the harness needs cgroups for OOM kills")
    run = seed(
        retry=StepRetryConfig(max_retries=3), crowd_dir=str(tmp_path / "crowd")
    ).with_options(orchestrator=orchestrator(cluster))()
    assert run.status is RunStatus.COMPLETED
    kills = [
        a
        for s in run.steps.values()
        for a in s.attempts
        if a.failure and a.failure.kind is FailureKind.OOM_KILLED
    ]
    assert kills, "5 pods of 400 MB on a 1400 MB node: the kernel must have killed some"
    assert all(a.failure.oom_scope is OomScope.NODE_PRESSURE and a.budget == "infra" for a in kills)
    assert all(a.failure.reason == "OOMKilled" and a.exit_code == 137 for a in kills)
    assert all(a.external_id.startswith("dw-") for s in run.steps.values() for a in s.attempts)
    assert_nothing_left(cluster)


def test_seed_without_retries_ends_with_the_true_status(cluster, tmp_path):
    need(None if cluster.setup.version != "none" else "the harness needs cgroups for OOM kills")
    crowd = str(tmp_path / "crowd")

    @pipeline(enable_cache=False, infra_retries=0)
    def seed_pipeline():
        for _ in range(10):
            workloads.crowded_hog(400, 1.0, crowd)

    started = time.monotonic()
    run = outcome(seed_pipeline.with_options(orchestrator=orchestrator(cluster)))
    assert time.monotonic() - started < 90
    assert run.status is RunStatus.FAILED
    failed = [s for s in run.steps.values() if s.status is StepStatus.FAILED]
    assert failed and all(s.attempts[-1].failure.kind is FailureKind.OOM_KILLED for s in failed)
    assert all(
        s.status in (StepStatus.COMPLETED, StepStatus.FAILED, StepStatus.SKIPPED)
        for s in run.steps.values()
    )
    assert_nothing_left(cluster)


def created_pods(cluster) -> list[dict]:
    """Every pod manifest the API server receives from now on, as sent (the proxy's record)."""
    cluster.proxy.created.clear()
    return cluster.proxy.created


def test_declared_memory_becomes_requests_and_limits_and_escalates(cluster):
    pods = created_pods(cluster)

    @pipeline(enable_cache=False)
    def one():
        workloads.growing(300)

    run = one.with_options(orchestrator=orchestrator(cluster))()
    first, second = run.steps["growing"].attempts
    if cluster.setup.version != "none":
        assert first.failure.kind is FailureKind.OOM_KILLED
        assert first.failure.oom_scope is OomScope.OWN_LIMIT
        assert second.memory_limit == 400 * MB
    assert pods[0]["spec"]["containers"][0]["resources"] == {
        "requests": {"memory": "200000000"},
        "limits": {"memory": "200000000"},
    }
    assert_nothing_left(cluster)


def test_deleting_a_step_pod_mid_run(cluster, tmp_path):
    gate = tmp_path / "gate"

    def delete_when_running():
        [pod] = wait_for(lambda: running_step_pods(cluster), 60, "a running pod")
        cluster.delete_pod(pod["metadata"]["name"], 0)
        gone(cluster, pod["metadata"]["name"])
        gate.touch()  # the retry may end now

    thread = threading.Thread(target=delete_when_running)
    thread.start()
    run = workloads.gated_steps.with_options(orchestrator=orchestrator(cluster))(str(gate))
    thread.join()
    attempts = run.steps["gated"].attempts
    assert run.status is RunStatus.COMPLETED and len(attempts) == 2
    assert attempts[0].failure.kind is FailureKind.LOST and attempts[0].budget == "infra"
    assert "deleted" in attempts[0].failure.message
    assert_nothing_left(cluster)


def test_a_410_on_the_watch(cluster, tmp_path):
    gate = tmp_path / "gate"

    def compact_when_running():
        wait_for(lambda: running_step_pods(cluster), 60, "a running pod")
        cluster.compact()  # etcd compacted, streams broken: the watch resumes into a 410
        gate.touch()  # only now may the pods end: the run sees their ends after the 410

    thread = threading.Thread(target=compact_when_running)
    thread.start()
    run = workloads.gated_steps.with_options(
        orchestrator=orchestrator(cluster, resync_interval=60)
    )(str(gate), count=2)
    thread.join()
    assert run.status is RunStatus.COMPLETED
    assert all(len(s.attempts) == 1 for s in run.steps.values())
    # the resumed watch gets a 410 (in its stream): list, watch, watch (410), list, watch
    assert cluster.proxy.count("GET", "/pods$") >= 4
    assert_nothing_left(cluster)


def test_a_burst_of_5xx_and_dropped_connections(cluster):
    cluster.proxy.inject(Fault(status=503, count=6, method="POST"))
    cluster.proxy.inject(Fault(status=429, count=2, method="GET", retry_after=1))
    cluster.proxy.inject(Fault(status=500, count=4, method="PATCH"))
    cluster.proxy.inject(Fault(drop=True, count=3, method="DELETE"))
    run = workloads.ml.with_options(orchestrator=orchestrator(cluster), enable_cache=False)(n=3)
    assert run.status is RunStatus.COMPLETED
    assert all(len(s.attempts) == 1 for s in run.steps.values())
    assert run.steps["evaluate"].output.load() == {"score": 0.5}
    assert cluster.proxy.count("POST", "/pods$", 503) == 6
    assert_nothing_left(cluster)


def test_dropped_watch_streams(cluster):
    stop = threading.Event()

    def keep_breaking():
        while not stop.wait(0.3):
            cluster.proxy.break_watches()

    thread = threading.Thread(target=keep_breaking)
    thread.start()
    try:
        run = workloads.sleepy.with_options(orchestrator=orchestrator(cluster, resync_interval=60))(
            count=3, seconds=1.0
        )
    finally:
        stop.set()
        thread.join()
    assert run.status is RunStatus.COMPLETED
    assert_nothing_left(cluster)


def test_image_pull_and_config_errors_fail_fast(cluster):
    bad = workloads.nap.with_options(settings={"kubernetes": {"image": "missing/nothing:1"}})

    @pipeline(enable_cache=False)
    def p():
        bad(0.1)

    started = time.monotonic()
    run = outcome(p.with_options(orchestrator=orchestrator(cluster)))
    assert time.monotonic() - started < 20
    attempt = run.steps["nap"].attempts[0]
    assert attempt.failure.kind is FailureKind.IMAGE_PULL
    assert len(run.steps["nap"].attempts) == 1  # never retried
    assert "image pull secrets" in attempt.failure.message
    assert_nothing_left(cluster)


def test_requests_no_node_can_offer_fail_fast_and_pending_is_bounded(cluster):
    huge = workloads.nap.with_options(resources=ResourceSettings(memory="3GB"))

    @pipeline(enable_cache=False)
    def p():
        huge(0.1)

    run = outcome(p.with_options(orchestrator=orchestrator(cluster)))
    step = run.steps["nap"]
    assert step.status is StepStatus.FAILED and step.attempts == []
    assert "3.0 GB" in step.note and "1.4 GB" in step.note

    # fits the largest node on paper but never schedules (the node is full of others)
    sleeper(cluster, "someone-else", "1300M")
    run = outcome(
        lambda: workloads.sleepy.with_options(
            orchestrator=orchestrator(cluster, pending_timeout=2)
        )(count=1, seconds=0.1)
    )
    attempt = run.steps["nap"].attempts[0]
    assert attempt.failure.kind is FailureKind.UNSCHEDULABLE
    assert "Insufficient memory" in attempt.failure.message
    assert_nothing_left(cluster)


def test_the_pending_bound_reads_the_pod_afresh_before_ending_it(cluster, tmp_path):
    """Regression: the pending bound judged the pod by what the watch had brought; with
    the watch behind (held here, as a stalled stream is), a pod already running was ended
    "unschedulable" and deleted."""
    gate = tmp_path / "gate"
    result = {}
    slow = orchestrator(cluster, pending_timeout=2, resync_interval=60)
    with cluster.proxy.holding_watches(timeout=120):
        thread = threading.Thread(
            target=lambda: result.setdefault(
                "run",
                outcome(lambda: workloads.gated_steps.with_options(orchestrator=slow)(str(gate))),
            )
        )
        thread.start()
        [pod] = wait_for(lambda: running_step_pods(cluster), 60, "the pod running, unwatched")
        name = pod["metadata"]["name"]
        wait_for(
            lambda: cluster.proxy.count("GET", f"/pods/{name}$") >= 1,
            60,
            "the bound to look at the pod",
        )
    gate.touch()
    thread.join(120)
    [attempt] = result["run"].steps["gated"].attempts
    assert attempt.failure is None and result["run"].status is RunStatus.COMPLETED
    assert_nothing_left(cluster)


def test_eviction_and_node_loss_use_the_infrastructure_budget(home, kube, tmp_path):
    cluster = kube(nodes={"node-a": "2GB", "node-b": "2GB"})
    gate = tmp_path / "gate"

    def disrupt():
        first, second = wait_for(
            lambda: len(pods := running_step_pods(cluster)) == 2 and pods, 60, "two running pods"
        )
        names = {first["metadata"]["name"], second["metadata"]["name"]}
        cluster.kubelet.evict(first["metadata"]["name"], cluster.namespace)
        gone(cluster, first["metadata"]["name"])
        wait_for(
            lambda: [p for p in running_step_pods(cluster) if p["metadata"]["name"] not in names],
            60,
            "the evicted step's next attempt running",
        )
        cluster.kubelet.lose_node(second["spec"]["nodeName"])  # with every pod on it
        gone(cluster, second["metadata"]["name"])
        gate.touch()

    thread = threading.Thread(target=disrupt)
    thread.start()
    run = workloads.gated_steps.with_options(orchestrator=orchestrator(cluster))(str(gate), count=2)
    thread.join()
    kinds = sorted(
        a.failure.kind.value for s in run.steps.values() for a in s.attempts if a.failure
    )
    assert run.status is RunStatus.COMPLETED
    assert kinds.count("evicted") == 1 and "node_lost" in kinds
    assert set(kinds) == {"evicted", "node_lost"}
    assert all(a.budget == "infra" for s in run.steps.values() for a in s.attempts if a.failure)
    assert_nothing_left(cluster)


def test_finalizers_hold_the_evidence_until_it_is_recorded(cluster):
    """Every step pod carries the finalizer while it runs; none is left at the end."""
    pods = created_pods(cluster)
    workloads.ml.with_options(orchestrator=orchestrator(cluster), enable_cache=False)(n=2)
    assert [p["metadata"].get("finalizers") for p in pods] == [[FINALIZER]] * 3
    assert {p["spec"]["restartPolicy"] for p in pods} == {"Never"}
    assert_nothing_left(cluster)


RESUMABLE = """
import sys
sys.path.insert(0, {tests!r})
import workloads
from dagwell import KubernetesOrchestrator
o = KubernetesOrchestrator(
    kubeconfig={kubeconfig!r}, namespace={namespace!r}, image="local", resync_interval=2
)
workloads.gated_steps.with_options(orchestrator=o)({gate!r}, count=2)
"""


def orphan_a_kubernetes_run(cluster, tmp_path) -> tuple[dict[str, str], Path]:
    """Start a run of two gated pods in its own orchestrator process; SIGKILL it. The pods
    run until the test opens the gate (the returned path)."""
    gate = tmp_path / "gate"
    script = tmp_path / "k8s_orchestrator.py"
    script.write_text(
        RESUMABLE.format(
            tests=str(TESTS),
            kubeconfig=cluster.kubeconfig,
            namespace=cluster.namespace,
            gate=str(gate),
        )
    )
    env = {**os.environ, "DAGWELL_PROGRESS": "0"}
    proc = subprocess.Popen([sys.executable, str(script)], env=env)
    wait_for(lambda: len(running_step_pods(cluster)) == 2, 60, "two running pods")

    def both_recorded_running() -> bool:
        try:
            run = Client().get_run("latest")
        except Exception:
            return False
        return [s.status for s in run.steps.values()] == [StepStatus.RUNNING] * 2

    # the orchestrator records in batches: kill it once the record says "running", or the
    # pods are (rightly) swept as launched-but-unrecorded and their steps end "skipped"
    wait_for(both_recorded_running, 60, "both steps recorded running")
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    return env, gate


def test_a_resumed_run_adopts_pods_that_still_run(cluster, tmp_path):
    _, gate = orphan_a_kubernetes_run(cluster, tmp_path)
    names_before = sorted(p["metadata"]["name"] for p in running_step_pods(cluster))
    assert len(names_before) == 2  # the orchestrator is dead, its pods run on
    requests_before = cluster.proxy.count("GET", "/pods$")

    def open_once_resumed_is_watching():
        # the resumed orchestrator lists, then watches: only then may the pods end
        wait_for(
            lambda: cluster.proxy.count("GET", "/pods$") >= requests_before + 2,
            60,
            "the resumed run to list and watch its pods",
        )
        gate.touch()

    thread = threading.Thread(target=open_once_resumed_is_watching)
    thread.start()
    run = Client().resume_run("latest", progress=False)
    thread.join()
    assert run.status is RunStatus.COMPLETED
    assert all(len(s.attempts) == 1 for s in run.steps.values())  # adopted, not re-run
    assert sorted(a.external_id for s in run.steps.values() for a in s.attempts) == names_before
    assert_nothing_left(cluster)


def test_stopping_an_orphaned_kubernetes_run_deletes_its_pods(cluster, tmp_path):
    env, _ = orphan_a_kubernetes_run(cluster, tmp_path)  # the gate stays shut: still running
    out = subprocess.run(
        [sys.executable, "-m", "dagwell", "runs", "stop", "latest"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    run = Client().get_run("latest")
    assert run.status is RunStatus.CANCELLED
    assert {s.status for s in run.steps.values()} == {StepStatus.CANCELLED}
    assert_nothing_left(cluster)


def test_admission_uses_the_namespace_resource_quota(home, kube):
    quota = {"metadata": {"name": "team-quota"}, "spec": {"hard": {"requests.memory": "1Gi"}}}
    cluster = kube(nodes={"node-a": "4GB"}, quotas=[quota])
    sleeper(cluster, "someone-else", "512Mi")  # the quota controller counts it: 512Mi left
    small = workloads.nap.with_options(resources=ResourceSettings(memory="300Mi"))

    @pipeline(enable_cache=False)
    def p():
        for _ in range(3):
            small(0.5)

    run = p.with_options(orchestrator=orchestrator(cluster))()
    assert run.orchestrator["node_memory"] == 512 * 2**20
    assert "ResourceQuota team-quota" in run.orchestrator["runtime"]["budget"]
    spans = sorted((a.started_at, a.ended_at) for s in run.steps.values() for a in s.attempts)
    overlaps = sum(1 for (_s1, e1), (s2, _e2) in itertools.pairwise(spans) if s2 < e1)
    assert overlaps == 0  # 300Mi each in a 512Mi budget: one at a time
    assert_nothing_left(cluster)


def test_stopping_a_live_kubernetes_run_deletes_its_pods(cluster):
    result = {}

    def run_it():
        result["run"] = outcome(
            lambda: workloads.sleepy.with_options(orchestrator=orchestrator(cluster))(
                count=3, seconds=30
            )
        )

    thread = threading.Thread(target=run_it)
    thread.start()
    wait_for(
        lambda: sum(p.get("status", {}).get("phase") == "Running" for p in cluster.pods()) == 3,
        30,
        "three running pods",
    )
    Client().stop_run("latest")
    thread.join(60)
    run = result["run"]
    assert run.status is RunStatus.CANCELLED
    assert {s.status for s in run.steps.values()} == {StepStatus.CANCELLED}
    assert all(s.attempts[-1].failure.kind is FailureKind.CANCELLED for s in run.steps.values())
    assert_nothing_left(cluster)


def test_no_watch_thread_outlives_its_runtime(cluster, home):
    """Regression: close() left the watch thread blocked in a read; when the process then
    exited, the interpreter could crash (a CLI `runs stop` died with SIGSEGV under load)."""
    from dagwell.core.home import resolve_home

    runtime = orchestrator(cluster).open_runtime("idle0000run", resolve_home(), {})
    wait_for(lambda: cluster.proxy.count("GET", "/pods$") >= 2, 30, "list, then a watch")
    time.sleep(0.3)  # the watch is now blocked: no pod of this run will ever change
    runtime.close()
    assert not runtime.watch_thread.is_alive()


def test_steps_whose_ids_differ_only_in_punctuation_or_case_each_get_their_pod(cluster):
    """Regression: a.b, a_b and A-B all became pod ...-a-b-1-...; the real API server
    answered 409 to the second and third, taken for their own pods: they lost an attempt."""

    @pipeline(enable_cache=False)
    def alike():
        for step_id in ("a.b", "a_b", "A-B"):
            workloads.nap(0.2, id=step_id)

    run = alike.with_options(orchestrator=orchestrator(cluster))()
    assert run.status is RunStatus.COMPLETED
    assert {s: len(run.steps[s].attempts) for s in run.steps} == {"a.b": 1, "a_b": 1, "A-B": 1}
    assert all(run.steps[s].attempts[0].failure is None for s in run.steps)
    assert len({a.external_id for s in run.steps.values() for a in s.attempts}) == 3
    assert_nothing_left(cluster)


def test_a_quota_that_refuses_pods_makes_steps_wait_not_fail(home, kube, tmp_path):
    """Regression: the ResourceQuota admission's 403 "exceeded quota" at pod creation was
    taken as final; it is a capacity signal: the step waits for quota and runs later."""
    cluster = kube(
        nodes={"node-a": "4GB"},
        quotas=[{"metadata": {"name": "one-pod"}, "spec": {"hard": {"pods": "1"}}}],
    )
    notes: set[str] = set()
    done = threading.Event()
    gate = tmp_path / "gate"

    def watch_notes():
        while not done.wait(0.2):
            try:
                run = Client().get_run("latest")
            except Exception:
                continue
            notes.update(s.note for s in run.steps.values() if s.note)
            if any("waiting for quota" in n for n in notes):
                gate.touch()  # seen waiting: the one pod the quota admits may end

    thread = threading.Thread(target=watch_notes)
    thread.start()
    try:
        run = workloads.gated_steps.with_options(orchestrator=orchestrator(cluster))(
            str(gate), count=3
        )
    finally:
        done.set()
        thread.join()
    assert run.status is RunStatus.COMPLETED
    assert all(len(s.attempts) == 1 and s.attempts[0].failure is None for s in run.steps.values())
    assert cluster.proxy.count("POST", "/pods$", 403) >= 1  # the quota did refuse some
    assert any("waiting for quota" in n and "exceeded quota: one-pod" in n for n in notes), notes
    assert not any(s.note and "quota" in s.note for s in run.steps.values())  # cleared
    assert_nothing_left(cluster)


def test_graceful_node_shutdown_is_node_lost(home, kube, tmp_path):
    """Regression: a pod ended by graceful node shutdown was classified evicted."""
    cluster = kube(nodes={"node-a": "2GB", "node-b": "2GB"})
    gate = tmp_path / "gate"

    def shut_down_its_node():
        [pod] = wait_for(lambda: running_step_pods(cluster), 60, "a running pod")
        cluster.kubelet.shutdown_node(pod["spec"]["nodeName"])
        gone(cluster, pod["metadata"]["name"])
        gate.touch()

    thread = threading.Thread(target=shut_down_its_node)
    thread.start()
    run = workloads.gated_steps.with_options(orchestrator=orchestrator(cluster))(str(gate))
    thread.join()
    first, second = run.steps["gated"].attempts
    assert first.failure.kind is FailureKind.NODE_LOST and first.budget == "infra"
    assert "node shutdown" in first.failure.message
    assert second.failure is None and run.status is RunStatus.COMPLETED
    assert_nothing_left(cluster)


def test_a_pod_found_by_its_labels_is_named_with_its_end(cluster, home):
    """An attempt recorded before its pod had a name (``after=``) whose orchestrator died:
    the next one finds the pod by its labels. Before: a pod that had ended by then (or ran
    and ended between two looks) had its end told without its name, so the attempt's
    record never named its pod (seen as a flaky test_kubernetes_detached under load)."""
    from dagwell.core.home import resolve_home
    from dagwell.runtimes.base import AttemptExited, AttemptSpec
    from dagwell.runtimes.locator import Locator

    orch = orchestrator(cluster)
    spec = AttemptSpec(
        "0123456789ab", "b", "b", 1, Locator("no_such_module", "b"), {}, {}, (),
        str(home / "artifacts"), "attempts/0123456789ab/b.1.json",
    )  # fmt: skip
    first = orch.open_runtime(spec.run_id, resolve_home(), {})
    name = first.launch(spec, None)  # (then it "dies": its runtime is never used again)

    def ended() -> bool:
        [pod] = [p for p in step_pods(cluster) if p["metadata"]["name"] == name]
        return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")

    wait_for(ended, 60, "the pod to end")
    second = orch.open_runtime(spec.run_id, resolve_home(), {})
    try:
        assert second.recover(spec, None, None) is None  # found by its labels
        events = second.wait(5.0)
        [end] = [e for e in events if isinstance(e, AttemptExited)]
        assert end.external_id == name
    finally:
        second.close()
        first.close()


def test_a_step_pod_is_not_held_by_a_finalizer_that_blocks(cluster):
    """Before: a step pod's process ended through the interpreter's shutdown, which freed
    what the step returned or raised after its manifest was written: its __del__ held the
    pod, and the attempt failed as timeout."""
    run = outcome(workloads.lingering_values.with_options(orchestrator=orchestrator(cluster)))
    (returned,) = run.steps["returns_a_lingering_value"].attempts
    assert returned.failure is None, returned.failure
    (raised,) = run.steps["raises_a_lingering_error"].attempts
    assert raised.failure is not None and raised.failure.kind is FailureKind.USER_ERROR
    assert "lingering" in raised.failure.message
    for attempt in (returned, raised):
        assert (attempt.ended_at - attempt.started_at).total_seconds() < 10
    assert_nothing_left(cluster)
