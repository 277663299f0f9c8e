"""What a pod's changes mean for its attempt: the news the engine gets, and the end.

The watch, the re-list, the bounds, node health and takeover all see pods; every one of
them hands the pod to :meth:`Observer.on_pod` or ends the attempt with
:meth:`Observer.end`, so that an attempt ends once, with its log stored, its manifest
read and its failure explained, whoever noticed the end.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import time
from typing import Any

from dagwell.artifact_store.store import open_artifact_store
from dagwell.core.failures import Failure, FailureKind, OomScope
from dagwell.core.manifest import ResultManifest
from dagwell.kubernetes.api import KubeApi, KubeError
from dagwell.kubernetes.classify import classify_pod, container_memory_limit
from dagwell.kubernetes.explain import explained
from dagwell.kubernetes.pod_logs import PodLogs
from dagwell.kubernetes.pods import LABEL_INCARNATION, quantity
from dagwell.kubernetes.tracked import Key, PodTable, TrackedPod
from dagwell.runtimes.base import AttemptExited, AttemptRunning, AttemptWaiting, RuntimeEvent
from dagwell.runtimes.signal_shield import shielded
from dagwell.runtimes.steady_clock import steady_time

log = logging.getLogger("dagwell.kubernetes")


class Observer:
    """Turns pods as the API shows them into the engine's events for the tracked attempts."""

    def __init__(
        self,
        api: KubeApi,
        table: PodTable,
        logs: PodLogs,
        events: queue.Queue[RuntimeEvent],
        incarnation: str,
    ) -> None:
        self.api = api
        self.table = table
        self.logs = logs
        self.events = events
        self.incarnation = incarnation

    def on_pod(self, kind: str, pod: dict[str, Any]) -> None:
        meta = pod.get("metadata") or {}
        if (meta.get("labels") or {}).get(LABEL_INCARNATION) != self.incarnation:
            return  # a pod of an earlier orchestrator of this run (see takeover.sweep)
        name = meta.get("name", "")
        with self.table.lock:
            key = self.table.by_name.get(name)
            tracked = self.table.pods.get(key) if key else None
            if key is None or tracked is None or tracked.ended:
                return
        if tracked.unsent is not None and kind != "DELETED":
            self.taken(key, tracked)  # a creation whose answer was lost landed after all
        verdict = classify_pod(pod)
        if kind == "DELETED" and verdict.state not in ("succeeded", "failed"):
            failure = verdict.failure or Failure(
                FailureKind.LOST, (f"Pod {name} was deleted before it finished.")
            )
            self.end(
                key,
                failure
                if failure.kind is not FailureKind.UNSCHEDULABLE
                else Failure(FailureKind.LOST, f"Pod {name} was deleted while pending."),
                pod,
            )
            return
        if verdict.state == "running" and not tracked.running_reported:
            tracked.running_reported = True
            tracked.node = verdict.node
            self.logs.follow(tracked.spec, name)
            self.events.put(AttemptRunning(key[0], key[1], name, verdict.node))
        elif verdict.state == "pending":
            tracked.bound_to = verdict.node
            if verdict.failure or not tracked.bound_to:  # (bound: see never_started)
                tracked.pending_why = verdict.failure.message if verdict.failure else None
        elif verdict.state in ("succeeded", "failed"):
            self.end(key, verdict.failure, pod, verdict.exit_code, verdict.node)

    def taken(self, key: Key, tracked: TrackedPod) -> None:
        """The API took the attempt's pod, held until now (see pod_creation): its pending
        starts now (an outage was not its wait), and the wait's note goes."""
        with self.table.lock:
            if tracked.unsent is None:
                return
            if tracked.api_blocked_since is not None:
                tracked.created = time.monotonic()
            tracked.unsent = None
            tracked.api_blocked_since = None
            tracked.pending_why = None
            tracked.note = None
        self.events.put(AttemptWaiting(key[0], key[1], None))

    def look_again(self, name: str) -> bool:
        """Read pod ``name`` as it is now, as if the watch had brought it; False when the
        API did not answer (nothing fresh was read)."""
        try:
            pod = self.api.get_pod(name)
        except KubeError:
            return False
        if pod is not None:
            self.on_pod("MODIFIED", pod)
        return True

    def end(
        self,
        key: Key | None,
        failure: Failure | None,
        pod: dict[str, Any] | None = None,
        exit_code: int | None = None,
        node: str | None = None,
    ) -> None:
        """End the attempt once: its log stored, its manifest read, then queued. Shielded
        (see signal_shield): the engine's thread calls this where a stop may cut (the
        bounds, a re-list), and a stop between marking it ended and queueing it dropped
        the end; the stop then acts once the end is queued (a log drain's 5 s at most)."""
        with shielded():
            self._end(key, failure, pod, exit_code, node)

    def _end(
        self,
        key: Key | None,
        failure: Failure | None,
        pod: dict[str, Any] | None,
        exit_code: int | None,
        node: str | None,
    ) -> None:
        if key is None:
            return
        with self.table.lock:
            tracked = self.table.pods.get(key)
            if tracked is None or tracked.ended:
                return
            tracked.ended = True
            # (under the lock stop() takes too: a pod that ended before dagwell deleted it
            # ended on its own, however soon the stop came after)
            own_end = not tracked.deleting
        manifest = None
        ran = pod is not None and bool((pod.get("spec") or {}).get("nodeName"))
        try:
            self.logs.finish(tracked.spec, tracked.name, ran, drain=exit_code is not None)
        except Exception:  # a log that cannot be kept must not keep the end from the engine
            log.exception("storing the log of pod %s failed", tracked.name)
        with contextlib.suppress(Exception):
            manifest = open_artifact_store(tracked.spec.artifact_store).read_manifest(
                tracked.spec.manifest_key
            )
        if (
            manifest is not None
            and not manifest.ok
            and (failure is None or failure.kind is FailureKind.USER_ERROR)
        ):
            failure = _manifest_failure(manifest, exit_code)  # the exception says more
        if failure is not None and pod is not None and not tracked.deleting:
            failure = explained(self.api, tracked.name, pod, failure.kind) or failure
        limit = tracked.spec.memory_limit
        if limit is None and pod is not None:
            limit = container_memory_limit(pod)  # none of dagwell's: the namespace's
            if (
                limit is not None
                and failure is not None
                and failure.oom_scope is OomScope.OWN_LIMIT
            ):
                failure = failure.with_message(
                    f"{failure.message} The step declares no memory: its {quantity(limit)} "
                    "limit came from the namespace (a LimitRange default)."
                )
        if failure is not None and failure.kind is FailureKind.NODE_LOST:
            tracked.node_gone = True  # no kubelet will confirm its deletion: see release
        self.events.put(
            AttemptExited(
                key[0],
                key[1],
                failure,
                manifest,
                exit_code,
                None,
                None,
                limit,
                None,
                steady_time(),
                node,
                external_id=tracked.name,
                ended_before_stop=own_end,
            )
        )


def _manifest_failure(manifest: ResultManifest, exit_code: int | None) -> Failure:
    kind = FailureKind(manifest.error_kind or FailureKind.USER_ERROR)
    return Failure(
        kind,
        manifest.error_text(),
        exit_code,
        reason=manifest.error_type,
        traceback=manifest.traceback,
    )
