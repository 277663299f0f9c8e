"""The bounds on an attempt's wait, so that none stays "running" forever.

A pod pending past ``pending_timeout`` (read afresh then, not through a watch that may
lag) ends ``unschedulable``, or ``lost`` if it was scheduled and its node never started it;
a creation the failing API did not take for ``api_timeout`` ends ``lost``. If the API
refuses for good to list or watch the run's pods (RBAC), every open attempt ends
``config_error``: nothing could be seen of them; if it stays unreachable past
``api_timeout``, they end ``lost``. The engine's loop checks these each round.
"""

from __future__ import annotations

from collections.abc import Sequence

from dagwell.core.failures import Failure, FailureKind
from dagwell.core.units import format_seconds
from dagwell.kubernetes.api import KubeError
from dagwell.kubernetes.observe import Observer
from dagwell.kubernetes.pod_disposal import delete_pod
from dagwell.kubernetes.tracked import Key, TrackedPod

REFUSAL_GRACE = 10.0  # s a refused list or watch must last to be taken as for good


def end_overdue(
    observer: Observer,
    open_pods: Sequence[tuple[Key, TrackedPod]],
    now: float,
    *,
    pending_timeout: float,
    api_timeout: float,
) -> None:
    """End each attempt whose pod the API did not take, or that stayed pending, too long."""
    for key, tracked in open_pods:
        blocked = tracked.api_blocked_since
        if tracked.unsent is not None and blocked is not None:
            if now - blocked > api_timeout:
                observer.end(
                    key,
                    Failure(
                        FailureKind.LOST,
                        (
                            f"The Kubernetes API did not take pod {tracked.name} for "
                            f"{format_seconds(now - blocked)} ({tracked.pending_why}); "
                            "api_timeout bounds this wait."
                        ),
                    ),
                )
            continue  # an outage is bounded by api_timeout, not pending_timeout
        if not tracked.running_reported and now - tracked.created > pending_timeout:
            observer.look_again(tracked.name)  # the watch may lag: not on a stale view
            if tracked.ended or tracked.running_reported:
                continue
            waited = format_seconds(now - tracked.created)
            if tracked.bound_to:  # scheduled: its node never started it (see never_started)
                why = (tracked.pending_why or "its container was never created").rstrip(".")
                failure = Failure(
                    FailureKind.LOST,
                    (
                        f"Pod {tracked.name} was scheduled on node {tracked.bound_to} but did "
                        f"not start in {waited}: {why}. The node could not run it (not the "
                        "step's failure); raise pending_timeout if its start is slow."
                    ),
                    node=tracked.bound_to,
                )
            else:
                why = (tracked.pending_why or "it was never scheduled and started").rstrip(".")
                failure = Failure(
                    FailureKind.UNSCHEDULABLE,
                    (
                        f"Pod {tracked.name} stayed pending for {waited}: {why}. Lower its "
                        "requests, add capacity, or raise pending_timeout."
                    ),
                )
            observer.end(key, failure)
            delete_pod(observer.api, tracked.name)


def end_unseen(
    observer: Observer,
    open_pods: Sequence[tuple[Key, TrackedPod]],
    now: float,
    *,
    refused: tuple[KubeError, float] | None,
    api_down_since: float | None,
    api_timeout: float,
) -> None:
    """End every open attempt when the API refused for good, or failed for too long, to
    show the run's pods (``refused``: the refusal and since when)."""
    if refused is not None and now - refused[1] >= REFUSAL_GRACE:
        for key, tracked in open_pods:
            observer.end(
                key,
                Failure(
                    FailureKind.CONFIG_ERROR,
                    (
                        f"The Kubernetes API refuses to list or watch the run's pods "
                        f"({refused[0]}), so the end of pod {tracked.name} could never be "
                        "seen. Give the identity the orchestrator runs as the Role in "
                        "docs/kubernetes.md (pods: get, list, watch, create, patch, delete)."
                    ),
                    retryable=False,
                ),
            )
    if api_down_since is not None and now - api_down_since > api_timeout:
        for key, tracked in open_pods:
            observer.end(
                key,
                Failure(
                    FailureKind.LOST,
                    (
                        f"The Kubernetes API was unreachable for more than "
                        f"{format_seconds(api_timeout)}; the fate of pod "
                        f"{tracked.name} is unknown."
                    ),
                ),
            )
