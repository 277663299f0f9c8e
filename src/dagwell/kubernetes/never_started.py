"""Pods bound to a node whose container never starts: ``ContainerCreating`` for good.

The scheduler placed the pod, but its kubelet cannot start it: a Secret, ConfigMap or
claim that its volumes name does not exist (``FailedMount``), its sandbox cannot be made (a
CNI failure, ``FailedCreatePodSandBox``). The pod itself shows only ``ContainerCreating``;
the kubelet says why in Warning events, read here at each re-list. An object that does not
exist is the pod's configuration: ``config_error`` at once, in the kubelet's words (no
retry cures it). Anything else becomes the wait's reason, so that the pending bound
(:mod:`dagwell.kubernetes.bounds`) names it instead of "never scheduled".
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from dagwell.core.failures import Failure, FailureKind
from dagwell.kubernetes.api import KubeError
from dagwell.kubernetes.observe import Observer
from dagwell.kubernetes.pod_disposal import delete_pod

STUCK_AFTER = 5.0  # s a bound pod may take to start before its events are read
MOUNT_REASONS = ("FailedMount", "FailedAttachVolume", "FailedMapVolume")
KUBELET_REASONS = (*MOUNT_REASONS, "FailedCreatePodSandBox", "FailedSync", "Failed")
VOLUMES_FIX = (
    "Create what it names in the pod's namespace, or fix the step's volumes "
    "(settings={'kubernetes': PodSettings(volumes=[...], volume_mounts=[...])})."
)


def check(observer: Observer) -> None:
    """Read the events of the pods bound to a node for ``STUCK_AFTER`` s without starting."""
    now = time.monotonic()
    with observer.table.lock:
        stuck = [
            (key, tracked)
            for key, tracked in observer.table.pods.items()
            if not tracked.ended
            and not tracked.running_reported
            and tracked.bound_to
            and now - tracked.created > STUCK_AFTER
        ]
    for key, tracked in stuck:
        try:
            events = observer.api.pod_events(tracked.name)
        except KubeError:
            continue  # an outage, or no `list events`: the pending bound still ends it
        warnings = sorted(
            (
                e
                for e in events
                if e.get("type") == "Warning" and e.get("reason") in KUBELET_REASONS
            ),
            key=lambda e: str(e.get("lastTimestamp") or ""),
        )
        if not warnings:
            continue
        said = _said(warnings[-1])
        missing = [e for e in warnings if e.get("reason") in MOUNT_REASONS and _missing(e)]
        if not missing:
            tracked.pending_why = f"node {tracked.bound_to} cannot start it: {said}"
            continue
        observer.end(
            key,
            Failure(
                FailureKind.CONFIG_ERROR,
                (
                    f"Pod {tracked.name} was scheduled on node {tracked.bound_to}, but its "
                    f"kubelet cannot start it: {_said(missing[-1])}. {VOLUMES_FIX}"
                ),
                reason=str(missing[-1].get("reason")),
                retryable=False,
                node=tracked.bound_to,
            ),
        )
        delete_pod(observer.api, tracked.name)


def _said(event: Mapping[str, Any]) -> str:
    return f"{event.get('reason')}: {str(event.get('message') or '').rstrip('.')}"


def _missing(event: Mapping[str, Any]) -> bool:
    """A mount that fails because the object it names does not exist."""
    return "not found" in str(event.get("message") or "")
