"""Detached runs: the orchestrator pod, its Job, and what the Job's state says. Pure.

With ``KubernetesOrchestrator(synchronous=False)`` the engine runs in the cluster, in a pod
that runs ``python -m dagwell orchestrate RUN``. The pod is owned by a Job (batch/v1,
``restartPolicy: Never``, ``backoffLimit`` = ``orchestrator_restarts``): when the pod is
OOM-killed, evicted, deleted or loses its node, the Job controller starts another, which
resumes the run through the crash-safe path. The store URL reaches the pod only as a
Secret reference (``secretKeyRef``), never as a value in the pod spec.

An orchestrator that is alive but stuck (a deadlock, a hung call) would hold its run for
ever, since the Job only replaces a pod that ended. Its engine touches a file in its home at
every heartbeat (:data:`ALIVE_FILE`), and the pod's liveness probe fails once that file is
older than ``orchestrator_stuck_after`` seconds: the kubelet kills the container, the pod
fails, and the Job's next pod claims the run once the API says the old pod ended, so two
engines never drive one run.

:func:`check_detachable` refuses, when the orchestrator is defined, what the cluster could
not reach: a SQLite store, or artifacts on the submitting machine's disk.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Protocol

from dagwell.core.errors import ConfigError
from dagwell.core.home import resolve_home
from dagwell.core.settings import ResourceSettings
from dagwell.kubernetes.pods import DEFAULT_SECURITY_CONTEXT, quantity
from dagwell.kubernetes.settings import PodSettings


class DetachedConfig(Protocol):
    """What this module reads of a ``KubernetesOrchestrator`` (which imports this module)."""

    namespace: str
    image: str | None
    python: str
    artifact_store: str | None
    pod_settings: PodSettings | dict[str, Any] | None
    orchestrator_pod_settings: PodSettings | dict[str, Any] | None
    orchestrator_resources: ResourceSettings | dict[str, Any] | None
    orchestrator_restarts: int
    orchestrator_stuck_after: float | None
    orchestrator_service_account: str | None
    store_secret: str


LABEL_ROLE = "dagwell.io/role"
#: The run an orchestrator pod drives. Not ``dagwell.io/run``: that label selects the run's
#: step pods, which the orchestrator lists, adopts and sweeps.
LABEL_ORCHESTRATES = "dagwell.io/orchestrates"
ROLE_ORCHESTRATOR = "orchestrator"
#: The placeholder owner of a submitted run until its first orchestrator pod claims it.
SUBMITTED_PREFIX = "job:"
POD_ENV = "DAGWELL_ORCHESTRATOR_POD"
ALIVE_FILE = "orchestrator.alive"  # in the orchestrator's DAGWELL_HOME
#: The liveness probe: fails (exit 1) when the engine's heartbeat file is older than argv[1]
#: seconds. Plain Python (no dagwell import), resolving the home as ``resolve_home`` does.
ALIVE_PROBE = (
    "import os, sys, time; "
    "p = os.path.join(os.environ.get('DAGWELL_HOME') or '.dagwell', 'orchestrator.alive'); "
    "sys.exit(os.path.exists(p) and time.time() - os.stat(p).st_mtime > float(sys.argv[1]))"
)
STORE_KEY = "url"


def job_name(run_id: str) -> str:
    return f"dw-orchestrator-{run_id}"


def submitted_owner(namespace: str, job: str) -> str:
    return f"{SUBMITTED_PREFIX}{namespace}/{job}"


def pod_owner(namespace: str, pod: str) -> str:
    """The owner tag of an orchestrator pod: names the pod, so a successor can ask the API
    whether it is gone instead of waiting for its heartbeat to go stale."""
    return f"pod:{namespace}/{pod}"


def owner_pod(owner: str | None) -> tuple[str, str] | None:
    """(namespace, pod) of an orchestrator pod's owner tag, else None."""
    if not owner or not owner.startswith("pod:"):
        return None
    namespace, _, pod = owner[4:].partition("/")
    return (namespace, pod) if namespace and pod else None


def _mounted(path: str, settings: PodSettings | None) -> bool:
    mounts = (settings.volume_mounts if settings else None) or []
    return any(
        path == m.get("mountPath") or path.startswith(str(m.get("mountPath", "")).rstrip("/") + "/")
        for m in mounts
        if m.get("mountPath")
    )


def check_detachable(orchestrator: DetachedConfig) -> None:
    """Refuse, with the fix, a detached orchestrator whose run the cluster cannot reach."""
    url = resolve_home().store_url
    if url.startswith("sqlite"):
        raise ConfigError(
            "KubernetesOrchestrator(synchronous=False) runs the engine in the cluster, which "
            f"cannot reach this machine's SQLite store ({url}). Point DAGWELL_STORE_URL at a "
            "PostgreSQL database both can reach (postgresql://...), and put the same URL in "
            f"the Secret {orchestrator.store_secret!r} (key 'url') in namespace "
            f"{orchestrator.namespace!r}; see docs/kubernetes.md."
        )
    arts = orchestrator.artifact_store
    if arts is None:
        raise ConfigError(
            "KubernetesOrchestrator(synchronous=False) needs artifact_store=: a location the "
            "orchestrator pod and the step pods share (s3://..., gs://..., or a path mounted "
            "in both through pod_settings volume_mounts); the default is this machine's disk."
        )
    local = arts.startswith("file://") or "://" not in arts
    pods = orchestrator.pod_settings if isinstance(orchestrator.pod_settings, PodSettings) else None
    path = arts.removeprefix("file://")
    if local and not (os.path.isabs(path) and _mounted(path, pods)):
        raise ConfigError(
            f"artifact_store={arts!r} is a path on this machine, which the cluster's pods "
            "cannot see. Use an object store (s3://..., gs://...), or an absolute path that "
            "pod_settings mounts in every pod (volume_mounts with that mountPath)."
        )
    if not isinstance(orchestrator.orchestrator_restarts, int) or (
        orchestrator.orchestrator_restarts < 0
    ):
        raise ConfigError("orchestrator_restarts must be a whole number >= 0.")
    stuck = orchestrator.orchestrator_stuck_after
    if stuck is not None and (isinstance(stuck, bool) or not isinstance(stuck, int | float)):
        raise ConfigError("orchestrator_stuck_after must be seconds (a number) or None.")
    if stuck is not None and stuck < 5:
        raise ConfigError(
            f"orchestrator_stuck_after={stuck} is shorter than a busy engine's turn may take; "
            "use 5 seconds or more (default 120), or None for no liveness probe."
        )


def orchestrator_settings(orchestrator: DetachedConfig) -> dict[str, Any]:
    """The orchestrator pod's settings: the run's pod settings, then its own on top."""
    out: dict[str, Any] = {}
    for settings in (orchestrator.pod_settings, orchestrator.orchestrator_pod_settings):
        if isinstance(settings, PodSettings):
            out.update(settings.model_dump(mode="json", exclude_none=True))
    out.pop("priority_class_name", None)  # a step's priority is not the orchestrator's
    return out


def build_job(
    orchestrator: DetachedConfig, run_id: str, *, labels: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The Job whose pod drives run ``run_id``; :func:`job_template` without a run id is
    the one a CronJob uses (its pod records a new run first)."""
    name = job_name(run_id)
    meta_labels = {**(labels or {}), LABEL_ORCHESTRATES: run_id, LABEL_ROLE: ROLE_ORCHESTRATOR}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": orchestrator.namespace, "labels": meta_labels},
        "spec": job_spec(orchestrator, ["orchestrate", run_id], meta_labels),
    }


def job_spec(
    orchestrator: DetachedConfig, args: list[str], labels: Mapping[str, str]
) -> dict[str, Any]:
    settings = orchestrator_settings(orchestrator)
    env: list[dict[str, Any]] = [
        {
            "name": "DAGWELL_STORE_URL",
            "valueFrom": {"secretKeyRef": {"name": orchestrator.store_secret, "key": STORE_KEY}},
        },
        {"name": POD_ENV, "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "PYTHONUNBUFFERED", "value": "1"},
    ]
    if orchestrator.artifact_store:
        env.append({"name": "DAGWELL_ARTIFACT_STORE", "value": orchestrator.artifact_store})
    env += [{"name": k, "value": str(v)} for k, v in (settings.get("env") or {}).items()]
    container: dict[str, Any] = {
        "name": "orchestrator",
        "image": settings.get("image") or orchestrator.image,
        "command": [orchestrator.python, "-m", "dagwell", *args],
        "env": env,
        "resources": _resources(orchestrator),
        "securityContext": dict(settings.get("security_context") or DEFAULT_SECURITY_CONTEXT),
    }
    if settings.get("volume_mounts"):
        container["volumeMounts"] = list(settings["volume_mounts"])
    if orchestrator.orchestrator_stuck_after is not None:
        container["livenessProbe"] = liveness_probe(
            orchestrator.python, orchestrator.orchestrator_stuck_after
        )
    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "containers": [container],
        # A SIGTERM ends a healthy orchestrator at once; a stuck one ignores it, and the
        # grace is how long its run waits for the SIGKILL that frees it.
        "terminationGracePeriodSeconds": 10,
    }
    optional = {
        "serviceAccountName": orchestrator.orchestrator_service_account,
        "nodeSelector": settings.get("node_selector"),
        "tolerations": settings.get("tolerations"),
        "affinity": settings.get("affinity"),
        "volumes": settings.get("volumes"),
        "imagePullSecrets": [{"name": n} for n in settings.get("image_pull_secrets") or []] or None,
    }
    pod_spec.update({k: v for k, v in optional.items() if v})
    return {
        "backoffLimit": orchestrator.orchestrator_restarts,
        "ttlSecondsAfterFinished": 24 * 3600,
        "template": {
            "metadata": {
                "labels": {**(settings.get("labels") or {}), **labels},
                "annotations": dict(settings.get("annotations") or {}),
            },
            "spec": pod_spec,
        },
    }


def liveness_probe(python: str, stuck_after: float) -> dict[str, Any]:
    """Kill the orchestrator container once its heartbeat file is ``stuck_after`` s old
    (checked every third of that; two failed checks in a row, so one slow probe is not
    fatal)."""
    period = max(1, int(stuck_after // 3))
    return {
        "exec": {"command": [python, "-c", ALIVE_PROBE, f"{stuck_after:g}"]},
        "periodSeconds": period,
        "timeoutSeconds": period,
        "failureThreshold": 2,
    }


def _resources(orchestrator: DetachedConfig) -> dict[str, Any]:
    res = orchestrator.orchestrator_resources
    memory = res.memory_bytes if isinstance(res, ResourceSettings) else None
    cpu = res.cpu_count if isinstance(res, ResourceSettings) else None
    memory = memory or 512 * 2**20
    requests = {"memory": quantity(memory), "cpu": f"{max(1, int((cpu or 0.25) * 1000))}m"}
    return {"requests": requests, "limits": {"memory": quantity(memory)}}


def owning_job(pod: Mapping[str, Any] | None) -> str | None:
    """The name of the Job that owns ``pod`` (its controller owner reference)."""
    for ref in ((pod or {}).get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("kind") == "Job":
            return str(ref.get("name"))
    return None


def job_failed(job: Mapping[str, Any] | None) -> str | None:
    """Why the Job gave up (restarts exhausted, deadline), or None while it may still run."""
    if job is None:
        return "its Job is gone"
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Failed" and condition.get("status") == "True":
            reason = condition.get("reason") or "Failed"
            message = condition.get("message") or ""
            return f"its Job failed ({reason}: {message})".replace(": )", ")")
    return None
