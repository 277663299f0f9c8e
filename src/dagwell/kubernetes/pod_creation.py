"""Pod creations the API did not take yet: held, retried in the background, bounded.

A launch retries a failing create for ``CREATE_WINDOW`` seconds, then must not block the
engine: a quota that refuses the pod is capacity, not a verdict, and an API that fails is
an outage. Either way the attempt stays pending with its manifest held here, and the
engine's loop (:meth:`HeldCreations.retry`) creates the pod again until the API takes it
or a bound (``pending_timeout``, ``api_timeout``: see :mod:`dagwell.kubernetes.bounds`)
ends the wait.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import Any

from dagwell.core.failures import Failure, FailureKind
from dagwell.kubernetes.api import KubeConflict, KubeError, calling
from dagwell.kubernetes.observe import Observer
from dagwell.kubernetes.tracked import Key
from dagwell.runtimes.base import AttemptSpec, AttemptWaiting

log = logging.getLogger("dagwell.kubernetes")
CREATE_WINDOW = 10.0  # s a launch retries a failing create before it waits in the background

LIMIT_RANGE_FIX = (
    "The namespace's LimitRange gives containers a default memory limit below the memory "
    "this pod requests, which dagwell chose because the step declares none "
    "(KubernetesOrchestrator(default_memory=...), or the step's memory history): declare "
    "the step's memory (ResourceSettings(memory=...)), or set default_memory at or below "
    "the LimitRange's default limit"
)


FORBIDDEN_FIX = (
    "The identity the orchestrator runs as may not create pods here: give it the Role in "
    "docs/kubernetes.md (pods: create, get, list, watch, patch, delete; pods/log: get; "
    "resourcequotas, events: list) with a RoleBinding in this namespace"
)


def forbidden(error: KubeError) -> bool:
    """403 at pod creation that is not a quota: RBAC (or an admission policy) refuses."""
    return error.code == 403 and not quota_exceeded(error)


def quota_exceeded(error: KubeError) -> bool:
    """403 "exceeded quota" at pod creation (the ResourceQuota admission plugin)."""
    return error.code == 403 and "exceeded quota" in str(error)


def default_limit_below_request(error: KubeError, spec: AttemptSpec) -> bool:
    """422 at creation: a LimitRange's default limit (a step without a declared memory
    gets no limit from dagwell) came out below the request dagwell made."""
    return (
        error.code == 422
        and spec.memory_limit is None
        and "must be less than or equal to memory limit" in str(error)
    )


class HeldCreations:
    """The held manifests live on the tracked pods (``unsent``); this creates them again."""

    def __init__(self, observer: Observer) -> None:
        self.observer = observer
        self.api = observer.api
        self.table = observer.table
        self.events = observer.events

    def hold(self, key: Key, manifest: dict[str, Any], error: KubeError) -> None:
        """The pod could not be created yet: keep the attempt pending and create the pod
        again (in :meth:`retry`, never blocking the engine). A quota that refuses it is
        capacity, not a verdict: ``pending_timeout`` bounds that wait (``unschedulable``).
        An API that fails (5xx, 429, unreachable) is an outage: ``api_timeout`` bounds it
        (``lost``), and no retry is spent on it meanwhile."""
        now = time.monotonic()
        with self.table.lock:
            tracked = self.table.pods.get(key)
            if tracked is None:
                return
            tracked.unsent = manifest
            tracked.tried = now
            if quota_exceeded(error):
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

    def retry(self) -> None:
        now = time.monotonic()
        with self.table.lock:
            blocked = [
                (k, p)
                for k, p in self.table.pods.items()
                if p.unsent is not None and not p.ended and now - p.tried >= 1.0
            ]
        for key, tracked in blocked:
            manifest = tracked.unsent
            if manifest is None:
                continue  # seen meanwhile: an earlier creation landed (Observer.taken)
            tracked.tried = now
            try:
                calling(partial(self.api.create_pod, manifest))
            except KubeConflict:
                pass
            except KubeError as error:
                if quota_exceeded(error) or error.temporary:
                    self.hold(key, manifest, error)
                    if error.temporary:
                        break  # the API fails: the others wait for the next round
                    continue
                why = f"{error}. {FORBIDDEN_FIX}" if forbidden(error) else str(error)
                self.observer.end(key, Failure(FailureKind.CONFIG_ERROR, why, retryable=False))
                continue
            self.observer.taken(key, tracked)
