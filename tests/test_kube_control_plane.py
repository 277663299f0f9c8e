"""The real control plane and the kwok-style kubelet speak Kubernetes as dagwell relies on:
driven with lightkube (through dagwell.kubernetes.api), answered by the genuine
kube-apiserver, bound by the genuine kube-scheduler, counted by the quota controller."""

from __future__ import annotations

import threading

import pytest

from dagwell.kubernetes.api import KubeApi, KubeConflict, KubeGone
from dagwell.testing.kube.rest import RestError
from helpers import wait_for

pytestmark = pytest.mark.kube


def pod(name, command="import time; time.sleep(30)", memory=None, finalizers=None, labels=None):
    resources = {"requests": {"memory": memory}, "limits": {"memory": memory}} if memory else {}
    meta = {"name": name, "labels": labels or {}}
    if finalizers:
        meta["finalizers"] = finalizers
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 5,
            "containers": [
                {
                    "name": "main",
                    "image": "local",
                    "command": ["python", "-c", command],
                    "resources": resources,
                }
            ],
        },
    }


def phase(cluster, name):
    return ((cluster.pod(name) or {}).get("status") or {}).get("phase")


def test_it_is_the_real_kubernetes(control_plane):
    assert control_plane.version() == "v1.20.2"
    assert control_plane.etcd_version().startswith("3.4.")  # Debian 12's etcd-server
    assert set(control_plane.processes) == {
        "etcd",
        "kube-apiserver",
        "kube-scheduler",
        "kube-controller-manager",
    }
    assert all(p.poll() is None for p in control_plane.processes.values())


def test_the_scheduler_binds_and_the_kubelet_runs_reports_and_serves_logs(kube):
    cluster = kube(nodes={"n1": "1GB"})
    api = KubeApi(namespace=cluster.namespace, kubeconfig=cluster.kubeconfig)
    try:
        api.create_pod(pod("hello", "print('hello from the pod')"))
        wait_for(lambda: phase(cluster, "hello") == "Succeeded", 30, "the pod to succeed")
        done = api.get_pod("hello")
        assert done is not None
        assert done["spec"]["nodeName"] == "n1"  # bound by kube-scheduler
        terminated = done["status"]["containerStatuses"][0]["state"]["terminated"]
        assert terminated["exitCode"] == 0 and terminated["reason"] == "Completed"
        # pods/log goes through the API server to the kubelet's HTTPS endpoint
        assert b"hello from the pod" in b"".join(api.stream_pod_log("hello", follow=False))
        with pytest.raises(KubeConflict):
            api.create_pod(pod("hello"))
    finally:
        api.close()


def test_insufficient_memory_is_the_schedulers_own_message(kube):
    cluster = kube(nodes={"n1": "500MB"})
    cluster.create("pods", pod("big", memory="600M"))

    def message():
        conditions = ((cluster.pod("big") or {}).get("status") or {}).get("conditions") or []
        return next(
            (c.get("message") for c in conditions if c.get("reason") == "Unschedulable"), None
        )

    text = wait_for(message, 30, "the scheduler's verdict")
    assert text == "0/1 nodes are available: 1 Insufficient memory."


def test_watch_graceful_deletion_and_finalizers(kube):
    cluster = kube(nodes={"n1": "1GB"})
    api = KubeApi(namespace=cluster.namespace, kubeconfig=cluster.kubeconfig)
    events = []
    _, version = api.list_pods({"app": "w"})

    def watch():
        for kind, obj in api.watch_pods({"app": "w"}, version):
            events.append((kind, obj["metadata"]["name"], obj.get("status", {}).get("phase")))
            if kind == "DELETED":
                return

    thread = threading.Thread(target=watch)
    thread.start()
    try:
        api.create_pod(pod("held", finalizers=["dagwell.io/record-status"], labels={"app": "w"}))
        wait_for(lambda: phase(cluster, "held") == "Running", 30, "running")
        api.delete_pod("held")  # graceful: the kubelet sends SIGTERM, reports, deletes
        wait_for(lambda: phase(cluster, "held") == "Failed", 30, "the terminal status")
        held = cluster.pod("held")
        assert held["metadata"]["deletionTimestamp"]  # the finalizer holds the evidence
        state = held["status"]["containerStatuses"][0]["state"]["terminated"]
        assert state["exitCode"] == 143  # SIGTERM
        api.remove_finalizer("held", "dagwell.io/record-status")
        wait_for(lambda: cluster.pod("held") is None, 30, "the pod to go")
        thread.join(10)
        assert ("DELETED", "held", "Failed") in events
    finally:
        api.interrupt_watch()
        thread.join(5)
        api.close()


def test_a_real_410_after_compaction(kube):
    cluster = kube(nodes={"n1": "1GB"})
    api = KubeApi(namespace=cluster.namespace, kubeconfig=cluster.kubeconfig)
    try:
        _, version = api.list_pods({})
        cluster.compact()
        with pytest.raises(KubeGone):
            next(iter(api.watch_pods({}, version)))
    finally:
        api.close()


def test_the_quota_admission_and_controller_are_real(kube):
    quota = {"metadata": {"name": "q"}, "spec": {"hard": {"pods": "1"}}}
    cluster = kube(nodes={"n1": "1GB"}, quotas=[quota])
    cluster.create("pods", pod("first"))
    with pytest.raises(RestError) as refused:
        cluster.create("pods", pod("second"))
    assert refused.value.code == 403 and "exceeded quota: q" in refused.value.message
    wait_for(
        lambda: (
            cluster.rest.get(f"/api/v1/namespaces/{cluster.namespace}/resourcequotas/q")
            .get("status", {})
            .get("used", {})
            .get("pods")
            == "1"
        ),
        30,
        "the quota controller to count the pod",
    )


def test_nothing_is_left_after_a_cluster_stops(control_plane, tmp_path):
    """Regression: the test cluster's stop() left an empty cpu cgroup (cgroup v1) every
    time. A node that joined mid-test goes too: its Node object and its cgroup."""
    from dagwell.testing.kube import KubeCluster

    cluster = KubeCluster(control_plane, {"n1": "1GB"}, workdir=tmp_path / "a").start()
    cluster.add_node("joined", "1GB")
    with pytest.raises(ValueError, match="already in this cluster"):
        cluster.add_node("n1", "2GB")  # would replace a node pods may be running on
    setup = cluster.setup
    nodes = {n["metadata"]["name"] for n in control_plane.rest.get("/api/v1/nodes")["items"]}
    assert nodes == {"n1", "joined"}
    assert setup.base is None or (setup.base / "node-joined").is_dir()
    cluster.stop()
    for base in (setup.base, setup.cpu_base):
        assert base is None or not base.exists(), base
    assert control_plane.rest.get("/api/v1/nodes")["items"] == []


def test_the_scheduler_preempts_for_a_higher_priority(kube):
    cluster = kube(nodes={"n1": "1GB"})
    cluster.rest.create(
        "/apis/scheduling.k8s.io/v1/priorityclasses",
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": f"high-{cluster.namespace}"},
            "value": 1000,
        },
    )
    try:
        cluster.create("pods", pod("low", memory="700M"))
        wait_for(lambda: phase(cluster, "low") == "Running", 30, "the low-priority pod to run")
        high = pod("high", memory="700M")
        high["spec"]["priorityClassName"] = f"high-{cluster.namespace}"
        cluster.create("pods", high)
        wait_for(lambda: phase(cluster, "high") == "Running", 60, "the preemptor to run")
        assert cluster.pod("low") is None  # preempted: deleted, terminated, gone
    finally:
        cluster.rest.delete(f"/apis/scheduling.k8s.io/v1/priorityclasses/high-{cluster.namespace}")
