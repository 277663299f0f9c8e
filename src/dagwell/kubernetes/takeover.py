"""Taking over a run whose orchestrator died: its pods adopted, read, or swept away.

The pods of a dead orchestrator run on (the finalizer keeps each until its end is
recorded). The next orchestrator adopts a pod still running (relabelled with its own
incarnation, so its changes reach the watch like its own pods'), reads the end of one
that finished, takes an attempt whose pod is gone as ``lost``, and deletes the pods no
recorded attempt has.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Collection, Mapping
from typing import Any

from dagwell.core.failures import Failure, FailureKind
from dagwell.kubernetes.api import KubeApi, KubeError, with_retries
from dagwell.kubernetes.classify import classify_pod
from dagwell.kubernetes.observe import Observer
from dagwell.kubernetes.pod_disposal import Disposals
from dagwell.kubernetes.pods import (
    FINALIZER,
    LABEL_ATTEMPT,
    LABEL_INCARNATION,
    LABEL_RUN,
    LABEL_STEP,
    attempt_of,
    label_value,
)
from dagwell.kubernetes.tracked import TrackedPod
from dagwell.runtimes.base import AttemptExited, AttemptRunning, AttemptSpec


def recover(observer: Observer, spec: AttemptSpec, external_id: str | None) -> AttemptExited | None:
    """Adopt a pod of a dead orchestrator that still runs; read the end of one that
    finished; a pod that is gone is ``lost``. An attempt recorded before its pod had a
    name (the engine records a step ordered by ``after=`` before launching it) is found
    by its pod's labels."""
    api = observer.api
    named = external_id is not None
    external_id = external_id or _pod_of(api, spec)
    pod = with_retries(lambda: api.get_pod(external_id), what="get pod") if external_id else None
    key = (spec.step_id, spec.attempt)
    if pod is None:
        why = (
            "The orchestrator died while this attempt ran and its pod is gone."
            if named
            else "No pod of this attempt exists: the orchestrator died after it "
            "recorded the attempt's start, before its pod was created (or the pod "
            "was deleted before its name was recorded)."
        )
        return AttemptExited(spec.step_id, spec.attempt, Failure(FailureKind.LOST, why))
    assert external_id is not None
    verdict = classify_pod(pod)
    with observer.table.lock:
        observer.table.pods[key] = TrackedPod(
            spec,
            external_id,
            time.monotonic(),
            running_reported=verdict.state == "running",
            node=verdict.node if verdict.state == "running" else None,
        )
        observer.table.by_name[external_id] = key
    if verdict.state in ("succeeded", "failed"):
        observer.end(key, verdict.failure, pod, verdict.exit_code, verdict.node)
    else:  # adopted: from now on its changes reach us like our own pods'
        if verdict.state == "running":
            observer.logs.follow(spec, external_id)
            if not named:  # (the record has no pod name yet: this tells it)
                observer.events.put(AttemptRunning(key[0], key[1], external_id, verdict.node))
        _relabel(api, external_id, observer.incarnation)
    return None


def sweep(
    observer: Observer,
    disposals: Disposals,
    labels: Mapping[str, str],
    recorded: Collection[tuple[str, int]],
) -> int:
    """Delete pods of this run that no running attempt of the record has; return how
    many of them still ran. One that ended is a recorded attempt's leftover (its end
    recorded, the orchestrator killed before it let the pod go): let go, not counted."""
    items, _ = with_retries(lambda: observer.api.list_pods(labels), what="list pods")
    with observer.table.lock:
        mine = {p.name for p in observer.table.pods.values()}
    ghosts = 0
    for pod in items:
        name = pod["metadata"]["name"]
        if name not in mine:
            ghosts += classify_pod(pod).state not in ("succeeded", "failed")
            disposals.release(name, 5)  # (remembered, during an outage: see retry)
    return ghosts


def strays(observer: Observer, disposals: Disposals, items: list[dict[str, Any]]) -> list[str]:
    """The pods of this orchestrator (its incarnation's label) that no attempt waits for
    and that are not being let go: a creation whose answer was lost, landed after its
    attempt was given up (the API's bound, a stop). Nobody would watch them: delete."""
    found = []
    for pod in items:
        meta = pod.get("metadata") or {}
        if (meta.get("labels") or {}).get(LABEL_INCARNATION) != observer.incarnation:
            continue
        if meta.get("deletionTimestamp") and FINALIZER not in (meta.get("finalizers") or []):
            continue  # let go already: the kubelet ends it
        name = str(meta.get("name"))
        with observer.table.lock:
            if name in observer.table.by_name or name in disposals.undisposed:
                continue
        found.append(name)
    return found


def _pod_of(api: KubeApi, spec: AttemptSpec) -> str | None:
    labels = {
        LABEL_RUN: spec.run_id,
        LABEL_STEP: label_value(spec.step_id),
        LABEL_ATTEMPT: str(spec.attempt),
    }
    items, _ = with_retries(lambda: api.list_pods(labels), what="list pods")
    ours = [p for p in items if attempt_of(p) == (spec.step_id, spec.attempt)]
    ours.sort(key=lambda p: str(p["metadata"].get("creationTimestamp") or ""))
    return str(ours[-1]["metadata"]["name"]) if ours else None


def _relabel(api: KubeApi, name: str, incarnation: str) -> None:
    with contextlib.suppress(KubeError):
        with_retries(
            lambda: api.label_pod(name, {LABEL_INCARNATION: incarnation}),
            what=f"adopt pod {name}",
        )
