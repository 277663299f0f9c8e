"""The harness itself speaks the API the way dagwell relies on (driven with lightkube)."""

import threading

import pytest

from dagwell.kubernetes.api import KubeApi, KubeConflict, KubeError, KubeGone, with_retries
from dagwell.testing.kube import Fault, KubeHarness
from dagwell.testing.kube.selectors import parse_selector

pytestmark = pytest.mark.kube


@pytest.fixture
def cluster(tmp_path):
    with KubeHarness(nodes={"n1": "1GB"}, workdir=tmp_path, cgroups="none") as harness:
        yield harness


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


def test_label_selectors():
    match = parse_selector("app=web,tier!=cache,env in (prod, staging),!legacy,gpu")
    assert match({"app": "web", "env": "prod", "gpu": "1"})
    assert not match({"app": "web", "env": "dev", "gpu": "1"})
    assert not match({"app": "web", "env": "prod", "gpu": "1", "legacy": "y"})
    assert not match({"app": "web", "env": "prod", "gpu": "1", "tier": "cache"})
    assert parse_selector("")({"anything": "x"})
    assert parse_selector("x notin (a,b)")({"x": "c"})


def test_create_list_watch_with_selectors_and_versions(cluster):
    api = KubeApi(namespace="default", kubeconfig=cluster.kubeconfig)
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
    thread.join(10)
    assert ("ADDED", "c") in events and ("DELETED", "c") in events
    assert all(name != "d" for _, name in events)
    api.close()


def test_finalizers_hold_deleted_pods(cluster):
    api = KubeApi(namespace="default", kubeconfig=cluster.kubeconfig)
    api.create_pod(pod("held", finalizers=["dagwell.io/record-status"]))
    api.delete_pod("held")
    held = api.get_pod("held")
    assert held is not None and held["metadata"]["deletionTimestamp"]
    api.remove_finalizer("held", "dagwell.io/record-status")
    assert api.get_pod("held") is None
    api.close()


def test_410_for_compacted_versions(cluster):
    api = KubeApi(namespace="default", kubeconfig=cluster.kubeconfig)
    _, version = api.list_pods({})
    cluster.server.store.compact()
    with pytest.raises(KubeGone):
        next(iter(api.watch_pods({}, version)))
    api.close()


def test_injected_faults_and_retries(cluster):
    api = KubeApi(namespace="default", kubeconfig=cluster.kubeconfig)
    cluster.server.inject(Fault(status=503, count=2, method="GET"))
    with pytest.raises(KubeError) as info:
        api.list_pods({})
    assert info.value.temporary and info.value.code == 503
    items, _ = with_retries(lambda: api.list_pods({}), what="list", sleep=lambda s: None)
    assert items == []
    cluster.server.inject(Fault(status=403, count=1, method="POST"))
    with pytest.raises(KubeError) as forbidden:
        with_retries(lambda: api.create_pod(pod("x")), what="create", sleep=lambda s: None)
    assert not forbidden.value.temporary
    cluster.server.inject(Fault(drop=True, count=1, method="GET"))
    with pytest.raises(KubeError) as dropped:
        api.list_pods({})
    assert dropped.value.temporary
    api.close()


def test_image_pull_failures_are_reported_in_the_real_format(cluster):
    api = KubeApi(namespace="default", kubeconfig=cluster.kubeconfig)
    api.create_pod(pod("img"))
    from dagwell.kubernetes import classify_pod
    from helpers import wait_for

    verdict = wait_for(
        lambda: (v := classify_pod(api.get_pod("img"))).failure and v, 10, "an image pull failure"
    )
    assert verdict.failure.kind.value == "image_pull"
    api.close()


RACE = """
import sys, threading
from dagwell.kubernetes.api import KubeApi
api = KubeApi(namespace="default", kubeconfig=sys.argv[1])
barrier = threading.Barrier(6)
def call(i):
    barrier.wait()  # every thread's first call at the same moment
    for _ in range(3):
        api.list_pods({"a": "b"}) if i % 2 else api.get_pod("p0")
threads = [threading.Thread(target=call, args=(i,)) for i in range(6)]
[t.start() for t in threads]
[t.join() for t in threads]
"""


def test_concurrent_first_api_calls_do_not_crash(cluster, tmp_path):
    """Regression: two threads' first lightkube calls decoded at once and crashed the
    interpreter with SIGSEGV (27 of 30 fresh processes; `dagwell runs stop` under load)."""
    import subprocess
    import sys

    for i in range(3):
        cluster.server.store.create("pods", "default", pod(f"p{i}", {"a": "b"}))
    script = tmp_path / "race.py"
    script.write_text(RACE)
    codes = [
        subprocess.run(
            [sys.executable, str(script), cluster.kubeconfig], capture_output=True, timeout=60
        ).returncode
        for _ in range(10)
    ]
    assert codes == [0] * 10
