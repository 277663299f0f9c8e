"""Why a pod someone else deleted was deleted, from the events Kubernetes recorded on it.

Kubernetes before 1.26 marks no condition on a pod it deletes: kube-scheduler deletes a
preempted pod and records a ``Preempted`` event on it, the taint manager deletes the pods
of a node gone unreachable and records ``TaintManagerEviction``, and the eviction API
(``kubectl drain``, the cluster autoscaler) only deletes the pod, after its node was
cordoned or tainted for removal: the node says why. Without these lookups preemption would
read as the step's failure, and a drain or a lost node as a bare ``lost``.
"""

from __future__ import annotations

import time
from typing import Any

from dagwell.core.failures import Failure, FailureKind
from dagwell.kubernetes.api import KubeApi, KubeError

EVENT_GRACE = 3.0  # s a pod deleted by someone else waits for the event that says why


def explained(api: KubeApi, name: str, pod: dict[str, Any], kind: FailureKind) -> Failure | None:
    """A pod someone else deleted is looked up in its events, so that preemption is
    ``preempted`` and a lost node ``node_lost``, not the step's failure nor a bare ``lost``.

    The scheduler records the event after the deletion, and the events API may fail
    for a moment: a deletion nothing explains yet (``lost``, or the exit it caused) is
    looked up again for up to ``EVENT_GRACE`` seconds before it is taken as such. A bare
    ``lost`` is also explained by its node (cordoned or tainted for removal: a drain),
    read whether or not the events can be."""
    meta = pod.get("metadata") or {}
    if not meta.get("deletionTimestamp"):
        return None
    node_says: Failure | None = None
    node_read = kind is not FailureKind.LOST  # (the node explains a bare loss, never the
    # step's own failure: a pod that failed on its own and was deleted later stays so)
    events_readable = True
    patient = kind in (FailureKind.LOST, FailureKind.USER_ERROR)
    deadline = time.monotonic() + (EVENT_GRACE if patient else 0.0)
    while True:
        events: list[dict[str, Any]] = []
        if events_readable:
            try:
                events = api.pod_events(name)
            except KubeError as error:  # no `list events` in the Role (docs/kubernetes.md):
                events_readable = error.temporary  # the node may still say why
        for event in events:
            if event.get("reason") == "Preempted":
                return Failure(
                    FailureKind.PREEMPTED,
                    f"Pod {name} was preempted: {event.get('message') or 'by the scheduler'}.",
                    reason="Preempted",
                )
            if event.get("reason") == "TaintManagerEviction":
                node = (pod.get("spec") or {}).get("nodeName")
                return Failure(
                    FailureKind.NODE_LOST,
                    (
                        f"Pod {name} was deleted because its node {node or ''} became "
                        f"unreachable or not ready (the taint manager: "
                        f"{event.get('message') or 'NoExecute taint'})."
                    ).replace("node  ", "node "),
                    reason="TaintManagerEviction",
                    node=node,
                )
        if not node_read:
            node_read = True
            node_says = _from_node(api, name, (pod.get("spec") or {}).get("nodeName"))
        if node_says is not None or not events_readable or time.monotonic() >= deadline:
            return node_says
        time.sleep(0.25)


_REMOVAL_TAINTS = {  # a taint on the node -> who is taking the node away
    "ToBeDeletedByClusterAutoscaler": "the cluster autoscaler is removing it",
    "node.kubernetes.io/unschedulable": "it is cordoned",
}


def _from_node(api: KubeApi, name: str, node_name: str | None) -> Failure | None:
    """A pod deleted while its node was cordoned (``kubectl drain``) or tainted for removal
    was evicted (the infrastructure's doing, not a loss nobody explains)."""
    if not node_name:
        return None
    try:
        node = api.get_node(node_name)
    except KubeError:
        return None  # unreadable (no `list nodes`, an outage): the deletion stays unexplained
    if node is None:
        return None
    spec = node.get("spec") or {}
    why = "it is cordoned (spec.unschedulable)" if spec.get("unschedulable") else None
    for taint in spec.get("taints") or []:
        why = why or _REMOVAL_TAINTS.get(str(taint.get("key")))
    if why is None:
        return None
    return Failure(
        FailureKind.EVICTED,
        (
            f"Pod {name} was evicted from node {node_name}: {why}, as a `kubectl drain` "
            "or a node's removal leaves it, and the pod was deleted (the eviction API)."
        ),
        reason="Drained",
        node=node_name,
    )
