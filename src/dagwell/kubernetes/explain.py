"""Why a pod someone else deleted was deleted, from the events Kubernetes recorded on it.

Kubernetes before 1.26 marks no condition on a pod it deletes: kube-scheduler deletes a
preempted pod and records a ``Preempted`` event on it, the taint manager deletes the pods
of a node gone unreachable and records ``TaintManagerEviction``. Without this lookup
preemption would read as the step's failure or a bare ``lost``.
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
    looked up again for up to ``EVENT_GRACE`` seconds before it is taken as such."""
    meta = pod.get("metadata") or {}
    if not meta.get("deletionTimestamp"):
        return None
    patient = kind in (FailureKind.LOST, FailureKind.USER_ERROR)
    deadline = time.monotonic() + (EVENT_GRACE if patient else 0.0)
    while True:
        try:
            events = api.pod_events(name)
        except KubeError as error:
            if not error.temporary:
                return None  # e.g. no `list events` in the Role: see docs/kubernetes.md
            events = []
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
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.25)
