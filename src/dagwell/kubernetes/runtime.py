"""The Kubernetes runtime: one pod per attempt, watched (not polled), never left behind.

A background thread lists the run's pods by label, then watches from that list's
resourceVersion; a 410 re-lists, dropped connections and 5xx resume with backoff, and the
engine's thread re-lists every ``resync_interval`` so a missed event cannot strand an
attempt. Every pod change is classified (:func:`classify_pod`); a terminal one becomes an
AttemptExited once the pod's log, followed while it ran (:mod:`dagwell.kubernetes.pod_logs`),
is stored to its end. The pod's finalizer is removed, and the pod deleted, only in
:meth:`release`, after the engine recorded the end (:mod:`dagwell.kubernetes.pod_disposal`).

Bounds, so that no attempt stays "running" forever: a pod pending past
``pending_timeout`` (read afresh then, not through a watch that may lag) ends
``unschedulable``; a pod that vanishes ends ``lost`` (or
``node_lost``); a pod whose node has not been Ready for ``node_lost_timeout`` (its kubelet
is silent, so the pod shows Running for ever unless a taint manager deletes it) ends
``node_lost``; an outage of the API is waited out (the pods run on), but past
``api_timeout`` every attempt still open ends ``lost``, not retried; if it refuses to
list or watch the run's pods (RBAC), at once ``config_error``: nothing could be seen of
them. No pod of the run is left: one that no attempt waits for (a creation whose answer
was lost, landing late) is deleted at the next re-list, and :meth:`close` lets go of
every pod carrying this orchestrator's labels.

This module keeps the runtime's state and the engine-facing :class:`Runtime` methods; its
parts are :mod:`~dagwell.kubernetes.observe` (what a pod's change means, the end, explained by
:mod:`~dagwell.kubernetes.explain`),
:mod:`~dagwell.kubernetes.pod_creation` (creations the API did not take yet),
:mod:`~dagwell.kubernetes.bounds`, :mod:`~dagwell.kubernetes.node_health`,
:mod:`~dagwell.kubernetes.pod_disposal` and :mod:`~dagwell.kubernetes.takeover`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from typing import Any

from dagwell.core.failures import Failure, FailureKind
from dagwell.kubernetes import never_started, takeover
from dagwell.kubernetes.api import KubeApi, KubeConflict, KubeError, KubeGone, with_retries
from dagwell.kubernetes.bounds import end_overdue, end_unseen, note_outage
from dagwell.kubernetes.node_health import NodeHealth
from dagwell.kubernetes.observe import Observer
from dagwell.kubernetes.pod_creation import (
    CREATE_WINDOW,
    FORBIDDEN_FIX,
    LIMIT_RANGE_FIX,
    HeldCreations,
    default_limit_below_request,
    forbidden,
    quota_exceeded,
)
from dagwell.kubernetes.pod_disposal import (
    RELEASE_WINDOW,
    Disposals,
    undeletable,
)
from dagwell.kubernetes.pod_logs import PodLogs
from dagwell.kubernetes.pods import LABEL_INCARNATION, LABEL_RUN, build_pod
from dagwell.kubernetes.tracked import PodTable, TrackedPod
from dagwell.runtimes.base import AttemptExited, AttemptSpec, RuntimeEvent, RuntimeInfo
from dagwell.runtimes.signal_shield import unshielded

log = logging.getLogger("dagwell.kubernetes")
CLOSE_WINDOW = 30.0  # s the end of a run tries to let its pods go


class EventQueue(queue.Queue[RuntimeEvent]):
    """The engine-bound events, waited for without taking one: an end taken off the queue
    where a stop may cut (see signal_shield) would be dropped, and the stop would wait
    its whole grace for a pod that had finished, recording the step 'cancelled'."""

    def wait_for_news(self, timeout: float) -> None:
        """Return once an event is queued, or after ``timeout`` seconds."""
        with self.not_empty:
            if not self._qsize():
                self.not_empty.wait(timeout)


class KubernetesRuntime:
    def __init__(
        self,
        *,
        run_id: str,
        api: KubeApi,
        image: str,
        info: RuntimeInfo,
        pod_defaults: Mapping[str, Any] | None = None,
        pending_timeout: float = 300.0,
        api_timeout: float = 600.0,
        resync_interval: float = 30.0,
        node_lost_timeout: float = 300.0,
        python: str = "python",
    ) -> None:
        self.run_id = run_id
        self.api = api
        self.image = image
        self.info = info
        self.pod_defaults = dict(pod_defaults or {})
        self.pending_timeout = pending_timeout
        self.api_timeout = api_timeout
        self.resync_interval = resync_interval
        self.python = python
        self.incarnation = uuid.uuid4().hex[:5]
        self.labels = {LABEL_RUN: run_id}
        self.table = PodTable()
        self.events = EventQueue()
        self.stopping = threading.Event()
        self.api_down_since: float | None = None
        self.refused: tuple[KubeError, float] | None = None  # a list or watch refused, since
        self.last_resync = time.monotonic()
        self.logs = PodLogs(api)
        self.observer = Observer(api, self.table, self.logs, self.events, self.incarnation)
        self.creations = HeldCreations(self.observer)
        self.nodes = NodeHealth(self.observer, run_id=run_id, node_lost_timeout=node_lost_timeout)
        self.disposals = Disposals(api, self.table.lock)
        self.watch_thread = threading.Thread(
            target=self._watch, daemon=True, name=f"dagwell-watch-{run_id}"
        )
        self.watch_thread.start()

    # -- launch ----------------------------------------------------------------------------
    def launch(self, spec: AttemptSpec, func: Callable[..., Any] | None) -> str:
        manifest = build_pod(
            spec,
            namespace=self.api.namespace,
            image=self.image,
            incarnation=self.incarnation,
            defaults=self.pod_defaults,
            python=self.python,
        )
        name: str = manifest["metadata"]["name"]
        key = (spec.step_id, spec.attempt)
        with self.table.lock:
            self.table.pods[key] = TrackedPod(spec, name, time.monotonic())
            self.table.by_name[name] = key
        try:
            with_retries(
                lambda: self.api.create_pod(manifest),
                what=f"create pod {name}",
                window=CREATE_WINDOW if self.api_down_since is None else 0,  # (an outage)
            )
        except KubeConflict:
            pass  # created by a retry whose response was lost: it is ours (same incarnation)
        except KubeError as error:
            if not (quota_exceeded(error) or error.temporary):
                with self.table.lock:
                    self.table.pods.pop(key, None)
                    self.table.by_name.pop(name, None)
                if default_limit_below_request(error, spec):
                    raise KubeError(f"{error}. {LIMIT_RANGE_FIX}", error.code) from error
                if forbidden(error):
                    raise KubeError(f"{error}. {FORBIDDEN_FIX}", error.code) from error
                raise
            self.creations.hold(key, manifest, error)
        except BaseException:
            with self.table.lock:
                self.table.pods.pop(key, None)
                self.table.by_name.pop(name, None)
            raise
        return name

    # -- observe ---------------------------------------------------------------------------
    def wait(self, timeout: float) -> list[RuntimeEvent]:
        events: list[RuntimeEvent] = []
        with unshielded():  # (as before: a stop may cut these; see signal_shield)
            self.creations.retry()
            self.disposals.retry()
            self._check_bounds()
            if time.monotonic() - self.last_resync >= self.resync_interval:
                try:
                    self._resync()
                except KubeError as error:  # an outage is bounded by api_timeout, not fatal
                    log.warning("re-listing the pods of run %s failed: %s", self.run_id, error)
                else:  # (not in an outage: their reads would hold the engine for nothing)
                    self.nodes.check()
                    never_started.check(self.observer)
            self.events.wait_for_news(max(0.0, min(timeout, 1.0)))  # (consumes nothing)
        while True:  # (taken off the queue only here, where the engine's shield holds)
            try:
                events.append(self.events.get_nowait())
            except queue.Empty:
                return events

    def _watch(self) -> None:
        version: str | None = None
        backoff = 0.2
        while not self.stopping.is_set():
            try:
                if version is None:
                    version = self._resync()
                for kind, pod in self.api.watch_pods(self.labels, version, self._answered):
                    if self.stopping.is_set():
                        return
                    version = str((pod.get("metadata") or {}).get("resourceVersion") or version)
                    self.observer.on_pod(kind, pod)
                    self.api_down_since = None
                    backoff = 0.2
            except KubeGone:
                version = None  # too old: list again, then watch from the new version
            except KubeError as error:
                if self.stopping.is_set():
                    return
                if self.api_down_since is None:
                    self.api_down_since = time.monotonic()
                if not error.temporary:
                    self._refused(error)
                log.debug(
                    "watch of run %s failed (%s); retrying in %.1fs", self.run_id, error, backoff
                )
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 10.0)
            except Exception:  # the watch must never die
                log.exception("watch of run %s failed unexpectedly", self.run_id)
                self.stopping.wait(1.0)

    def _answered(self) -> None:
        """The API took a watch: it is reachable again, though no pod may change soon."""
        self.api_down_since = None

    def _resync(self) -> str:  # returns the list's resourceVersion
        """List the run's pods; treat each as an update; notice pods that vanished."""
        self.last_resync = time.monotonic()
        try:
            listed: tuple[list[dict[str, Any]], str] = with_retries(
                lambda: self.api.list_pods(self.labels),
                what="list pods",
                window=10 if self.api_down_since is None else 0,  # (an outage: next round)
            )
        except KubeError as error:
            if self.api_down_since is None:
                self.api_down_since = time.monotonic()
            if not error.temporary:
                self._refused(error)
            raise
        self.api_down_since = None
        self.refused = None
        items, version = listed
        seen = set()
        for pod in items:
            seen.add(pod["metadata"]["name"])
            self.observer.on_pod("MODIFIED", pod)
        for name in takeover.strays(self.observer, self.disposals, items):
            log.warning(
                "pod %s is run %s's but no attempt waits for it: deleting it", name, self.run_id
            )
            self.disposals.release(name, 5)
        with self.table.lock:
            listed_at = time.monotonic()
            for key, tracked in list(self.table.pods.items()):
                if (
                    not tracked.ended
                    and tracked.unsent is None
                    and tracked.name not in seen
                    and listed_at - tracked.created > 5.0
                ):
                    self.observer.end(
                        key,
                        Failure(
                            FailureKind.LOST,
                            (
                                f"Pod {tracked.name} vanished (deleted without its finalizer being "
                                "honoured, or garbage-collected) before dagwell recorded its end."
                            ),
                        ),
                    )
        return version

    def _refused(self, error: KubeError) -> None:
        """The API refused to list or watch the pods (403 without the Role's verbs, ...)."""
        if self.refused is None:
            self.refused = (error, time.monotonic())
            log.warning("the API refuses to list or watch run %s's pods: %s", self.run_id, error)

    def _check_bounds(self) -> None:
        now = time.monotonic()
        with self.table.lock:
            open_pods = [(k, p) for k, p in self.table.pods.items() if not p.ended]
        end_overdue(
            self.observer,
            open_pods,
            now,
            pending_timeout=self.pending_timeout,
            api_timeout=self.api_timeout,
            api_down_since=self.api_down_since,
        )
        note_outage(
            self.observer,
            open_pods,
            now,
            api_down_since=self.api_down_since,
            api_timeout=self.api_timeout,
        )
        end_unseen(
            self.observer,
            open_pods,
            now,
            refused=self.refused,
            api_down_since=self.api_down_since,
            api_timeout=self.api_timeout,
        )

    def observed_memory(self) -> int | None:
        return None

    # -- control ---------------------------------------------------------------------------
    def stop(self, step_id: str, attempt: int, reason: FailureKind) -> None:
        with self.table.lock:
            tracked = self.table.pods.get((step_id, attempt))
        if tracked is None or tracked.ended:
            return
        tracked.deleting = True
        if tracked.unsent is not None:  # the API never took it: no deletion to wait for
            self.observer.end(
                (step_id, attempt),
                Failure(
                    reason,
                    f"Stopped before the Kubernetes API took pod {tracked.name} "
                    f"({tracked.pending_why or 'its creation was being retried'}).",
                ),
            )
            return  # (a creation landing after all is a stray: see takeover.strays)
        outage = self.api_down_since is not None or self.disposals.failing
        refused = self.disposals.delete(tracked.name, 5, window=0 if outage else RELEASE_WINDOW)
        if refused is not None and not refused.temporary and refused.code != 404:
            why = undeletable(tracked.name, self.api.namespace, refused)  # (RBAC: for good)
            self.observer.end((step_id, attempt), Failure(reason, why))

    def release(self, step_id: str, attempt: int) -> None:
        with self.table.lock:  # (the table's lock is the disposals': no stray in between)
            tracked = self.table.pods.pop((step_id, attempt), None)
            if tracked is not None:
                self.table.by_name.pop(tracked.name, None)
                self.disposals.undisposed[tracked.name] = 0 if tracked.node_gone else 5
        if tracked is not None:
            self.disposals.release(tracked.name, 0 if tracked.node_gone else 5)

    def recover(
        self, spec: AttemptSpec, external_id: str | None, started_at: float | None
    ) -> AttemptExited | None:
        """See :func:`dagwell.kubernetes.takeover.recover`."""
        return takeover.recover(self.observer, spec, external_id)

    def sweep(self, recorded: Collection[tuple[str, int]]) -> int:
        """See :func:`dagwell.kubernetes.takeover.sweep`."""
        return takeover.sweep(self.observer, self.disposals, self.labels, recorded)

    def close(self) -> None:
        """Stop watching; no pod of this run and no finalizer of ours is left behind: the
        tracked pods and then every pod listed by this orchestrator's labels (a creation
        whose answer was lost may have landed), within ``CLOSE_WINDOW`` s (the API may be
        down: what is left then is named in the log, with how to remove it)."""
        self.stopping.set()
        self.api.interrupt_watch()
        self.watch_thread.join(10)  # no thread may outlive the runtime (clean shutdown)
        self.logs.close()
        with self.table.lock:
            names = [(p.name, 0 if p.node_gone else 5) for p in self.table.pods.values()]
            names += self.disposals.take_all()
            self.table.pods.clear()
            self.table.by_name.clear()
        left = self.disposals.dispose_all(
            names, {**self.labels, LABEL_INCARNATION: self.incarnation}, CLOSE_WINDOW
        )
        if left:
            log.warning(
                "the Kubernetes API did not let go of (refused, or did not answer in %.0fs) "
                "pods of run %s: they may be left (%s). "
                "Remove them once it answers: kubectl patch pod NAME --type=merge -p "
                '\'{"metadata":{"finalizers":null}}\' && kubectl delete pod -l %s=%s',
                CLOSE_WINDOW,
                self.run_id,
                ", ".join(left),
                LABEL_RUN,
                self.run_id,
            )
        self.api.close()
