"""What a pod's status means, as a pure function of the pod object (possibly partial).

The Kubernetes API reports failures in several places and the peers read only one:
``status.phase``/``reason``, container ``state``/``lastState``, waiting reasons that never
make the phase terminal (``ErrImagePull``, ``CreateContainerConfigError``), and the
``DisruptionTarget`` condition that newer control planes add when they evict, preempt or
delete a pod for a lost node. The rules below read all of them, most specific first:

1. a ``DisruptionTarget`` condition decides, whatever the phase (an evicted pod has been
   seen ending ``Succeeded`` with no ``reason``);
2. a pod-level reason (``Evicted``, ``DeadlineExceeded``, ...);
3. a container terminated ``OOMKilled`` (in ``state`` or ``lastState``) is an OOM kill even
   with exit code 0 and phase ``Succeeded``;
4. waiting reasons that no retry cures fail fast (image pull, container config);
5. exit codes: non-zero is the step's error; 137 is not an OOM kill without OOM evidence;
6. otherwise the phase, and an unschedulable pod reports why (the runtime bounds the wait).

Pure: dicts in, a verdict out. See ../shared/fixtures/k8s for the real statuses it is
tested on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from dagwell.core.errors import ConfigError
from dagwell.core.failures import Failure, FailureKind, OomScope
from dagwell.core.units import parse_memory

State = Literal["pending", "running", "succeeded", "failed"]

DISRUPTION_KINDS: Mapping[str, FailureKind] = {
    "TerminationByKubelet": FailureKind.EVICTED,
    "EvictionByEvictionAPI": FailureKind.EVICTED,
    "PreemptionByScheduler": FailureKind.PREEMPTED,
    "PreemptionByKubeScheduler": FailureKind.PREEMPTED,
    "DeletionByTaintManager": FailureKind.NODE_LOST,
    "DeletionByPodGC": FailureKind.NODE_LOST,
}
POD_REASONS: Mapping[str, FailureKind] = {
    "Evicted": FailureKind.EVICTED,
    "DeadlineExceeded": FailureKind.DEADLINE_EXCEEDED,
    "Preempting": FailureKind.PREEMPTED,
    "NodeLost": FailureKind.NODE_LOST,
    "NodeShutdown": FailureKind.NODE_LOST,
    "Terminated": FailureKind.NODE_LOST,
    "OutOfmemory": FailureKind.EVICTED,
    "OutOfcpu": FailureKind.EVICTED,
    "UnexpectedAdmissionError": FailureKind.EVICTED,
}
WAITING_FAILURES: Mapping[str, FailureKind] = {
    "ErrImagePull": FailureKind.IMAGE_PULL,
    "ImagePullBackOff": FailureKind.IMAGE_PULL,
    "InvalidImageName": FailureKind.IMAGE_PULL,
    "ErrImageNeverPull": FailureKind.IMAGE_PULL,
    "CreateContainerConfigError": FailureKind.CONFIG_ERROR,
    "CreateContainerError": FailureKind.CONFIG_ERROR,
}
FIXES: Mapping[FailureKind, str] = {
    FailureKind.IMAGE_PULL: "Check the image name and tag, and the image pull secrets "
    "(KubernetesOrchestrator(image=...), PodSettings(image_pull_secrets=[...])).",
    FailureKind.CONFIG_ERROR: "Check the pod's env, secrets, config maps and volumes "
    "(settings={'kubernetes': PodSettings(...)}).",
}


@dataclass(frozen=True)
class PodVerdict:
    state: State
    failure: Failure | None = None
    exit_code: int | None = None
    node: str | None = None


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _containers(status: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        _dict(c)
        for c in _list(status.get("initContainerStatuses")) + _list(status.get("containerStatuses"))
    ]


def _terminations(status: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for container in _containers(status):
        for where in ("state", "lastState"):
            terminated = _dict(_dict(container.get(where)).get("terminated"))
            if terminated:
                yield str(container.get("name") or "container"), terminated


def _conditions(status: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [_dict(c) for c in _list(status.get("conditions"))]


def _memory_limit(pod: Mapping[str, Any], container: str) -> str | None:
    """The memory limit (a quantity, as the spec has it) of ``container``, or None."""
    for spec in (_dict(c) for c in _list(_dict(pod.get("spec")).get("containers"))):
        if spec.get("name") in (container, None) or container == "container":
            limit = _dict(_dict(spec.get("resources")).get("limits")).get("memory")
            if limit:
                return str(limit)
    return None


def _node_shutdown(status: Mapping[str, Any]) -> bool:
    """Graceful node shutdown: the kubelet's ``TerminationByKubelet`` with the pod reason
    ``Terminated`` (or ``NodeShutdown``) and its shutdown message, not memory pressure."""
    reason = status.get("reason")
    message = str(status.get("message") or "")
    return reason in ("Terminated", "NodeShutdown") or "node shutdown" in message


def classify_pod(pod: Mapping[str, Any]) -> PodVerdict:
    """Classify a pod object as the API returns it (missing fields are fine)."""
    status = _dict(pod.get("status"))
    meta = _dict(pod.get("metadata"))
    node = _dict(pod.get("spec")).get("nodeName")
    phase = status.get("phase")
    deleting = bool(meta.get("deletionTimestamp"))

    def failed(
        kind: FailureKind,
        message: str,
        exit_code: int | None = None,
        reason: str | None = None,
        scope: OomScope | None = None,
        retryable: bool = True,
    ) -> PodVerdict:
        return PodVerdict(
            "failed",
            Failure(kind, message, exit_code, None, reason, scope, retryable, node),
            exit_code,
            node,
        )

    # 1. disruption conditions decide, whatever the phase
    for condition in _conditions(status):
        if condition.get("type") == "DisruptionTarget" and condition.get("status") == "True":
            reason = str(condition.get("reason") or "")
            kind = DISRUPTION_KINDS.get(reason, FailureKind.EVICTED)
            if kind is FailureKind.EVICTED and _node_shutdown(status):
                kind = FailureKind.NODE_LOST  # the kubelet ended it because the node goes away
            message = condition.get("message") or reason or "disrupted"
            return failed(
                kind,
                f"Pod disrupted ({reason or 'DisruptionTarget'}): {message}",
                reason=reason or "DisruptionTarget",
            )

    # 2. pod-level reasons
    pod_reason = status.get("reason")
    if isinstance(pod_reason, str) and pod_reason in POD_REASONS:
        message = status.get("message") or pod_reason
        return failed(
            POD_REASONS[pod_reason], f"Pod {pod_reason}: {message}".strip(), reason=pod_reason
        )

    # 3. OOM evidence in any container, in state or lastState
    for name, terminated in _terminations(status):
        if terminated.get("reason") == "OOMKilled":
            code = terminated.get("exitCode")
            limit = _memory_limit(pod, name)
            scope = OomScope.OWN_LIMIT if limit else OomScope.NODE_PRESSURE
            why = (
                f"it reached its memory limit ({limit})"
                if scope is OomScope.OWN_LIMIT
                else "the node ran out of memory (the container has no memory limit)"
            )
            note = " (reported with exit code 0: still an OOM kill)" if code == 0 else ""
            return failed(
                FailureKind.OOM_KILLED,
                f"Container {name} was OOMKilled: {why}{note}.",
                code if isinstance(code, int) else None,
                "OOMKilled",
                scope,
            )

    # 4. waiting reasons no retry cures
    for container in _containers(status):
        waiting = _dict(_dict(container.get("state")).get("waiting"))
        wait_reason = waiting.get("reason")
        if isinstance(wait_reason, str) and wait_reason in WAITING_FAILURES:
            kind = WAITING_FAILURES[wait_reason]
            message = waiting.get("message") or wait_reason
            return failed(
                kind,
                f"{wait_reason}: {message}. {FIXES[kind]}",
                reason=wait_reason,
                retryable=False,
            )

    # 5. exit codes
    for name, terminated in _terminations(status):
        code = terminated.get("exitCode")
        if isinstance(code, int) and code != 0:
            term_reason = str(terminated.get("reason") or "Error")
            if deleting and code in (137, 143):
                return failed(
                    FailureKind.LOST,
                    (
                        f"Container {name} was killed (exit {code}) because its pod was deleted "
                        "by someone other than dagwell."
                    ),
                    code,
                    term_reason,
                )
            if code == 137:
                return failed(
                    FailureKind.LOST,
                    (f"Container {name} was killed by SIGKILL (exit 137) without OOM evidence."),
                    code,
                    term_reason,
                )
            return failed(
                FailureKind.USER_ERROR,
                f"Container {name} exited with code {code} ({term_reason}).",
                code,
                term_reason,
            )

    # 6. the phase
    if phase == "Succeeded":
        return PodVerdict("succeeded", None, 0, node)
    if phase == "Failed":
        message = status.get("message") or "the pod failed without a reason"
        return failed(
            FailureKind.LOST, f"Pod failed: {message}", reason=str(pod_reason or "Failed")
        )
    if deleting:
        return failed(
            FailureKind.LOST,
            "The pod is being deleted by someone other than dagwell.",
            reason="Deleted",
        )
    if phase == "Running":
        return PodVerdict("running", None, None, node)
    for condition in _conditions(status):
        if (
            condition.get("type") == "PodScheduled"
            and condition.get("status") == "False"
            and condition.get("reason") == "Unschedulable"
        ):
            message = condition.get("message") or "no node fits"
            return PodVerdict(
                "pending",
                Failure(
                    FailureKind.UNSCHEDULABLE,
                    f"Pod unschedulable: {message}",
                    reason="Unschedulable",
                ),
                None,
                node,
            )
    return PodVerdict("pending", None, None, node)


def container_memory_limit(pod: Mapping[str, Any]) -> int | None:
    """The memory limit of the step's container, as the API holds it, in bytes."""
    for container in (pod.get("spec") or {}).get("containers") or []:
        if container.get("name") == "step":
            value = ((container.get("resources") or {}).get("limits") or {}).get("memory")
            with contextlib.suppress(ConfigError):
                return parse_memory(str(value)) if value else None
    return None
