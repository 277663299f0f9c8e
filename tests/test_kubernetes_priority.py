"""Priorities on Kubernetes: dagwell admits higher-priority steps first when memory is
short, maps ``priority_class`` to ``priorityClassName``, and records a pod preempted by
kube-scheduler ``preempted`` and retries it (the real control plane, v1.20.2: its scheduler
deletes the victim and records a ``Preempted`` event, no condition); and ``scale_up``: a
step no node fits pends with the real scheduler's message until a node joins
(``KubeCluster.add_node``, as a cluster autoscaler adds one)."""

from __future__ import annotations

import sys
import threading

import pytest

import workloads
from dagwell import KubernetesOrchestrator, ResourceSettings, pipeline
from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus
from dagwell.kubernetes.settings import PodSettings
from dagwell.testing.kube import Fault
from helpers import outcome, wait_for

pytestmark = pytest.mark.kube


@pytest.fixture
def plane(home, kube):
    cluster = kube(nodes={"node-a": "1400MB"})
    names = {level: f"{level}-{cluster.namespace}" for level in ("low", "high")}
    for level, value in (("low", 10), ("high", 1000)):
        cluster.rest.create(
            "/apis/scheduling.k8s.io/v1/priorityclasses",
            {
                "apiVersion": "scheduling.k8s.io/v1",
                "kind": "PriorityClass",
                "metadata": {"name": names[level]},
                "value": value,
            },
        )
    cluster.classes = names
    yield cluster
    for name in names.values():
        cluster.rest.delete(f"/apis/scheduling.k8s.io/v1/priorityclasses/{name}")


@pytest.fixture
def cluster(home, kube):
    return kube(nodes={"node-a": "1400MB"})


def orchestrator(cluster, **options):
    options.setdefault("resync_interval", 2)
    return KubernetesOrchestrator(
        kubeconfig=cluster.kubeconfig, namespace=cluster.namespace, image="local", **options
    )


def test_higher_priority_steps_are_admitted_first_when_memory_is_short(plane, tmp_path):
    cluster = plane
    ledger = tmp_path / "ledger"
    big = workloads.quick.with_options(resources=ResourceSettings(memory="800MB"))

    @pipeline(enable_cache=False)
    def ranked():
        big.with_options(priority=0)(str(ledger), "low", id="low")
        big.with_options(priority=1)(str(ledger), "mid", id="mid")
        big.with_options(priority=5)(str(ledger), "high", id="high")

    run = ranked.with_options(orchestrator=orchestrator(cluster))()
    assert run.status is RunStatus.COMPLETED
    assert ledger.read_text().split() == ["high", "mid", "low"]


def test_a_preempted_pod_is_recorded_preempted_and_retried(plane, tmp_path):
    cluster = plane
    gate = tmp_path / "gate"  # the low step runs until the tenant has preempted it
    low = workloads.gated.with_options(
        resources=ResourceSettings(memory="1000MB"),
        settings={"kubernetes": PodSettings(priority_class=plane.classes["low"])},
    )

    @pipeline(enable_cache=False)
    def preemptible():
        low(str(gate), id="low")

    result: list = []
    thread = threading.Thread(
        target=lambda: result.append(
            outcome(preemptible.with_options(orchestrator=orchestrator(cluster)))
        )
    )
    thread.start()
    wait_for(cluster.kubelet.running_pods, 120, "the low-priority pod to run")
    [pod] = cluster.pods()
    assert pod["spec"]["priorityClassName"] == plane.classes["low"]
    # Regression: one failed look-up of the events (or an event the scheduler had not
    # written yet) recorded the preemption as the step's own failure, once for all.
    cluster.proxy.inject(Fault(status=503, count=2, method="GET", path="/events$"))
    cluster.create(
        "pods",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "tenant"},
            "spec": {
                "priorityClassName": plane.classes["high"],
                "restartPolicy": "Never",
                "containers": [
                    {
                        "name": "main",
                        "image": "local",
                        "command": [sys.executable, "-c", "import time; time.sleep(1)"],
                        "resources": {"requests": {"memory": "1000M"}},
                    }
                ],
            },
            "status": {"phase": "Pending"},
        },
    )
    wait_for(
        lambda: (cluster.pod("tenant") or {}).get("status", {}).get("phase") == "Succeeded",
        120,
        "the tenant to preempt the step and run",
    )
    gate.touch()
    thread.join(240)
    assert not thread.is_alive()
    [run] = result
    assert run.status is RunStatus.COMPLETED, run.summary()
    first, *_, last = run.steps["low"].attempts
    assert first.failure.kind is FailureKind.PREEMPTED and first.budget == "infra"
    assert "tenant" in first.failure.message, first.failure
    assert cluster.proxy.count("GET", "/events$", 503) == 2  # looked up again after each
    assert last.status.value == "completed"
    tenant = cluster.pod("tenant")
    assert tenant["status"]["phase"] == "Succeeded"


def test_scale_up_submits_a_step_no_node_fits_and_it_runs_once_a_node_joins(cluster, tmp_path):
    ledger = tmp_path / "ledger"
    huge = workloads.quick.with_options(resources=ResourceSettings(memory="2GB"))

    @pipeline(enable_cache=False)
    def grows():
        huge(str(ledger), "huge", id="huge")

    scaling = orchestrator(cluster, scale_up=True)
    result: list = []
    thread = threading.Thread(
        target=lambda: result.append(outcome(grows.with_options(orchestrator=scaling)))
    )
    thread.start()
    pending = wait_for(
        lambda: [p for p in cluster.pods() if "Insufficient memory" in str(p.get("status"))],
        120,
        "the pod to pend for memory",
    )
    assert pending, "without a node that fits, the pod is still submitted"
    assert not cluster.kubelet.running_pods()  # nothing ran before the node joined
    cluster.add_node("node-big", "3GB")
    thread.join(240)
    [run] = result
    assert run.status is RunStatus.COMPLETED, run.summary()
    assert run.steps["huge"].attempts[-1].node == "node-big"


def test_scale_up_keeps_the_scheduler_message_when_the_wait_runs_out(cluster, tmp_path):
    huge = workloads.quick.with_options(resources=ResourceSettings(memory="2GB"))

    @pipeline(enable_cache=False, infra_retries=0)
    def grows():
        huge(str(tmp_path / "ledger"), "huge", id="huge")

    scaling = orchestrator(cluster, scale_up=True, pending_timeout=3)
    run = outcome(grows.with_options(orchestrator=scaling))
    assert run.status is RunStatus.FAILED
    failure = run.steps["huge"].attempts[-1].failure
    assert failure.kind is FailureKind.UNSCHEDULABLE
    assert "Insufficient memory" in failure.message and "stayed pending" in failure.message
    # without scale_up the same step fails fast, before any pod is created
    fast = outcome(grows.with_options(orchestrator=orchestrator(cluster)))
    step = fast.steps["huge"]
    assert fast.status is RunStatus.FAILED and not step.attempts
    assert "largest node" in step.note
