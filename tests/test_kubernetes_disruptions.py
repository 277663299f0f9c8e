"""What others do to a run's pods and nodes, against the real control plane: a node
drained (``kubectl drain``: cordon, then the eviction API), a pod deleted by a user, a
pod that is scheduled but never starts. Each attempt must end with its true kind."""

from __future__ import annotations

import threading
import time

import pytest

import workloads
from dagwell import pipeline
from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus
from helpers import outcome, wait_for
from test_kubernetes import assert_nothing_left, gone, orchestrator, running_step_pods

pytestmark = pytest.mark.kube


@pytest.fixture
def cluster(home, kube):
    return kube(nodes={"node-a": "1400MB"})


def drain(cluster, node: str) -> None:
    """What ``kubectl drain NODE`` does: cordon it, then evict each pod on it through the
    eviction API (policy/v1beta1 on Kubernetes 1.20), which deletes it gracefully."""
    cluster.rest.merge_patch(f"/api/v1/nodes/{node}", {"spec": {"unschedulable": True}})
    for pod in cluster.pods():
        if pod["spec"].get("nodeName") == node:
            name = pod["metadata"]["name"]
            cluster.create(
                f"pods/{name}/eviction",
                {
                    "apiVersion": "policy/v1beta1",
                    "kind": "Eviction",
                    "metadata": {"name": name, "namespace": cluster.namespace},
                },
            )


def _run_disrupting_its_pod(cluster, tmp_path, disrupt):
    """Run a gated step; once its pod runs, ``disrupt(pod)``, wait until the pod is gone,
    then open the gate (so the retry can finish). The run."""
    gate = tmp_path / "gate"

    def disrupt_its_pod():
        [pod] = wait_for(lambda: running_step_pods(cluster), 60, "a running pod")
        disrupt(pod)
        gone(cluster, pod["metadata"]["name"])
        gate.touch()

    thread = threading.Thread(target=disrupt_its_pod)
    thread.start()
    try:
        return workloads.gated_steps.with_options(orchestrator=orchestrator(cluster))(str(gate))
    finally:
        thread.join()


def test_a_drained_nodes_pod_is_evicted_and_retried_from_the_infrastructure_budget(
    home, kube, tmp_path
):
    """Regression: a pod evicted by ``kubectl drain`` was recorded ``lost`` (Kubernetes
    before 1.26 marks no DisruptionTarget on it: the eviction API only deletes it), as if
    it had vanished; its node, cordoned, said why."""
    cluster = kube(nodes={"node-a": "2GB", "node-b": "2GB"})
    run = _run_disrupting_its_pod(
        cluster, tmp_path, lambda pod: drain(cluster, pod["spec"]["nodeName"])
    )
    first, second = run.steps["gated"].attempts
    assert first.failure.kind is FailureKind.EVICTED and first.budget == "infra"
    assert "drain" in first.failure.message and first.node in first.failure.message
    assert second.failure is None and second.node != first.node
    assert run.status is RunStatus.COMPLETED
    assert_nothing_left(cluster)


def test_a_pod_a_user_deletes_on_a_schedulable_node_is_lost(cluster, tmp_path):
    """The other side of the drain: a pod deleted by hand (its node schedulable) is
    ``lost``, not ``evicted``."""
    run = _run_disrupting_its_pod(
        cluster, tmp_path, lambda pod: cluster.delete_pod(pod["metadata"]["name"])
    )
    first, second = run.steps["gated"].attempts
    assert first.failure.kind is FailureKind.LOST and first.budget == "infra"
    assert second.failure is None and run.status is RunStatus.COMPLETED
    assert_nothing_left(cluster)


def test_a_pod_whose_secret_volume_is_missing_fails_fast_with_the_kubelets_words(cluster):
    """Regression: a pod bound to its node whose Secret volume does not exist stays
    ContainerCreating for good (the kubelet says why only in FailedMount events): the
    attempt waited out pending_timeout and ended ``unschedulable``, "never scheduled",
    though it was scheduled, and a retry could not cure it."""
    needs_secret = workloads.nap.with_options(
        settings={
            "kubernetes": {
                "volumes": [{"name": "creds", "secret": {"secretName": "missing-creds"}}],
                "volume_mounts": [{"name": "creds", "mountPath": "/creds"}],
            }
        }
    )

    @pipeline(enable_cache=False)
    def p():
        needs_secret(0.1)

    started = time.monotonic()
    run = outcome(p.with_options(orchestrator=orchestrator(cluster, pending_timeout=60)))
    assert time.monotonic() - started < 40
    [attempt] = run.steps["nap"].attempts
    assert attempt.failure.kind is FailureKind.CONFIG_ERROR, attempt.failure
    assert 'secret "missing-creds" not found' in attempt.failure.message
    assert "FailedMount" in attempt.failure.message and "PodSettings" in attempt.failure.message
    assert run.status is RunStatus.FAILED
    assert_nothing_left(cluster)


def test_a_pod_whose_node_is_deleted_ends_node_lost_and_is_retried(home, kube, tmp_path):
    """A node whose machine is gone (cut off, then its Node object deleted, as a cloud
    controller does): its pod shows Running for ever (no kubelet, no pod GC deletes it
    on 1.20 here); the attempt must end ``node_lost``, saying the node is gone, and run
    again on another node."""
    cluster = kube(nodes={"node-a": "2GB", "node-b": "2GB"})

    def lose_its_node(pod):
        node = pod["spec"]["nodeName"]
        cluster.kubelet.partition_node(node)
        cluster.rest.delete(f"/api/v1/nodes/{node}")
        wait_for(lambda: cluster.pod(pod["metadata"]["name"]) is None, 60, "the pod let go")

    gate = tmp_path / "gate"

    def disrupt():
        [pod] = wait_for(lambda: running_step_pods(cluster), 60, "a running pod")
        lose_its_node(pod)
        gate.touch()

    thread = threading.Thread(target=disrupt)
    thread.start()
    try:
        run = workloads.gated_steps.with_options(
            orchestrator=orchestrator(cluster, resync_interval=1, node_lost_timeout=3)
        )(str(gate))
    finally:
        thread.join()
    first, second = run.steps["gated"].attempts
    assert first.failure.kind is FailureKind.NODE_LOST and first.budget == "infra"
    assert "gone from the cluster" in first.failure.message, first.failure.message
    assert second.failure is None and second.node != first.node
    assert run.status is RunStatus.COMPLETED
    assert_nothing_left(cluster)
