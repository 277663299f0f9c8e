"""Building a step pod from an attempt: names, labels, resources and settings. Pure.

One pod per attempt, ``restartPolicy: Never`` (the orchestrator alone retries), a finalizer
that keeps the pod, and so its terminal status, until the orchestrator has recorded it.
``ResourceSettings`` become real requests and limits: a declared memory is both the
request and the limit; an undeclared one is requested at what admission reserved and left
unlimited. The pod runs ``python -m dagwell attempt SPEC`` in the user's image.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from dagwell.runtimes.base import AttemptSpec
from dagwell.runtimes.worker import attempt_env

FINALIZER = "dagwell.io/record-status"
LABEL_RUN = "dagwell.io/run"
LABEL_STEP = "dagwell.io/step"
LABEL_ATTEMPT = "dagwell.io/attempt"
LABEL_INCARNATION = "dagwell.io/incarnation"
ANNOTATION_STEP = "dagwell.io/step-id"
DEFAULT_SECURITY_CONTEXT: Mapping[str, Any] = {
    "runAsNonRoot": True,
    "runAsUser": 1000,
    "allowPrivilegeEscalation": False,
}
_NAME_OK = re.compile(r"[^a-z0-9-]+")
_LABEL_OK = re.compile(r"[^A-Za-z0-9_.-]+")


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:6]


def pod_name(run_id: str, step_id: str, attempt: int, incarnation: str) -> str:
    """A DNS-1123 name within 63 characters, unique per run, step, attempt, orchestrator.

    The readable part loses case and punctuation (``a.b``, ``a_b`` and ``A-B`` all read
    ``a-b``), so a short hash of the exact step id keeps names of different steps apart.
    """
    step = _NAME_OK.sub("-", step_id.lower()).strip("-") or "step"
    tail = f"-{_short_hash(step_id)}-{attempt}-{incarnation}"
    keep = 63 - len(f"dw-{run_id}-") - len(tail)
    return f"dw-{run_id}-{step[:keep].rstrip('-')}{tail}"


def label_value(text: str) -> str:
    """A valid label value (63 characters, alphanumeric at both ends)."""
    value = _LABEL_OK.sub("-", text)
    if len(value) > 63:
        value = value[:56] + "-" + _short_hash(text)
    return value.strip("-_.") or "x"


def quantity(size: int) -> str:
    """Bytes as a Kubernetes quantity (exact, in Mi when it divides)."""
    return f"{size // 2**20}Mi" if size % 2**20 == 0 else str(size)


def _resources(spec: AttemptSpec) -> dict[str, Any]:
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    if spec.memory_limit is not None:
        requests["memory"] = limits["memory"] = quantity(spec.memory_limit)
    elif spec.request:
        requests["memory"] = quantity(spec.request)
    if spec.cpu is not None:
        requests["cpu"] = f"{max(1, math.ceil(spec.cpu * 1000))}m"  # never 0m
    if spec.gpu:
        limits["nvidia.com/gpu"] = str(spec.gpu)
    out: dict[str, Any] = {}
    if requests:
        out["requests"] = requests
    if limits:
        out["limits"] = limits
    return out


def build_pod(
    spec: AttemptSpec,
    *,
    namespace: str,
    image: str,
    incarnation: str,
    defaults: Mapping[str, Any] | None = None,
    python: str = "python",
) -> dict[str, Any]:
    """The pod manifest for one attempt; step settings override orchestrator defaults."""
    settings = {**(defaults or {}), **(spec.pod or {})}
    env = {**attempt_env(spec), "PYTHONUNBUFFERED": "1", **(settings.get("env") or {})}
    container: dict[str, Any] = {
        "name": "step",
        "image": settings.get("image") or image,
        "command": [python, "-m", "dagwell", "attempt", json.dumps(spec.to_json())],
        "env": [{"name": k, "value": str(v)} for k, v in env.items()],
        "resources": _resources(spec),
        "securityContext": dict(settings.get("security_context") or DEFAULT_SECURITY_CONTEXT),
    }
    if settings.get("volume_mounts"):
        container["volumeMounts"] = list(settings["volume_mounts"])
    labels = {
        **(settings.get("labels") or {}),
        LABEL_RUN: spec.run_id,
        LABEL_STEP: label_value(spec.step_id),
        LABEL_ATTEMPT: str(spec.attempt),
        LABEL_INCARNATION: incarnation,
    }
    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "containers": [container],
        "terminationGracePeriodSeconds": 10,
    }
    optional = {
        "nodeSelector": settings.get("node_selector"),
        "tolerations": settings.get("tolerations"),
        "affinity": settings.get("affinity"),
        "serviceAccountName": settings.get("service_account_name"),
        "volumes": settings.get("volumes"),
        "priorityClassName": settings.get("priority_class_name") or settings.get("priority_class"),
        "imagePullSecrets": [{"name": n} for n in settings.get("image_pull_secrets") or []] or None,
    }
    pod_spec.update({k: v for k, v in optional.items() if v})
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": pod_name(spec.run_id, spec.step_id, spec.attempt, incarnation),
            "namespace": namespace,
            "labels": labels,
            "annotations": {**(settings.get("annotations") or {}), ANNOTATION_STEP: spec.step_id},
            "finalizers": [FINALIZER],
        },
        "spec": pod_spec,
    }


def attempt_of(pod: Mapping[str, Any]) -> tuple[str, int] | None:
    """(step id, attempt) of a dagwell step pod, from its annotation and label."""
    meta = pod.get("metadata") or {}
    step = (meta.get("annotations") or {}).get(ANNOTATION_STEP)
    attempt = (meta.get("labels") or {}).get(LABEL_ATTEMPT)
    if not step or not attempt or not str(attempt).isdigit():
        return None
    return str(step), int(attempt)
