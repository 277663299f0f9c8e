"""The bounds on an attempt's wait, so that none stays "running" forever.

A pod pending past ``pending_timeout`` (read afresh then, not through a watch that may
lag; never while the API is unreachable, when nothing fresh can be read) ends
``unschedulable``, or ``lost`` if it was scheduled and its node never started it; a
creation the failing API did not take for ``api_timeout`` ends ``lost``. If the API
refuses for good to list or watch the run's pods (RBAC), every open attempt ends
``config_error``: nothing could be seen of them.

An outage is not the attempts' failure: their pods run on, and their ends are read when
the API answers again. Past ``api_timeout`` of outage the run stops waiting: the open
attempts end ``lost``, not retried (a retry could not be created, nor seen, while the API
is down; retrying would only wait ``api_timeout`` again per retry), with a message that
names the outage and the fix. The engine's loop checks these each round.
"""

from __future__ import annotations

from collections.abc import Sequence

from dagwell.core.failures import Failure, FailureKind
from dagwell.core.units import format_seconds
from dagwell.kubernetes.api import KubeError
from dagwell.kubernetes.observe import Observer
from dagwell.kubernetes.pod_disposal import delete_pod
from dagwell.kubernetes.tracked import Key, TrackedPod
from dagwell.runtimes.base import AttemptWaiting

REFUSAL_GRACE = 10.0  # s a refused list or watch must last to be taken as for good
OUTAGE_NOTE_AFTER = 5.0  # s of outage before the steps' notes say so (not for each blip)


def end_overdue(
    observer: Observer,
    open_pods: Sequence[tuple[Key, TrackedPod]],
    now: float,
    *,
    pending_timeout: float,
    api_timeout: float,
    api_down_since: float | None = None,
) -> None:
    """End each attempt whose pod the API did not take, or that stayed pending, too long.
    A creation tried during an outage waits from the outage's start, not from its own
    first try: the run waits ``api_timeout`` for the API once, not once per pod."""
    for key, tracked in open_pods:
        blocked = tracked.api_blocked_since
        if blocked is not None and api_down_since is not None:
            blocked = min(blocked, api_down_since)
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
            if api_down_since is not None or not observer.look_again(tracked.name):
                continue  # nothing fresh to judge by (the watch may lag): not on a stale view
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
            elif tracked.unsent is not None:  # a quota refused its creation all along
                failure = Failure(
                    FailureKind.UNSCHEDULABLE,
                    (
                        f"Pod {tracked.name} was never created in {waited}: the namespace's "
                        f"ResourceQuota refused it ({tracked.pending_why}). Raise the quota, "
                        "lower the step's requests, wait for the namespace's other pods, or "
                        "raise pending_timeout."
                    ),
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
            observer.end(key, outage_failure(tracked.name, now - api_down_since, api_timeout))


def note_outage(
    observer: Observer,
    open_pods: Sequence[tuple[Key, TrackedPod]],
    now: float,
    *,
    api_down_since: float | None,
    api_timeout: float,
) -> None:
    """Tell the engine (the step's note) that an attempt waits for the API, once the
    outage lasts ``OUTAGE_NOTE_AFTER`` s, and that it no longer does once it answers."""
    down = api_down_since is not None and now - api_down_since >= OUTAGE_NOTE_AFTER
    for key, tracked in open_pods:
        if tracked.unsent is not None or tracked.outage_noted == down:
            continue  # (a held creation has its own note: see pod_creation)
        tracked.outage_noted = down
        note = None
        if down:
            note = (
                f"waiting for the Kubernetes API (unreachable since "
                f"{format_seconds(now - (api_down_since or now))} ago; pod {tracked.name} "
                f"may still run; the run waits up to api_timeout, "
                f"{format_seconds(api_timeout)})"
            )
        observer.events.put(AttemptWaiting(key[0], key[1], note))


def outage_failure(name: str, down_for: float, api_timeout: float) -> Failure:
    """The end of an attempt whose run stopped waiting for the Kubernetes API."""
    return Failure(
        FailureKind.LOST,
        (
            f"The Kubernetes API has been unreachable for {format_seconds(down_for)}, past "
            f"api_timeout ({format_seconds(api_timeout)}): the fate of pod {name} is unknown "
            "(it may still run), so the run stopped waiting: no pod can be created or seen "
            "while the API is down. Raise api_timeout to wait out longer outages."
        ),
        retryable=False,
    )
