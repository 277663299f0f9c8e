"""classify_pod on real pod statuses (../shared/fixtures/k8s) and the cases they imply."""

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dagwell.core.failures import FailureKind, OomScope
from dagwell.kubernetes import classify_pod

FIXTURES = Path(__file__).parent / "fixtures" / "k8s"  # copied from ../shared/fixtures/k8s
EXPECTED = json.loads((FIXTURES / "EXPECTED.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_fixture_is_classified_as_expected(name):
    verdict = classify_pod(json.loads((FIXTURES / name).read_text()))
    assert verdict.failure is not None
    assert verdict.failure.kind.value == EXPECTED[name]


def test_fixtures_states():
    load = lambda n: classify_pod(json.loads((FIXTURES / n).read_text()))  # noqa: E731
    assert load("pending_unschedulable_insufficient_cpu.json").state == "pending"
    assert "Insufficient cpu" in load("pending_unschedulable_insufficient_cpu.json").failure.message
    image = load("errimagepull.json")  # phase Running, but the image will never come
    assert image.state == "failed" and not image.failure.retryable
    assert "image pull secrets" in image.failure.message
    assert not load("createcontainerconfigerror.json").failure.retryable
    evicted = load("evicted_memory_pressure_neonkube.json")
    assert "low on resource: memory" in evicted.failure.message


def pod(
    phase=None,
    reason=None,
    terminated=None,
    conditions=(),
    limits=None,
    deleting=False,
    waiting=None,
):
    container = {"name": "main"}
    if terminated is not None:
        container["state"] = {"terminated": terminated}
    if waiting is not None:
        container["state"] = {"waiting": waiting}
    spec = {"containers": [{"name": "main", "resources": {"limits": limits or {}}}]}
    status = {"containerStatuses": [container], "conditions": list(conditions)}
    if phase:
        status["phase"] = phase
    if reason:
        status["reason"] = reason
    meta = {"deletionTimestamp": "2026-11-28T00:00:00Z"} if deleting else {}
    return {"metadata": meta, "spec": spec, "status": status}


def test_oomkilled_with_exit_zero_and_phase_succeeded_is_a_failure():
    v = classify_pod(pod("Succeeded", terminated={"exitCode": 0, "reason": "OOMKilled"}))
    assert v.state == "failed" and v.failure.kind is FailureKind.OOM_KILLED
    assert "exit code 0" in v.failure.message


def test_oom_scope_follows_the_memory_limit():
    own = classify_pod(
        pod(
            "Failed",
            terminated={"exitCode": 137, "reason": "OOMKilled"},
            limits={"memory": "200Mi"},
        )
    )
    assert own.failure.oom_scope is OomScope.OWN_LIMIT
    node = classify_pod(pod("Failed", terminated={"exitCode": 137, "reason": "OOMKilled"}))
    assert node.failure.oom_scope is OomScope.NODE_PRESSURE and node.failure.is_infra


def test_eviction_with_phase_succeeded_and_only_a_disruption_condition():
    v = classify_pod(
        pod(
            "Succeeded",
            terminated={"exitCode": 0, "reason": "Completed"},
            conditions=[
                {
                    "type": "DisruptionTarget",
                    "status": "True",
                    "reason": "TerminationByKubelet",
                    "message": "Pod was terminated in response to imminent node shutdown.",
                }
            ],
        )
    )
    assert v.state == "failed" and v.failure.kind is FailureKind.EVICTED


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("TerminationByKubelet", FailureKind.EVICTED),
        ("EvictionByEvictionAPI", FailureKind.EVICTED),
        ("PreemptionByScheduler", FailureKind.PREEMPTED),
        ("DeletionByTaintManager", FailureKind.NODE_LOST),
        ("DeletionByPodGC", FailureKind.NODE_LOST),
    ],
)
def test_disruption_target_reasons(reason, kind):
    v = classify_pod(
        pod(
            "Running", conditions=[{"type": "DisruptionTarget", "status": "True", "reason": reason}]
        )
    )
    assert v.failure.kind is kind and v.failure.is_infra


def test_exit_137_without_oom_evidence_is_not_oom():
    v = classify_pod(pod("Failed", terminated={"exitCode": 137, "reason": "Error"}))
    assert v.failure.kind is not FailureKind.OOM_KILLED
    deleted = classify_pod(
        pod("Failed", terminated={"exitCode": 143, "reason": "Error"}, deleting=True)
    )
    assert deleted.failure.kind is FailureKind.LOST and "deleted" in deleted.failure.message


def test_plain_outcomes():
    assert classify_pod(pod("Succeeded", terminated={"exitCode": 0})).state == "succeeded"
    assert classify_pod(pod("Running")).state == "running"
    assert classify_pod(pod("Pending")).state == "pending"
    assert classify_pod({}).state == "pending"
    err = classify_pod(pod("Failed", terminated={"exitCode": 1, "reason": "Error"}))
    assert err.failure.kind is FailureKind.USER_ERROR and err.exit_code == 1
    assert classify_pod(pod("Running", waiting={"reason": "ContainerCreating"})).state == "running"


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "status",
                    "phase",
                    "reason",
                    "conditions",
                    "containerStatuses",
                    "state",
                    "lastState",
                    "terminated",
                    "waiting",
                    "exitCode",
                    "type",
                    "metadata",
                    "spec",
                    "containers",
                    "resources",
                    "limits",
                    "memory",
                    "deletionTimestamp",
                    "message",
                    "name",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(JSONISH)
def test_any_partial_or_odd_pod_gets_a_verdict(obj):
    """Malformed input never raises: a verdict with a known state always comes back."""
    verdict = classify_pod(obj if isinstance(obj, dict) else {"status": obj})
    assert verdict.state in ("pending", "running", "succeeded", "failed")


def test_fixtures_with_fields_removed_still_classify():
    for name in EXPECTED:
        data = json.loads((FIXTURES / name).read_text())
        for key in list(data.get("status", {})):
            partial = copy.deepcopy(data)
            del partial["status"][key]
            classify_pod(partial)  # never raises


def _disrupted(reason, message):
    return {
        "metadata": {"name": "p"},
        "spec": {"nodeName": "n1", "containers": [{"name": "step"}]},
        "status": {
            "phase": "Failed",
            "reason": reason,
            "message": message,
            "conditions": [
                {
                    "type": "DisruptionTarget",
                    "status": "True",
                    "reason": "TerminationByKubelet",
                    "message": message,
                }
            ],
        },
    }


def test_graceful_node_shutdown_is_node_lost_and_memory_pressure_stays_evicted():
    """Regression: a pod ended by graceful node shutdown (reason Terminated, the kubelet's
    TerminationByKubelet) was classified evicted; the node is going away: node_lost."""
    shutdown = _disrupted("Terminated", "Pod was terminated in response to imminent node shutdown.")
    assert classify_pod(shutdown).failure.kind is FailureKind.NODE_LOST
    pressure = _disrupted("Evicted", "The node was low on resource: memory. ")
    assert classify_pod(pressure).failure.kind is FailureKind.EVICTED
