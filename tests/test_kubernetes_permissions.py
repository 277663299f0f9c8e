"""What RBAC refuses the orchestrator, against the real control plane's authorizer: a
ServiceAccount whose Role lacks a verb, with a token from the TokenRequest API. The run
must fail fast, naming the permission that is missing and where the fix is."""

from __future__ import annotations

import logging
import threading
import time

import pytest

import workloads
from dagwell import Client, KubernetesOrchestrator
from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus
from dagwell.kubernetes.api import KubeError
from dagwell.kubernetes.pods import FINALIZER
from helpers import outcome, wait_for
from test_kubernetes import assert_nothing_left, running_step_pods, step_pods

pytestmark = pytest.mark.kube

ALL_BUT_CREATE = [
    {
        "apiGroups": [""],
        "resources": ["pods"],
        "verbs": ["get", "list", "watch", "patch", "delete"],
    },
    {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
    {"apiGroups": [""], "resources": ["resourcequotas", "events"], "verbs": ["list"]},
]
EVERY_POD_VERB = [
    {**ALL_BUT_CREATE[0], "verbs": ["create", *ALL_BUT_CREATE[0]["verbs"]]},
    *ALL_BUT_CREATE[1:],
]
NODES = [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["list"]}]


def run_as(cluster, kubeconfig):
    return outcome(
        lambda: workloads.sleepy.with_options(
            orchestrator=KubernetesOrchestrator(
                kubeconfig=kubeconfig, namespace=cluster.namespace, image="local"
            )
        )(count=1, seconds=0.1)
    )


def test_a_role_without_create_on_pods_fails_fast_naming_the_permission(home, kube, caplog):
    """Regression: a pod creation RBAC forbids failed the attempt with the API's words only
    (nothing said what to grant, or where the Role is written down), and the engine
    logged a traceback of the client's error for it."""
    cluster = kube(nodes={"node-a": "1400MB"})
    kubeconfig = cluster.kubeconfig_with_rules("no-create", ALL_BUT_CREATE, NODES)
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="dagwell"):
        run = run_as(cluster, kubeconfig)
    assert time.monotonic() - started < 60
    [attempt] = run.steps["nap"].attempts
    assert run.status is RunStatus.FAILED
    assert attempt.failure.kind is FailureKind.CONFIG_ERROR
    message = attempt.failure.message
    assert "403" in message and 'cannot create resource "pods"' in message, message
    assert "system:serviceaccount:" in message and "no-create" in message
    assert "docs/kubernetes.md" in message and "RoleBinding" in message
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert_nothing_left(cluster)


def test_an_identity_that_may_not_list_nodes_is_refused_before_the_run_naming_the_fix(home, kube):
    """Regression: without the ClusterRole (nodes: list) the pipeline call raised the
    client's 403 with the API's words only; nothing said which Role it lacked or where it
    is written down. (The run is refused before it is recorded: no run is left.)"""
    cluster = kube(nodes={"node-a": "1400MB"})
    kubeconfig = cluster.kubeconfig_with_rules("no-nodes", EVERY_POD_VERB)
    with pytest.raises(KubeError) as refused:
        run_as(cluster, kubeconfig)
    message = str(refused.value)
    assert "403" in message and 'cannot list resource "nodes"' in message, message
    assert "ClusterRole" in message and "docs/kubernetes.md" in message
    assert Client().list_runs() == []
    assert_nothing_left(cluster)


ALL_BUT_DELETE = [
    {**ALL_BUT_CREATE[0], "verbs": ["get", "list", "watch", "create", "patch"]},
    *ALL_BUT_CREATE[1:],
]


@pytest.mark.timeout(240)  # (before the fix: the pod's 100 s, then the test's failure)
def test_a_stop_whose_pod_the_api_refuses_to_delete_ends_the_run_naming_the_pod(home, kube):
    """Regression: `dagwell runs stop` of a run whose Role lacks `delete` on pods asked for
    the deletion, was refused (403), and waited for a deletion that could never come: the
    run stayed running until the pod ended on its own (here, 100 s of sleep). Now the
    attempt ends cancelled at once, naming the pod, the refusal, and how to remove it."""
    cluster = kube(nodes={"node-a": "1400MB"})
    kubeconfig = cluster.kubeconfig_with_rules("no-delete", ALL_BUT_DELETE, NODES)
    stopped = {}

    def stop_once_running():
        wait_for(lambda: running_step_pods(cluster), 60, "the step's pod running")
        stopped["at"] = time.monotonic()
        Client().stop_run("latest")

    thread = threading.Thread(target=stop_once_running)
    thread.start()
    try:
        run = outcome(
            lambda: workloads.sleepy.with_options(
                orchestrator=KubernetesOrchestrator(
                    kubeconfig=kubeconfig,
                    namespace=cluster.namespace,
                    image="local",
                    resync_interval=2,
                )
            )(count=1, seconds=100)
        )
    finally:
        thread.join()
    ended_in = time.monotonic() - stopped["at"]
    assert ended_in < 60, ended_in
    assert run.status is RunStatus.CANCELLED
    [attempt] = run.steps["nap"].attempts
    assert attempt.failure.kind is FailureKind.CANCELLED
    message = attempt.failure.message
    [pod] = step_pods(cluster)  # (the pod runs on: nobody may delete it)
    name = pod["metadata"]["name"]
    assert name in message and "403" in message, message
    assert f"kubectl delete pod {name}" in message and "docs/kubernetes.md" in message, message
    assert FINALIZER not in (pod["metadata"].get("finalizers") or [])  # (patch is allowed)
