"""Hostile conditions on the Kubernetes path, against the real control plane: the API
server unreachable or refusing mid-run, a node that goes silent, a namespace whose
LimitRange the pods run into. Each run must end, and end with the truth and the fix (see
DESIGN.md, "Never hang")."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

import workloads
from dagwell import StepRetryConfig, pipeline
from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus
from dagwell.testing.kube import Fault
from helpers import outcome, wait_for
from test_kubernetes import assert_nothing_left, orchestrator, running_step_pods

pytestmark = pytest.mark.kube


@pytest.fixture
def cluster_a(home, kube):
    return kube(nodes={"node-a": "1400MB"})


def unreachable(cluster, seconds: float) -> None:
    """Every request of dagwell's is dropped unanswered (its watch streams cut) for
    ``seconds``, as while the API server restarts or its load balancer fails over. The
    kubelet reaches the API server directly and goes on reporting."""
    fault = Fault(drop=True, count=10**9)
    cluster.proxy.inject(fault)
    cluster.proxy.break_watches()
    time.sleep(seconds)
    fault.count = 0


def test_the_api_unreachable_longer_than_a_resync_retries_does_not_end_the_run(
    home, kube, tmp_path
):
    """Regression: a re-list that failed past its 10 s of retries raised out of the
    runtime's wait into the engine, which stopped the run: it ended ``cancelled`` (its
    steps completed) and the call raised the client's KubeError, though the API was back
    long before ``api_timeout``."""
    cluster = kube(nodes={"node-a": "1400MB"})
    gate = tmp_path / "gate"

    def outage():
        wait_for(lambda: len(running_step_pods(cluster)) == 2, 60, "two running pods")
        unreachable(cluster, 16)  # a re-list every 2 s: one fails its 10 s of retries
        gate.touch()

    thread = threading.Thread(target=outage)
    thread.start()
    try:
        run = outcome(
            lambda: workloads.gated_steps.with_options(
                orchestrator=orchestrator(cluster, resync_interval=2)
            )(str(gate), count=2)
        )
    finally:
        thread.join()
    assert run.status is RunStatus.COMPLETED
    assert all(len(s.attempts) == 1 and s.attempts[0].failure is None for s in run.steps.values())
    assert_nothing_left(cluster)


def test_a_pod_whose_node_goes_silent_ends_node_lost_and_is_retried(home, kube, tmp_path):
    """Regression: a node that stops reporting leaves its pods Running in the API for
    ever when nothing deletes them (they tolerate the unreachable taint, or no taint
    manager runs): the attempt, and so the run, never ended."""
    from dagwell import Client

    cluster = kube(nodes={"node-a": "2GB", "node-b": "2GB"})
    gate = tmp_path / "gate"
    result = {}
    orch = orchestrator(cluster, resync_interval=1, node_lost_timeout=3)

    def drive():
        result["run"] = outcome(
            lambda: workloads.gated_steps.with_options(orchestrator=orch)(str(gate))
        )

    thread = threading.Thread(target=drive)
    thread.start()
    [pod] = wait_for(lambda: running_step_pods(cluster), 60, "a running pod")
    silent = pod["spec"]["nodeName"]
    cluster.kubelet.partition_node(silent)
    try:
        wait_for(
            lambda: [p for p in running_step_pods(cluster) if p["spec"]["nodeName"] != silent],
            60,
            "the next attempt running on the other node",
        )
    finally:
        gate.touch()
        thread.join(60)
        if thread.is_alive():  # (the run hangs: stop it, so the test ends and says so)
            [hung] = Client().list_runs()
            Client().stop_run(hung.id)
            thread.join(60)
    first, second = result["run"].steps["gated"].attempts
    assert first.failure.kind is FailureKind.NODE_LOST and first.budget == "infra"
    assert silent in first.failure.message and "not Ready" in first.failure.message
    assert second.failure is None and result["run"].status is RunStatus.COMPLETED
    assert_nothing_left(cluster)


def test_an_api_that_refuses_to_list_or_watch_the_pods_fails_the_run_fast(cluster_a):
    """Regression: with `list`/`watch` on pods forbidden (a Role without them), the
    attempts waited for the API as for an outage (``api_timeout``, 10 minutes by
    default, then again for each retry) although no answer would ever change."""
    cluster = cluster_a
    cluster.proxy.inject(Fault(status=403, count=10**9, method="GET", path="/pods$"))
    started = time.monotonic()
    run = outcome(
        lambda: workloads.sleepy.with_options(orchestrator=orchestrator(cluster, api_timeout=120))(
            count=1, seconds=30
        )
    )
    assert time.monotonic() - started < 60
    [attempt] = run.steps["nap"].attempts
    assert run.status is RunStatus.FAILED
    assert attempt.failure.kind is FailureKind.CONFIG_ERROR
    assert "403" in attempt.failure.message and "docs/kubernetes.md" in attempt.failure.message
    assert_nothing_left(cluster)


def test_pod_creations_failing_for_minutes_wait_for_the_api_and_spend_no_retry(cluster_a):
    """Regression: a launch whose pod creation kept failing (5xx: an admission webhook
    timing out, an overloaded API server) blocked the engine for a minute of retries and
    then ended the attempt ``lost``, spending the infrastructure budget: an outage of
    three minutes failed the run, though ``api_timeout`` is ten."""
    from dagwell import Client

    cluster = cluster_a
    creations = Fault(status=503, count=10**9, method="POST", path="/pods$")
    cluster.proxy.inject(creations)
    notes: set[str] = set()
    done = threading.Event()

    def watch_then_heal():
        deadline = time.monotonic() + 70  # past a launch's retries, before: a minute
        while not done.wait(0.5) and time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                notes.update(s.note for s in Client().get_run("latest").steps.values() if s.note)
        creations.count = 0

    thread = threading.Thread(target=watch_then_heal)
    thread.start()
    try:
        run = outcome(
            lambda: workloads.sleepy.with_options(orchestrator=orchestrator(cluster))(
                count=1, seconds=0.5
            )
        )
    finally:
        done.set()
        thread.join()
    [attempt] = run.steps["nap"].attempts
    assert attempt.failure is None and run.status is RunStatus.COMPLETED
    assert any("waiting for the Kubernetes API" in n and "503" in n for n in notes), notes
    assert not run.steps["nap"].note  # cleared once the pod was taken
    assert_nothing_left(cluster)


def test_a_limit_range_default_below_the_request_fails_with_the_fix(cluster_a):
    """Regression: in a namespace whose LimitRange gives containers a default memory limit,
    a step without a declared memory was refused (422: its request, dagwell's
    default_memory, above the limit the LimitRange set) with only the API's words, which
    name neither the LimitRange nor what to change."""
    cluster = cluster_a
    cluster.create(
        "limitranges",
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "small-default"},
            "spec": {"limits": [{"type": "Container", "default": {"memory": "100Mi"}}]},
        },
    )
    run = outcome(
        lambda: workloads.sleepy.with_options(orchestrator=orchestrator(cluster))(
            count=1, seconds=0.1
        )
    )
    [attempt] = run.steps["nap"].attempts
    assert run.status is RunStatus.FAILED and attempt.failure.kind is FailureKind.CONFIG_ERROR
    message = attempt.failure.message
    assert "422" in message and "LimitRange" in message
    assert "ResourceSettings(memory=...)" in message and "default_memory" in message
    assert_nothing_left(cluster)


def test_an_oom_kill_at_a_limit_range_default_limit_escalates_from_it(cluster_a):
    """Regression: a step without a declared memory, OOM-killed at the default limit a
    LimitRange gave its pod, was retried at that same limit (dagwell knew of no limit to
    grow under memory_factor) until its retries ran out, told only "it reached its memory
    limit" and to raise max_retries."""
    cluster = cluster_a
    cluster.create(
        "limitranges",
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "small-default"},
            "spec": {"limits": [{"type": "Container", "default": {"memory": "100Mi"}}]},
        },
    )
    hog = workloads.hog.with_options(
        retry=StepRetryConfig(max_retries=2, delay=0.1, memory_factor=4)
    )

    @pipeline(enable_cache=False)
    def p():
        hog(200, 0.1)

    run = outcome(p.with_options(orchestrator=orchestrator(cluster, default_memory="50Mi")))
    first, second = run.steps["hog"].attempts
    assert first.failure.kind is FailureKind.OOM_KILLED and first.memory_limit == 100 * 2**20
    assert "100Mi" in first.failure.message and "LimitRange" in first.failure.message
    assert second.failure is None and second.memory_limit == 400 * 2**20
    assert run.status is RunStatus.COMPLETED
    assert_nothing_left(cluster)


def test_a_pod_the_taint_manager_deletes_for_its_lost_node_is_node_lost(home, kube, tmp_path):
    """Regression: Kubernetes 1.20's taint manager deletes the pods of an unreachable node
    and says so only in a ``TaintManagerEviction`` event (no ``DisruptionTarget`` before
    1.26): the attempt was recorded a bare ``lost``, and its pod, deleted gracefully with no
    kubelet left to confirm it, stayed Terminating in the namespace for good."""
    cluster = kube(nodes={"node-a": "2GB", "node-b": "2GB"})
    gate = tmp_path / "gate"

    def taint_manager():
        [pod] = wait_for(lambda: running_step_pods(cluster), 60, "a running pod")
        meta = pod["metadata"]
        cluster.kubelet.partition_node(pod["spec"]["nodeName"])
        cluster.create(
            "events",
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": f"{meta['name']}.taint"},
                "involvedObject": {
                    "kind": "Pod",
                    "name": meta["name"],
                    "namespace": cluster.namespace,
                    "uid": meta["uid"],
                },
                "reason": "TaintManagerEviction",
                "message": f"Marking for deletion Pod {cluster.namespace}/{meta['name']}",
                "type": "Normal",
                "source": {"component": "taint-controller"},
            },
        )
        cluster.delete_pod(meta["name"])  # graceful, as the taint manager deletes
        gate.touch()

    thread = threading.Thread(target=taint_manager)
    thread.start()
    try:
        run = workloads.gated_steps.with_options(orchestrator=orchestrator(cluster))(str(gate))
    finally:
        thread.join()
    first, second = run.steps["gated"].attempts
    assert first.failure.kind is FailureKind.NODE_LOST and first.budget == "infra"
    assert "taint manager" in first.failure.message
    assert second.failure is None and run.status is RunStatus.COMPLETED
    assert_nothing_left(cluster)


def test_a_finalizer_the_api_would_not_remove_for_a_while_is_removed_later(cluster_a):
    """Regression: when the API failed writes (PATCH) for longer than the 30 s that
    releasing a recorded pod retried, its finalizer stayed: the pod was left Terminating
    in the namespace for good (and kept the namespace from being deleted), and the engine
    stood still for those 30 s."""
    cluster = cluster_a
    patches = Fault(status=503, count=10**9, method="PATCH")
    cluster.proxy.inject(patches)

    @pipeline(enable_cache=False)
    def quick_and_slow():
        workloads.nap(0.5)  # ends, and is released, while the API refuses writes
        workloads.nap(50)  # the run goes on past the outage

    threading.Timer(40, lambda: setattr(patches, "count", 0)).start()
    run = quick_and_slow.with_options(orchestrator=orchestrator(cluster))()
    assert run.status is RunStatus.COMPLETED
    assert cluster.proxy.count("PATCH", "/pods/", 503) >= 2  # refused, then tried again
    assert_nothing_left(cluster)


def test_a_quota_that_never_frees_ends_the_wait_naming_the_quota_and_the_fix(home, kube):
    """Regression: a step whose pod a ResourceQuota kept refusing ended, at
    pending_timeout, as a pod that "stayed pending" (it was never created) with a fix for
    a pod the scheduler cannot place ("add capacity"), not for a quota."""
    from test_kubernetes import sleeper

    cluster = kube(
        nodes={"node-a": "4GB"},
        quotas=[{"metadata": {"name": "one-pod"}, "spec": {"hard": {"pods": "1"}}}],
    )
    sleeper(cluster, "someone-else", "100Mi")  # holds the quota's one pod throughout
    started = time.monotonic()
    run = outcome(
        lambda: workloads.sleepy.with_options(
            orchestrator=orchestrator(cluster, pending_timeout=5)
        )(count=1, seconds=0.1)
    )
    assert time.monotonic() - started < 60
    [attempt] = run.steps["nap"].attempts
    assert run.status is RunStatus.FAILED
    assert attempt.failure.kind is FailureKind.UNSCHEDULABLE
    message = attempt.failure.message
    assert "exceeded quota: one-pod" in message and "never created" in message, message
    assert "ResourceQuota" in message and "stayed pending" not in message
    assert_nothing_left(cluster)
