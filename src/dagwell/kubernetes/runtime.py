"""The Kubernetes runtime: one pod per attempt, watched (not polled), never left behind.

A background thread lists the run's pods by label, then watches from that list's
resourceVersion; a 410 re-lists, dropped connections and 5xx resume with backoff, and the
engine's thread re-lists every ``resync_interval`` so a missed event cannot strand an
attempt. Every pod change is classified (:func:`classify_pod`); a terminal one becomes an
AttemptExited once the pod's log, followed while it ran (:mod:`dagwell.kubernetes.pod_logs`),
is stored to its end. The pod's finalizer is removed, and the pod deleted, only in
:meth:`release`, after the engine recorded the end.

Bounds, so that no attempt stays "running" forever: a pod pending past
``pending_timeout`` (read afresh then, not through a watch that may lag) ends
``unschedulable``; a pod that vanishes ends ``lost`` (or
``node_lost``); a pod whose node has not been Ready for ``node_lost_timeout`` (its kubelet
is silent, so the pod shows Running for ever unless a taint manager deletes it) ends
``node_lost``; if the API itself stays unreachable past ``api_timeout``, every attempt
still open ends ``lost``; if it refuses to list or watch the run's pods (RBAC), at once
``config_error``: nothing could be seen of them.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from dagwell.artifact_store.store import open_artifact_store
from dagwell.core.errors import ConfigError
from dagwell.core.failures import Failure, FailureKind, OomScope
from dagwell.core.manifest import ResultManifest
from dagwell.core.units import format_seconds, parse_memory
from dagwell.kubernetes.api import (
    KubeApi,
    KubeConflict,
    KubeError,
    KubeGone,
    calling,
    with_retries,
)
from dagwell.kubernetes.classify import classify_pod
from dagwell.kubernetes.pod_logs import PodLogs
from dagwell.kubernetes.pods import (
    FINALIZER,
    LABEL_ATTEMPT,
    LABEL_INCARNATION,
    LABEL_RUN,
    LABEL_STEP,
    attempt_of,
    build_pod,
    label_value,
    quantity,
)
from dagwell.runtimes.base import (
    AttemptExited,
    AttemptRunning,
    AttemptSpec,
    AttemptWaiting,
    RuntimeEvent,
    RuntimeInfo,
)

log = logging.getLogger("dagwell.kubernetes")
EVENT_GRACE = 3.0  # s a pod deleted by someone else waits for the event that says why
REFUSAL_GRACE = 10.0  # s a refused list or watch must last to be taken as for good
CREATE_WINDOW = 10.0  # s a launch retries a failing create before it waits in the background


@dataclass
class _Pod:
    spec: AttemptSpec
    name: str
    created: float
    running_reported: bool = False
    ended: bool = False
    pending_why: str | None = None
    unsent: dict[str, Any] | None = None  # the manifest, while the API has not taken it
    tried: float = 0.0  # when its creation was last tried
    api_blocked_since: float | None = None  # unsent because the API fails (not a quota)
    note: str | None = None  # what the engine was last told about its wait
    deleting: bool = False  # dagwell itself deleted it (a stop, a pending bound)
    node: str | None = None  # where it runs, once it runs
    node_down_since: float | None = None  # when its node was first seen not Ready
    node_gone: bool = False  # it ended with its node: deleted with grace 0


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
        self.node_lost_timeout = node_lost_timeout
        self.nodes_unreadable = False  # said once: no `list nodes` (see _check_nodes)
        self.python = python
        self.incarnation = uuid.uuid4().hex[:5]
        self.labels = {LABEL_RUN: run_id}
        self.pods: dict[tuple[str, int], _Pod] = {}
        self.by_name: dict[str, tuple[str, int]] = {}
        self.events: queue.Queue[RuntimeEvent] = queue.Queue()
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.api_down_since: float | None = None
        self.refused: tuple[KubeError, float] | None = None  # a list or watch refused, since
        self.undisposed: dict[str, int] = {}  # pods recorded but not let go yet -> grace
        self.last_resync = time.monotonic()
        self.logs = PodLogs(api)
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
        with self.lock:
            self.pods[key] = _Pod(spec, name, time.monotonic())
            self.by_name[name] = key
        try:
            with_retries(
                lambda: self.api.create_pod(manifest),
                what=f"create pod {name}",
                window=CREATE_WINDOW,
            )
        except KubeConflict:
            pass  # created by a retry whose response was lost: it is ours (same incarnation)
        except KubeError as error:
            if not (_quota_exceeded(error) or error.temporary):
                with self.lock:
                    self.pods.pop(key, None)
                    self.by_name.pop(name, None)
                if _default_limit_below_request(error, spec):
                    raise KubeError(f"{error}. {_LIMIT_RANGE_FIX}", error.code) from error
                raise
            self._hold(key, manifest, error)
        except BaseException:
            with self.lock:
                self.pods.pop(key, None)
                self.by_name.pop(name, None)
            raise
        return name

    # -- observe ---------------------------------------------------------------------------
    def _hold(self, key: tuple[str, int], manifest: dict[str, Any], error: KubeError) -> None:
        """The pod could not be created yet: keep the attempt pending and create the pod
        again (in :meth:`wait`, never blocking the engine). A quota that refuses it is
        capacity, not a verdict: ``pending_timeout`` bounds that wait (``unschedulable``).
        An API that fails (5xx, 429, unreachable) is an outage: ``api_timeout`` bounds it
        (``lost``), and no retry is spent on it meanwhile."""
        now = time.monotonic()
        with self.lock:
            tracked = self.pods.get(key)
            if tracked is None:
                return
            tracked.unsent = manifest
            tracked.tried = now
            if _quota_exceeded(error):
                tracked.api_blocked_since = None
                wait = "waiting for quota"
            else:
                tracked.api_blocked_since = tracked.api_blocked_since or now
                wait = "waiting for the Kubernetes API to take the pod"
            tracked.pending_why = f"{wait} ({error})"
            news = tracked.note != wait  # (a retry each second, refused alike, is no news)
            tracked.note = wait
        if news:
            log.info("pod %s is %s: %s", tracked.name, wait, error)
            self.events.put(AttemptWaiting(key[0], key[1], f"{wait}: {error}"))

    def _retry_unsent(self) -> None:
        now = time.monotonic()
        with self.lock:
            blocked = [
                (k, p)
                for k, p in self.pods.items()
                if p.unsent is not None and not p.ended and now - p.tried >= 1.0
            ]
        for key, tracked in blocked:
            manifest = tracked.unsent
            assert manifest is not None
            tracked.tried = now
            try:
                calling(partial(self.api.create_pod, manifest))
            except KubeConflict:
                pass
            except KubeError as error:
                if _quota_exceeded(error) or error.temporary:
                    self._hold(key, manifest, error)
                    if error.temporary:
                        break  # the API fails: the others wait for the next round
                    continue
                self._end(key, Failure(FailureKind.CONFIG_ERROR, str(error), retryable=False))
                continue
            if tracked.api_blocked_since is not None:
                tracked.created = now  # its pending starts now: the outage was not its wait
            tracked.unsent = None
            tracked.api_blocked_since = None
            tracked.pending_why = None
            tracked.note = None
            self.events.put(AttemptWaiting(key[0], key[1], None))

    def wait(self, timeout: float) -> list[RuntimeEvent]:
        self._retry_unsent()
        self._retry_disposals()
        self._check_bounds()
        if time.monotonic() - self.last_resync >= self.resync_interval:
            try:
                self._resync()
            except KubeError as error:  # an outage is bounded by api_timeout, not fatal
                log.warning("re-listing the pods of run %s failed: %s", self.run_id, error)
            self._check_nodes()
        events: list[RuntimeEvent] = []
        try:
            events.append(self.events.get(timeout=max(0.0, min(timeout, 1.0))))
        except queue.Empty:
            return events
        while True:
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
                for kind, pod in self.api.watch_pods(self.labels, version):
                    if self.stopping.is_set():
                        return
                    version = str((pod.get("metadata") or {}).get("resourceVersion") or version)
                    self._on_pod(kind, pod)
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

    def _resync(self) -> str:  # returns the list's resourceVersion
        """List the run's pods; treat each as an update; notice pods that vanished."""
        self.last_resync = time.monotonic()
        try:
            listed: tuple[list[dict[str, Any]], str] = with_retries(
                lambda: self.api.list_pods(self.labels), what="list pods", window=10
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
            self._on_pod("MODIFIED", pod)
        with self.lock:
            listed_at = time.monotonic()
            for key, tracked in list(self.pods.items()):
                if (
                    not tracked.ended
                    and tracked.unsent is None
                    and tracked.name not in seen
                    and listed_at - tracked.created > 5.0
                ):
                    self._end(
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

    def _on_pod(self, kind: str, pod: dict[str, Any]) -> None:
        meta = pod.get("metadata") or {}
        if (meta.get("labels") or {}).get(LABEL_INCARNATION) != self.incarnation:
            return  # a pod of an earlier orchestrator of this run (see sweep)
        name = meta.get("name", "")
        with self.lock:
            key = self.by_name.get(name)
            tracked = self.pods.get(key) if key else None
            if key is None or tracked is None or tracked.ended:
                return
        verdict = classify_pod(pod)
        if kind == "DELETED" and verdict.state not in ("succeeded", "failed"):
            failure = verdict.failure or Failure(
                FailureKind.LOST, (f"Pod {name} was deleted before it finished.")
            )
            self._end(
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
            tracked.pending_why = verdict.failure.message if verdict.failure else None
        elif verdict.state in ("succeeded", "failed"):
            self._end(key, verdict.failure, pod, verdict.exit_code, verdict.node)

    def _end(
        self,
        key: tuple[str, int] | None,
        failure: Failure | None,
        pod: dict[str, Any] | None = None,
        exit_code: int | None = None,
        node: str | None = None,
    ) -> None:
        if key is None:
            return
        with self.lock:
            tracked = self.pods.get(key)
            if tracked is None or tracked.ended:
                return
            tracked.ended = True
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
            failure = self._explained(tracked.name, pod, failure.kind) or failure
        limit = tracked.spec.memory_limit
        if limit is None and pod is not None:
            limit = _container_memory_limit(pod)  # none of dagwell's: the namespace's
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
                time.time(),
                node,
                external_id=tracked.name,
            )
        )

    def _check_bounds(self) -> None:
        now = time.monotonic()
        with self.lock:
            open_pods = [(k, p) for k, p in self.pods.items() if not p.ended]
        for key, tracked in open_pods:
            blocked = tracked.api_blocked_since
            if tracked.unsent is not None and blocked is not None:
                if now - blocked > self.api_timeout:
                    self._end(
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
            if not tracked.running_reported and now - tracked.created > self.pending_timeout:
                self._look_again(tracked.name)  # the watch may lag: not on a stale view
                if tracked.ended or tracked.running_reported:
                    continue
                why = (tracked.pending_why or "it was never scheduled and started").rstrip(".")
                self._end(
                    key,
                    Failure(
                        FailureKind.UNSCHEDULABLE,
                        (
                            f"Pod {tracked.name} stayed pending for "
                            f"{format_seconds(now - tracked.created)}: {why}. Lower its "
                            "requests, add capacity, or raise pending_timeout."
                        ),
                    ),
                )
                self._delete(tracked.name)
        refused = self.refused
        if refused is not None and now - refused[1] >= REFUSAL_GRACE:
            for key, tracked in open_pods:
                self._end(
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
        if self.api_down_since is not None and now - self.api_down_since > self.api_timeout:
            for key, tracked in open_pods:
                self._end(
                    key,
                    Failure(
                        FailureKind.LOST,
                        (
                            f"The Kubernetes API was unreachable for more than "
                            f"{format_seconds(self.api_timeout)}; the fate of pod "
                            f"{tracked.name} is unknown."
                        ),
                    ),
                )

    def _check_nodes(self) -> None:
        """End the attempts whose node has not been Ready for ``node_lost_timeout``.

        A node that stops reporting (a partition, a frozen machine) leaves its pods showing
        Running for ever: its kubelet will never write their end, and the taint manager
        deletes them only if they do not tolerate the unreachable taint (a toleration with
        ``operator: Exists`` tolerates it for ever). The node's Ready condition is what
        the API knows; past the bound the attempt ends ``node_lost`` (the infrastructure's
        budget) and its pod is deleted at once (grace 0: no kubelet will confirm it)."""
        with self.lock:
            watched = [(k, p) for k, p in self.pods.items() if not p.ended and p.node]
        if not watched:
            return
        try:
            listed = with_retries(self.api.list_nodes, what="list nodes", window=5)
        except KubeError as error:  # an outage: next time; a refusal: said once
            if not error.temporary and not self.nodes_unreadable:
                self.nodes_unreadable = True
                log.warning(
                    "cannot read the nodes of run %s's pods (%s): a pod whose node goes "
                    "silent ends only when it is deleted (give the Role `list` on nodes)",
                    self.run_id,
                    error,
                )
            return
        nodes = {str((n.get("metadata") or {}).get("name")): n for n in listed}
        now = time.monotonic()
        for key, tracked in watched:
            assert tracked.node is not None
            why = _not_ready(nodes.get(tracked.node))
            if why is None:
                tracked.node_down_since = None
                continue
            if tracked.node_down_since is None:
                tracked.node_down_since = now
            if now - tracked.node_down_since < self.node_lost_timeout:
                continue
            pod = None
            with contextlib.suppress(KubeError):
                pod = self.api.get_pod(tracked.name)
            if pod is not None:
                self._on_pod("MODIFIED", pod)  # it may have ended after all
            if tracked.ended:
                continue
            tracked.deleting = True
            self._end(
                key,
                Failure(
                    FailureKind.NODE_LOST,
                    (
                        f"Node {tracked.node} {why}: pod {tracked.name} on it can report "
                        f"nothing, and {format_seconds(now - tracked.node_down_since)} passed "
                        "without the node coming back (node_lost_timeout)."
                    ),
                    node=tracked.node,
                ),
                pod,
                node=tracked.node,
            )
            self._delete(tracked.name, grace_seconds=0)

    def observed_memory(self) -> int | None:
        return None

    # -- control ---------------------------------------------------------------------------
    def _delete(self, name: str, grace_seconds: int = 5) -> None:
        with contextlib.suppress(KubeError):
            with_retries(
                lambda: self.api.delete_pod(name, grace_seconds=grace_seconds),
                what=f"delete pod {name}",
                window=30,
            )

    def _look_again(self, name: str) -> None:
        """Read pod ``name`` as it is now, as if the watch had brought it."""
        with contextlib.suppress(KubeError):
            pod = self.api.get_pod(name)
            if pod is not None:
                self._on_pod("MODIFIED", pod)

    def _explained(self, name: str, pod: dict[str, Any], kind: FailureKind) -> Failure | None:
        """Kubernetes before 1.26 marks no condition on a pod it deletes: kube-scheduler
        deletes a preempted pod and records a ``Preempted`` event on it, the taint manager
        deletes the pods of a node gone unreachable and records ``TaintManagerEviction``. A
        pod someone else deleted is looked up there, so that preemption is ``preempted``
        and a lost node ``node_lost``, not the step's failure nor a bare ``lost``.

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
                events = self.api.pod_events(name)
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

    def stop(self, step_id: str, attempt: int, reason: FailureKind) -> None:
        with self.lock:
            tracked = self.pods.get((step_id, attempt))
        if tracked is not None and not tracked.ended:
            tracked.deleting = True
            self._delete(tracked.name)

    def release(self, step_id: str, attempt: int) -> None:
        with self.lock:
            tracked = self.pods.pop((step_id, attempt), None)
            if tracked is not None:
                self.by_name.pop(tracked.name, None)
        if tracked is not None:
            grace = 0 if tracked.node_gone else 5
            try:
                self._let_go(tracked.name, grace, window=5)
            except KubeError as error:  # never block the engine on it: see _retry_disposals
                log.warning("pod %s keeps its finalizer for now: %s", tracked.name, error)
                with self.lock:
                    self.undisposed[tracked.name] = grace

    def _retry_disposals(self) -> None:
        """Let go of the pods whose finalizer could not be removed when their end was
        recorded (the API failing writes for a while): while the run goes on, not only
        once, so that no pod stays Terminating for good with dagwell's finalizer."""
        with self.lock:
            due = list(self.undisposed.items())
        for name, grace in due:
            try:
                self._let_go(name, grace, window=0)
            except KubeError as error:
                if error.temporary:
                    return  # the API fails: the others wait for the next round
                log.warning("cannot let pod %s go: %s", name, error)
            with self.lock:
                self.undisposed.pop(name, None)

    def _let_go(self, name: str, grace_seconds: int, window: float) -> None:
        """Remove the finalizer of pod ``name``, then delete it; raises what the API says."""
        with_retries(
            lambda: self.api.remove_finalizer(name, FINALIZER),
            what=f"remove finalizer of {name}",
            window=window,
        )
        with_retries(
            lambda: self.api.delete_pod(name, grace_seconds=grace_seconds),
            what=f"delete pod {name}",
            window=window,
        )

    def _dispose(self, name: str, grace_seconds: int = 5) -> None:
        """The end is recorded: let the pod go (finalizer off, then delete; with grace 0
        when its node is lost, since no kubelet is left to confirm a graceful deletion)."""
        with contextlib.suppress(KubeError):
            with_retries(
                lambda: self.api.remove_finalizer(name, FINALIZER),
                what=f"remove finalizer of {name}",
                window=30,
            )
        self._delete(name, grace_seconds)

    def recover(
        self, spec: AttemptSpec, external_id: str | None, started_at: float | None
    ) -> AttemptExited | None:
        """Adopt a pod of a dead orchestrator that still runs; read the end of one that
        finished; a pod that is gone is ``lost``. An attempt recorded before its pod had a
        name (the engine records a step ordered by ``after=`` before launching it) is found
        by its pod's labels."""
        named = external_id is not None
        external_id = external_id or self._pod_of(spec)
        pod = (
            with_retries(lambda: self.api.get_pod(external_id), what="get pod")
            if external_id
            else None
        )
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
        with self.lock:
            self.pods[key] = _Pod(
                spec,
                external_id,
                time.monotonic(),
                running_reported=verdict.state == "running",
                node=verdict.node if verdict.state == "running" else None,
            )
            self.by_name[external_id] = key
        if verdict.state in ("succeeded", "failed"):
            self._adopted_end(key, pod)
        else:  # adopted: from now on its changes reach us like our own pods'
            if verdict.state == "running":
                self.logs.follow(spec, external_id)
                if not named:  # (the record has no pod name yet: this tells it)
                    self.events.put(AttemptRunning(key[0], key[1], external_id, verdict.node))
            self._relabel(external_id)
        return None

    def _pod_of(self, spec: AttemptSpec) -> str | None:
        labels = {
            LABEL_RUN: spec.run_id,
            LABEL_STEP: label_value(spec.step_id),
            LABEL_ATTEMPT: str(spec.attempt),
        }
        items, _ = with_retries(lambda: self.api.list_pods(labels), what="list pods")
        ours = [p for p in items if attempt_of(p) == (spec.step_id, spec.attempt)]
        ours.sort(key=lambda p: str(p["metadata"].get("creationTimestamp") or ""))
        return str(ours[-1]["metadata"]["name"]) if ours else None

    def _adopted_end(self, key: tuple[str, int], pod: dict[str, Any]) -> None:
        verdict = classify_pod(pod)
        self._end(key, verdict.failure, pod, verdict.exit_code, verdict.node)

    def _relabel(self, name: str) -> None:
        with contextlib.suppress(KubeError):
            with_retries(
                lambda: self.api.label_pod(name, {LABEL_INCARNATION: self.incarnation}),
                what=f"adopt pod {name}",
            )

    def sweep(self, recorded: Collection[tuple[str, int]]) -> int:
        """Delete pods of this run that no running attempt of the record has; return how
        many of them still ran. One that ended is a recorded attempt's leftover (its end
        recorded, the orchestrator killed before it let the pod go): let go, not counted."""
        items, _ = with_retries(lambda: self.api.list_pods(self.labels), what="list pods")
        with self.lock:
            mine = {p.name for p in self.pods.values()}
        ghosts = 0
        for pod in items:
            name = pod["metadata"]["name"]
            if name not in mine:
                ghosts += classify_pod(pod).state not in ("succeeded", "failed")
                self._dispose(name)
        return ghosts

    def close(self) -> None:
        """Stop watching; no pod of this run and no finalizer of ours is left behind."""
        self.stopping.set()
        self.api.interrupt_watch()
        self.watch_thread.join(10)  # no thread may outlive the runtime (clean shutdown)
        self.logs.close()
        with self.lock:
            names = [(p.name, 0 if p.node_gone else 5) for p in self.pods.values()]
            names += list(self.undisposed.items())
            self.pods.clear()
            self.by_name.clear()
            self.undisposed.clear()
        for name, grace in names:
            self._dispose(name, grace)
        self.api.close()


def _not_ready(node: Mapping[str, Any] | None) -> str | None:
    """Why ``node`` cannot be running its pods (gone, or Ready not True), or None."""
    if node is None:
        return "is gone from the cluster"
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            if condition.get("status") == "True":
                return None
            detail = str(condition.get("message") or condition.get("reason") or "").rstrip(".")
            state = f"Ready={condition.get('status')}" + (f": {detail}" if detail else "")
            return f"is not Ready ({state})"
    return "reports no Ready condition"


_LIMIT_RANGE_FIX = (
    "The namespace's LimitRange gives containers a default memory limit below the memory "
    "this pod requests, which dagwell chose because the step declares none "
    "(KubernetesOrchestrator(default_memory=...), or the step's memory history): declare "
    "the step's memory (ResourceSettings(memory=...)), or set default_memory at or below "
    "the LimitRange's default limit"
)


def _default_limit_below_request(error: KubeError, spec: AttemptSpec) -> bool:
    """422 at creation: a LimitRange's default limit (a step without a declared memory
    gets no limit from dagwell) came out below the request dagwell made."""
    return (
        error.code == 422
        and spec.memory_limit is None
        and "must be less than or equal to memory limit" in str(error)
    )


def _container_memory_limit(pod: Mapping[str, Any]) -> int | None:
    """The memory limit of the step's container, as the API holds it, in bytes."""
    for container in (pod.get("spec") or {}).get("containers") or []:
        if container.get("name") == "step":
            value = ((container.get("resources") or {}).get("limits") or {}).get("memory")
            with contextlib.suppress(ConfigError):
                return parse_memory(str(value)) if value else None
    return None


def _quota_exceeded(error: KubeError) -> bool:
    """403 "exceeded quota" at pod creation (the ResourceQuota admission plugin)."""
    return error.code == 403 and "exceeded quota" in str(error)


def _manifest_failure(manifest: ResultManifest, exit_code: int | None) -> Failure:
    kind = FailureKind(manifest.error_kind or FailureKind.USER_ERROR)
    return Failure(
        kind,
        manifest.error_text(),
        exit_code,
        reason=manifest.error_type,
        traceback=manifest.traceback,
    )
