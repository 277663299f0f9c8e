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

import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from dagwell.core.failures import Failure, FailureKind
from dagwell.kubernetes.api import KubeError
from dagwell.kubernetes.observe import Observer
from dagwell.kubernetes.pod_disposal import delete_pod

STUCK_AFTER = 5.0  # s a bound pod may take to start before its events are read
MOUNT_REASONS = ("FailedMount", "FailedAttachVolume", "FailedMapVolume")
KUBELET_REASONS = (*MOUNT_REASONS, "FailedCreatePodSandBox", "FailedSync", "Failed")
#: The kubelet's words for a mount whose object does not exist: 'secret "creds" not found'.
_MISSING_OBJECT = re.compile(r'\b(secret|configmap|persistentvolumeclaim)s? "([^"]+)" not found')
#: Objects a controller makes in each new namespace: missing, they are only late.
_PUBLISHED = frozenset({"kube-root-ca.crt"})
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
        missing, newest = stuck_on(events)
        if missing is None:
            if newest is not None:
                tracked.pending_why = f"node {tracked.bound_to} cannot start it: {_said(newest)}"
            continue
        observer.end(
            key,
            Failure(
                FailureKind.CONFIG_ERROR,
                (
                    f"Pod {tracked.name} was scheduled on node {tracked.bound_to}, but its "
                    f"kubelet cannot start it: {_said(missing)}. {VOLUMES_FIX}"
                ),
                reason=str(missing.get("reason")),
                retryable=False,
                node=tracked.bound_to,
            ),
        )
        delete_pod(observer.api, tracked.name)


def stuck_on(
    events: Sequence[Mapping[str, Any]],
) -> tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]:
    """What keeps a bound pod from starting, from its events: the mount of an object that
    does not exist (a Secret, ConfigMap or claim), when that is the kubelet's latest word
    about it, and the newest kubelet warning (None for either when there is none).

    Only the latest word counts: a mount that failed once and then worked (an object made
    a moment late, the namespace's ``kube-root-ca.crt``) is followed by the kubelet's
    ``Pulling``; and only an object's absence is configuration: a CSI driver "not found in
    the list of registered CSI drivers" on a fresh node is a moment's."""
    ordered = sorted(
        (e for e in events if e.get("reason") != "Scheduled"),  # (the scheduler's, before)
        key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""),
    )
    warnings = [
        e for e in ordered if e.get("type") == "Warning" and e.get("reason") in KUBELET_REASONS
    ]
    newest = warnings[-1] if warnings else None
    latest = ordered[-1] if ordered else None
    if latest is None or latest is not newest or latest.get("reason") not in MOUNT_REASONS:
        return None, newest
    found = _MISSING_OBJECT.search(str(latest.get("message") or ""))
    if found is None or found.group(2) in _PUBLISHED:
        return None, newest
    return latest, newest


def _said(event: Mapping[str, Any]) -> str:
    return f"{event.get('reason')}: {str(event.get('message') or '').rstrip('.')}"
