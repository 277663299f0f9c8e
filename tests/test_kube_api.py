"""dagwell's Kubernetes API layer (lightkube) against the real control plane: selectors,
watches, conflicts, faults through the proxy, concurrent first calls."""

import threading

import pytest

from dagwell.kubernetes.api import KubeApi, KubeConflict, KubeError, with_retries
from dagwell.testing.kube import Fault

pytestmark = pytest.mark.kube


@pytest.fixture
def cluster(kube):
    return kube(nodes={"n1": "1GB"}, cgroups="none")


def pod(name, labels=None, finalizers=None, image="missing/never"):
    meta = {"name": name, "labels": labels or {}}
    if finalizers:
        meta["finalizers"] = finalizers
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"containers": [{"name": "c", "image": image}], "restartPolicy": "Never"},
    }


def test_create_list_watch_with_selectors_and_versions(cluster):
    api = KubeApi(namespace=cluster.namespace, kubeconfig=cluster.kubeconfig)
    created = api.create_pod(pod("a", {"run": "1"}))
    assert created["metadata"]["uid"] and created["metadata"]["resourceVersion"]
    with pytest.raises(KubeConflict):
        api.create_pod(pod("a", {"run": "1"}))
    api.create_pod(pod("b", {"run": "2"}))
    items, version = api.list_pods({"run": "1"})
    assert [p["metadata"]["name"] for p in items] == ["a"]
    events = []

    def watch():
        for kind, obj in api.watch_pods({"run": "1"}, version):
            events.append((kind, obj["metadata"]["name"]))
            if kind == "DELETED":
                return

    thread = threading.Thread(target=watch)
    thread.start()
    api.create_pod(pod("c", {"run": "1"}))
    api.create_pod(pod("d", {"run": "2"}))  # not selected
    api.delete_pod("c")
    thread.join(30)
    assert ("ADDED", "c") in events and ("DELETED", "c") in events
    assert all(name != "d" for _, name in events)
    api.close()


def test_injected_faults_and_retries(cluster):
    api = KubeApi(namespace=cluster.namespace, kubeconfig=cluster.kubeconfig)
    cluster.proxy.inject(Fault(status=503, count=2, method="GET"))
    with pytest.raises(KubeError) as info:
        api.list_pods({})
    assert info.value.temporary and info.value.code == 503
    items, _ = with_retries(lambda: api.list_pods({}), what="list", sleep=lambda s: None)
    assert items == []
    cluster.proxy.inject(Fault(status=403, count=1, method="POST"))
    with pytest.raises(KubeError) as forbidden:
        with_retries(lambda: api.create_pod(pod("x")), what="create", sleep=lambda s: None)
    assert not forbidden.value.temporary
    cluster.proxy.inject(Fault(drop=True, count=1, method="GET"))
    with pytest.raises(KubeError) as dropped:
        api.list_pods({})
    assert dropped.value.temporary
    api.close()


def test_image_pull_failures_are_reported_in_the_real_format(cluster):
    api = KubeApi(namespace=cluster.namespace, kubeconfig=cluster.kubeconfig)
    api.create_pod(pod("img"))
    from dagwell.kubernetes import classify_pod
    from helpers import wait_for

    verdict = wait_for(
        lambda: (v := classify_pod(api.get_pod("img"))).failure and v, 30, "an image pull failure"
    )
    assert verdict.failure.kind.value == "image_pull"
    api.close()


RACE = """
import sys, threading
from dagwell.kubernetes.api import KubeApi
api = KubeApi(namespace=sys.argv[2], kubeconfig=sys.argv[1])
barrier = threading.Barrier(6)
def call(i):
    barrier.wait()  # every thread's first call at the same moment
    for _ in range(3):
        api.list_pods({"a": "b"}) if i % 2 else api.get_pod("p0")
threads = [threading.Thread(target=call, args=(i,)) for i in range(6)]
[t.start() for t in threads]
[t.join() for t in threads]
"""


@pytest.mark.timeout(300)  # ten fresh interpreters one after another: ~15 s idle
def test_concurrent_first_api_calls_do_not_crash(cluster, tmp_path):
    """Regression: two threads' first lightkube calls decoded at once and crashed the
    interpreter with SIGSEGV (27 of 30 fresh processes; `dagwell runs stop` under load)."""
    import subprocess
    import sys

    for i in range(3):
        cluster.create("pods", pod(f"p{i}", {"a": "b"}))
    script = tmp_path / "race.py"
    script.write_text(RACE)
    codes = [
        subprocess.run(
            [sys.executable, str(script), cluster.kubeconfig, cluster.namespace],
            capture_output=True,
            timeout=60,
        ).returncode
        for _ in range(10)
    ]
    assert codes == [0] * 10
