"""Letting the pods go: dagwell's finalizer off, then the pod deleted, never forgotten.

A step pod keeps dagwell's finalizer until the engine recorded its end (the evidence must
not vanish first). Once recorded, the pod is let go; when the API fails the writes, the
pod is remembered and let go again on each round of the engine's loop, so that no pod
stays Terminating for good with dagwell's finalizer, and the engine never blocks on it:
once a write failed, the next pods are only remembered until a round's retry succeeds
(an outage holds the run ``RELEASE_WINDOW`` s once, not once per pod: eight pods ending
while the API failed its writes held a run 46 s). A stop's deletion (a timeout, the
run's stop) that the API failed is asked again each round in the same way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping

from dagwell.kubernetes.api import KubeApi, KubeError, with_retries
from dagwell.kubernetes.pods import FINALIZER

log = logging.getLogger("dagwell.kubernetes")
RELEASE_WINDOW = 5.0  # s a release retries a failing write (once per outage, not per pod)


def delete_pod(
    api: KubeApi, name: str, grace_seconds: int = 5, window: float = 30
) -> KubeError | None:
    """Delete pod ``name`` (a stop, a pending bound, a lost node), retrying for up to
    ``window`` s; an API that still fails is returned, not raised (the caller's attempt
    ends all the same, and the run's end lets go of every pod it labelled)."""
    try:
        with_retries(
            lambda: api.delete_pod(name, grace_seconds=grace_seconds),
            what=f"delete pod {name}",
            window=window,
        )
    except KubeError as error:
        return error
    return None


def undeletable(name: str, namespace: str, error: KubeError) -> str:
    """Why a stopped attempt ended with its pod not deleted, and how to remove the pod."""
    return (
        f"The Kubernetes API refused to delete pod {name} ({error}): it may still run. "
        f"Delete it: kubectl delete pod {name} -n {namespace}; and give the identity the "
        "orchestrator runs as `delete` on pods (the Role in docs/kubernetes.md)."
    )


class Disposals:
    """The pods whose end is recorded, let go now or, if the API fails, later."""

    def __init__(self, api: KubeApi, lock: threading.RLock) -> None:
        self.api = api
        self.lock = lock  # the pod table's: close() empties both at once
        self.undisposed: dict[str, int] = {}  # pods recorded but not let go yet -> grace
        # a write failed for a moment (an outage): the next pods are not waited for, one
        # by one (RELEASE_WINDOW each), but remembered until a round's retry succeeds
        self.failing = False
        self.deletions: dict[str, int] = {}  # pods a stop could not delete yet -> grace

    def release(self, name: str, grace: int) -> None:
        """Let pod ``name`` go now, or remember it to let go later (:meth:`retry`); it is
        remembered meanwhile, so that no re-list takes it for a stray (takeover.strays).
        While the API fails writes, only remembered: the engine waits for them once."""
        with self.lock:
            self.undisposed[name] = grace
        if self.failing:
            return  # (the next round's retry tries it)
        try:
            self._let_go(name, grace, window=RELEASE_WINDOW)
        except KubeError as error:  # never block the engine on it: see retry
            self.failing = error.temporary
            log.warning("pod %s is not let go yet (finalizer off, then deleted): %s", name, error)
            return
        with self.lock:
            self.undisposed.pop(name, None)

    def delete(self, name: str, grace: int, window: float) -> KubeError | None:
        """Delete pod ``name`` for a stop (a timeout, the run's stop); one the API fails
        to delete for now is deleted again each round (:meth:`retry`): else it ran on
        after the outage, its attempt waiting for its own end (a timeout never enforced)."""
        error = delete_pod(self.api, name, grace, window)
        if error is not None and error.temporary:
            self.failing = True
            with self.lock:
                self.deletions[name] = grace
        return error

    def retry(self) -> None:
        """Delete the pods a stop could not, then let go of the pods whose finalizer could
        not be removed when their end was recorded (the API failing writes for a while):
        while the run goes on, not only once, so that no pod stays Terminating for good
        with dagwell's finalizer."""
        with self.lock:
            asked = list(self.deletions.items())
        for name, grace in asked:
            error = delete_pod(self.api, name, grace, window=0)
            if error is not None and error.temporary:
                self.failing = True
                return  # the API fails: the others wait for the next round
            with self.lock:
                self.deletions.pop(name, None)
        with self.lock:
            due = list(self.undisposed.items())
        for name, grace in due:
            try:
                self._let_go(name, grace, window=0)
            except KubeError as error:
                if error.temporary:
                    self.failing = True
                    return  # the API fails: the others wait for the next round
                log.warning("cannot let pod %s go: %s", name, error)
            self.failing = False
            with self.lock:
                self.undisposed.pop(name, None)

    def take_all(self) -> list[tuple[str, int]]:
        """The pods still to let go (name, grace), forgotten here: the caller disposes."""
        with self.lock:
            due = list(self.undisposed.items())
            self.undisposed.clear()
        return due

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

    def dispose_all(
        self, names: list[tuple[str, int]], labels: Mapping[str, str], window: float
    ) -> list[str]:
        """Let go of pods ``names`` (name, grace), then of every pod ``labels`` select that
        still has dagwell's finalizer or is not being deleted, within ``window`` s in all;
        return the pods that may be left (the API did not answer in time)."""
        deadline = time.monotonic() + window
        left: dict[str, None] = {}

        def let_go(name: str, grace: int) -> None:
            try:
                if time.monotonic() >= deadline:
                    raise KubeError("no time left", None, True)
                self._let_go(name, grace, window=deadline - time.monotonic())
                left.pop(name, None)
            except KubeError:
                left[name] = None

        for name, grace in names:
            let_go(name, grace)
        try:
            items, _ = with_retries(
                lambda: self.api.list_pods(labels),
                what="list pods",
                window=max(0.0, deadline - time.monotonic()),
            )
        except KubeError:
            return [
                *left,
                "any other pod labelled " + ",".join(f"{k}={v}" for k, v in labels.items()),
            ]
        for pod in items:
            meta = pod.get("metadata") or {}
            if FINALIZER in (meta.get("finalizers") or []) or not meta.get("deletionTimestamp"):
                let_go(str(meta.get("name")), 5)
        return list(left)
