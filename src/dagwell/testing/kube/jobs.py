"""A Job controller for the fake API server, doing what kube-controller-manager's does.

For each Job that has not finished: while no pod of it is active, create one from the
template (labels ``controller-uid`` and ``job-name``, an owner reference); a pod that
succeeds completes the Job (condition ``Complete``); failed pods count against
``backoffLimit`` and when they exceed it the Job fails (condition ``Failed``, reason
``BackoffLimitExceeded``) and its active pods are deleted. A deleted pod is not counted as
a failure (as in Kubernetes 1.20, which tracks failures by the pods it can still see).
Restarts are not delayed (the real controller waits 10 s, 20 s, ...).
"""

from __future__ import annotations

import copy
import threading
import uuid
from dataclasses import dataclass, field

from dagwell.testing.kube.server import FakeApiServer
from dagwell.testing.kube.store import ApiFailure, Obj, now_iso


def _finished(job: Obj) -> bool:
    return any(
        c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
        for c in (job.get("status") or {}).get("conditions") or []
    )


@dataclass
class FakeJobController:
    server: FakeApiServer
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> FakeJobController:
        self._thread = threading.Thread(target=self._run, daemon=True, name="fake-job-controller")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        store = self.server.store
        while not self._stop.is_set():
            jobs, _ = store.list("jobs", None)
            for job in jobs:
                if not _finished(job):
                    try:
                        self.sync(job)
                    except ApiFailure:
                        continue  # changed under us: next tick
            with store.cond:
                store.cond.wait(0.1)

    def sync(self, job: Obj) -> None:
        store = self.server.store
        meta = job["metadata"]
        namespace, uid = meta.get("namespace", ""), meta["uid"]
        pods, _ = store.list("pods", namespace, f"controller-uid={uid}")
        phases = [(p.get("status") or {}).get("phase") for p in pods]
        failed = phases.count("Failed")
        succeeded = phases.count("Succeeded")
        active = [
            p
            for p, phase in zip(pods, phases, strict=True)
            if phase not in ("Failed", "Succeeded") and not p["metadata"].get("deletionTimestamp")
        ]
        limit = int((job.get("spec") or {}).get("backoffLimit", 6))
        condition = None
        if succeeded:
            condition = {"type": "Complete", "status": "True"}
        elif failed > limit:
            condition = {
                "type": "Failed",
                "status": "True",
                "reason": "BackoffLimitExceeded",
                "message": "Job has reached the specified backoff limit",
            }
            for pod in active:
                self.server.delete_pod(namespace, pod["metadata"]["name"], 0)
            active = []
        elif not active:
            self._create_pod(job)
            active = [job]

        def status(obj: Obj) -> None:
            state = obj.setdefault("status", {})
            state.update(active=len(active), failed=failed, succeeded=succeeded)
            state.setdefault("startTime", now_iso())
            if condition is not None:
                state["conditions"] = [{**condition, "lastTransitionTime": now_iso()}]
                if condition["type"] == "Complete":
                    state["completionTime"] = now_iso()

        store.modify("jobs", namespace, meta["name"], status)

    def _create_pod(self, job: Obj) -> None:
        meta = job["metadata"]
        template = copy.deepcopy((job.get("spec") or {}).get("template") or {})
        pod_meta = template.setdefault("metadata", {})
        pod_meta["name"] = f"{meta['name']}-{uuid.uuid4().hex[:5]}"
        pod_meta["labels"] = {
            **(pod_meta.get("labels") or {}),
            "controller-uid": meta["uid"],
            "job-name": meta["name"],
        }
        pod_meta["ownerReferences"] = [
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "name": meta["name"],
                "uid": meta["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        body = {"apiVersion": "v1", "kind": "Pod", **template, "status": {"phase": "Pending"}}
        self.server.store.create("pods", meta.get("namespace", ""), body)
