"""Why a pod someone else deleted was deleted (kubernetes/explain.py), against the real
control plane: a cordoned node explains a deletion nothing else explains (a drain), never
a step's own failure, and is read even when the events cannot be."""

from __future__ import annotations

import pytest

from dagwell.core.failures import FailureKind
from dagwell.kubernetes.api import KubeApi
from dagwell.kubernetes.explain import explained
from dagwell.testing.kube import Fault

pytestmark = pytest.mark.kube


@pytest.fixture
def cordoned(kube):
    """A cluster whose one node is cordoned, and a deleted pod's record on it."""
    cluster = kube(nodes={"n1": "1GB"}, cgroups="none")
    cluster.rest.merge_patch("/api/v1/nodes/n1", {"spec": {"unschedulable": True}})
    api = KubeApi(namespace=cluster.namespace, kubeconfig=cluster.kubeconfig)
    pod = {
        "metadata": {"name": "p-train-1", "deletionTimestamp": "2026-12-08T00:00:00Z"},
        "spec": {"nodeName": "n1"},
    }
    yield cluster, api, pod
    api.close()


def test_a_steps_own_failure_on_a_cordoned_node_stays_its_own(cordoned):
    """Before: a pod that had failed on its own (its result says ValueError) and was then
    deleted by someone else on a cordoned node (an orchestrator adopting it after its own
    pod was drained) was recorded evicted, its error lost and retried from the
    infrastructure budget."""
    _, api, pod = cordoned
    assert explained(api, "p-train-1", pod, FailureKind.USER_ERROR) is None
    drained = explained(api, "p-train-1", pod, FailureKind.LOST)
    assert drained is not None and drained.kind is FailureKind.EVICTED, drained


def test_a_drain_is_read_from_the_node_without_rights_to_list_events(cordoned):
    """`list events` is optional in the Role (docs/kubernetes.md); before, without it the
    node was never read and a drained pod stayed lost."""
    cluster, api, pod = cordoned
    cluster.proxy.inject(Fault(status=403, count=10**6, method="GET", path=r"/events"))
    drained = explained(api, "p-train-1", pod, FailureKind.LOST)
    assert drained is not None and drained.kind is FailureKind.EVICTED, drained
