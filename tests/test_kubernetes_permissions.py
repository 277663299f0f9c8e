"""What RBAC refuses the orchestrator, against the real control plane's authorizer: a
ServiceAccount whose Role lacks a verb, with a token from the TokenRequest API. The run
must fail fast, naming the permission that is missing and where the fix is."""

from __future__ import annotations

import logging
import time

import pytest

import workloads
from dagwell import Client, KubernetesOrchestrator
from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus
from dagwell.kubernetes.api import KubeError
from helpers import outcome
from test_kubernetes import assert_nothing_left

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
