"""Pod logs, followed while the pod runs and kept where every reader finds them.

The Kubernetes runtime follows each running pod's log (one ``follow=true`` stream per
pod, read as the container writes: never polled, never downloaded again) and ships what it
reads to two places: the attempt's log file in the orchestrator's own home (what its
terminal echo tails) and the run's artifact store (:mod:`dagwell.artifact_store.attempt_logs`),
which outlives the orchestrator pod and is what a detached run's readers (``dagwell runs
logs``, the dashboard, ``Client().logs``) read. The shared copy is written at most once a
``flush_interval`` per attempt by one flusher thread, so a chatty step costs a few parts,
not one object per line; when the attempt ends, its log is drained, stored to its last
byte and joined into one object before the end is reported (the pod, and so its log, is
deleted only after that).

Every write is placed by its byte offset in the container's output. A stream that breaks
is opened again from the log's start and the bytes already kept are skipped, and so is
the log an orchestrator reads again after a restart: nothing lost, nothing twice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass, field

from dagwell.artifact_store.attempt_logs import AttemptLog
from dagwell.artifact_store.store import ArtifactStore, open_artifact_store
from dagwell.kubernetes.api import KubeApi, KubeError, KubeNotFound
from dagwell.runtimes.base import AttemptSpec

log = logging.getLogger("dagwell.kubernetes.pod_logs")
FLUSH_INTERVAL = 1.0  # s between two writes of one attempt's new output to the artifact store
DRAIN_TIMEOUT = 5.0  # s an ended attempt's stream may take to deliver its last bytes
MAX_PENDING = 4 << 20  # bytes buffered for the artifact store before the reader writes itself


@dataclass
class _Shipment:
    spec: AttemptSpec
    pod: str
    shared: AttemptLog
    local: str | None
    local_size: int = 0
    kept: int = 0  # bytes the artifact store held when this orchestrator began shipping
    pending: bytearray = field(default_factory=bytearray)
    pending_start: int = 0  # offset in the output of pending[0]
    received: int = 0  # bytes of the output seen so far, from its start
    complete: bool = False  # a stream reached the end of the container's output
    lock: threading.Lock = field(default_factory=threading.Lock)
    flushing: threading.Lock = field(default_factory=threading.Lock)
    thread: threading.Thread | None = None

    def feed(self, offset: int, data: bytes) -> None:
        """Bytes ``data`` of the output, starting at ``offset``; keep only what is new."""
        with self.lock:
            end = offset + len(data)
            if end <= self.received:
                return
            new = data[self.received - offset :] if offset < self.received else data
            start = max(offset, self.received)
            if self.local is not None and start + len(new) > self.local_size:
                skip = max(0, self.local_size - start)
                try:
                    with open(self.local, "ab") as f:
                        f.write(new[skip:])
                    self.local_size = start + len(new)
                except OSError as error:  # a full or read-only home: the shared copy goes on
                    log.warning("cannot write %s (%s); its copy here stops", self.local, error)
                    self.local = None
            self.received = end
            if end <= self.kept:  # read again after a restart: stored already
                return
            if start < self.kept:
                new, start = new[self.kept - start :], self.kept
            if not self.pending:
                self.pending_start = start
            self.pending += new

    def flush(self) -> None:
        with self.flushing:
            with self.lock:
                if not self.pending:
                    return
                start, data = self.pending_start, bytes(self.pending)
            self.shared.append(start, data)  # raises: kept, written with the next flush
            with self.lock:
                del self.pending[: len(data)]
                self.pending_start = start + len(data)


class PodLogs:
    """The followers of one runtime's pods and their flusher thread."""

    def __init__(self, api: KubeApi, flush_interval: float = FLUSH_INTERVAL) -> None:
        self.api = api
        self.flush_interval = flush_interval
        self._shipments: dict[tuple[str, int], _Shipment] = {}
        self._stores: dict[str, ArtifactStore] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._flusher: threading.Thread | None = None

    def _shipment(self, spec: AttemptSpec, pod: str) -> _Shipment:
        key = (spec.step_id, spec.attempt)
        with self._lock:
            found = self._shipments.get(key)
            if found is not None:
                return found
            store = self._stores.get(spec.artifact_store)
            if store is None:
                store = self._stores[spec.artifact_store] = open_artifact_store(spec.artifact_store)
            local, local_size = spec.log_path, 0
            if local:
                try:
                    os.makedirs(os.path.dirname(local), exist_ok=True)
                    with contextlib.suppress(FileNotFoundError):
                        local_size = os.path.getsize(local)
                except OSError as error:  # a read-only home: keep the shared copy only
                    log.warning("cannot keep a copy of %s's log in %s: %s", pod, local, error)
                    local = None
            shared = AttemptLog(store, spec.run_id, spec.step_id, spec.attempt)
            kept = 0
            try:
                kept = shared.stored()
            except Exception as error:  # the store is down: dedupe at the first write
                log.warning("could not list the stored log of pod %s: %s", pod, error)
            shipment = _Shipment(spec, pod, shared, local, local_size, kept)
            self._shipments[key] = shipment
            return shipment

    def follow(self, spec: AttemptSpec, pod: str) -> None:
        """Start following pod ``pod``'s log (it runs); once per attempt. A store that
        cannot be opened is logged: the end's one-shot read tries again."""
        try:
            shipment = self._shipment(spec, pod)
        except Exception:
            log.exception("cannot keep the log of pod %s", pod)
            return
        with self._lock:
            if shipment.thread is not None or self._stopping.is_set():
                return
            shipment.thread = threading.Thread(
                target=self._follow, args=(shipment,), daemon=True, name=f"dagwell-log-{pod}"
            )
            shipment.thread.start()
            if self._flusher is None:
                self._flusher = threading.Thread(
                    target=self._flush_loop, daemon=True, name="dagwell-log-flusher"
                )
                self._flusher.start()

    def _read(self, shipment: _Shipment, follow: bool) -> None:
        position = 0
        for chunk in self.api.stream_pod_log(shipment.pod, follow=follow):
            shipment.feed(position, chunk)
            position += len(chunk)
            if len(shipment.pending) > MAX_PENDING:  # a burst: do not wait for the flusher
                self._flush(shipment)
        shipment.complete = True

    def _follow(self, shipment: _Shipment) -> None:
        delay = 0.5
        while not self._stopping.is_set() and not shipment.complete:
            try:
                self._read(shipment, follow=True)
            except KubeNotFound:
                return  # the pod is gone: its end says what happened
            except KubeError as error:  # broken, or not started yet: read again from the start
                log.debug("log of pod %s: %s; again in %.1fs", shipment.pod, error, delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, 10.0)
            except Exception:  # a follower must never take the runtime down
                log.exception("following the log of pod %s failed", shipment.pod)
                self._stopping.wait(delay)
                delay = min(delay * 2, 10.0)

    def _flush_loop(self) -> None:
        while not self._stopping.wait(self.flush_interval):
            with self._lock:
                shipments = list(self._shipments.values())
            for shipment in shipments:
                self._flush(shipment)

    def _flush(self, shipment: _Shipment) -> bool:
        try:
            shipment.flush()
        except Exception as error:  # the store is down: the bytes stay and go next time
            log.warning(
                "could not store the log of %s attempt %d in %s: %s",
                shipment.spec.step_id,
                shipment.spec.attempt,
                shipment.spec.artifact_store,
                error,
            )
            return False
        return True

    def finish(self, spec: AttemptSpec, pod: str, ran: bool, drain: bool) -> None:
        """The attempt ended: store its log to the last byte and join it into one object.

        ``ran``: the pod was bound to a node (it may have a log). ``drain``: its container
        ended, so a following stream ends by itself (else, e.g. a lost node, it is cut)."""
        if not ran:
            with self._lock:
                self._shipments.pop((spec.step_id, spec.attempt), None)
            return
        shipment = self._shipment(spec, pod)
        thread = shipment.thread
        if thread is not None:
            thread.join(DRAIN_TIMEOUT if drain else 0.0)
            if thread.is_alive():
                self.api.interrupt_logs(pod)
                thread.join(2.0)
        if not shipment.complete:  # never followed, or cut short: read it whole, once
            with contextlib.suppress(KubeError):
                self._read(shipment, follow=False)
        if self._flush(shipment):
            with contextlib.suppress(Exception):
                shipment.shared.finish()
        with self._lock:
            self._shipments.pop((spec.step_id, spec.attempt), None)

    def close(self) -> None:
        """Stop following; store what was read (the attempts go on without us)."""
        self._stopping.set()
        self.api.interrupt_logs()
        with self._lock:
            shipments = list(self._shipments.values())
            self._shipments.clear()
        for shipment in shipments:
            if shipment.thread is not None:
                shipment.thread.join(2.0)
            self._flush(shipment)
        if self._flusher is not None:
            self._flusher.join(self.flush_interval + 5.0)
