"""The objects the kwok-style kubelet writes, in the real kubelet's format. Pure.

Node registration (capacity, allocatable, conditions, addresses, the log endpoint) and pod
statuses: waiting (``ErrImagePull``, ``CreateContainerConfigError``), running, and
terminated with the exit code and reason (``Completed``, ``Error``, ``OOMKilled``), plus what
the kubelet adds when it evicts a pod under memory pressure or for a graceful node
shutdown (pod ``reason``/``message`` and the ``DisruptionTarget`` condition newer
kubelets write).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

Obj = dict[str, Any]
KUBELET_VERSION = "v1.20.2-dagwell-kwok"
EVICTION_MESSAGE = (
    "The node was low on resource: memory. Threshold quantity: 100Mi, available: 12Mi. "
    "Container {container} was using {usage}, request is {request}, has larger consumption "
    "of memory. "
)
SHUTDOWN_MESSAGE = "Pod was terminated in response to imminent node shutdown."


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def node_resources(memory: int, cpu: float, pods: int) -> dict[str, str]:
    return {
        "memory": str(memory),
        "cpu": f"{int(cpu * 1000)}m",
        "pods": str(pods),
        "ephemeral-storage": str(100 * 10**9),
    }


def node_conditions(ready: str, reason: str, message: str) -> list[Obj]:
    """Ready as given; the pressure conditions False when ready, else Unknown."""
    now = now_iso()
    pressure = [
        {
            "type": kind,
            "status": "False" if ready == "True" else "Unknown",
            "reason": f"KubeletHasSufficient{kind.removesuffix('Pressure')}",
            "message": f"kubelet has no {kind}",
            "lastHeartbeatTime": now,
            "lastTransitionTime": now,
        }
        for kind in ("MemoryPressure", "DiskPressure", "PIDPressure")
    ]
    ready_condition = {
        "type": "Ready",
        "status": ready,
        "reason": reason,
        "message": message,
        "lastHeartbeatTime": now,
        "lastTransitionTime": now,
    }
    return [*pressure, ready_condition]


def node_object(name: str, memory: int, cpu: float, pods: int, log_port: int) -> Obj:
    resources = node_resources(memory, cpu, pods)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "dagwell-kwok",
            },
        },
        "spec": {},
        "status": {
            "capacity": resources,
            "allocatable": dict(resources),
            "conditions": node_conditions("True", "KubeletReady", "kubelet is posting ready"),
            "addresses": [
                {"type": "InternalIP", "address": "127.0.0.1"},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": log_port}},
            "nodeInfo": {
                "kubeletVersion": KUBELET_VERSION,
                "kubeProxyVersion": KUBELET_VERSION,
                "operatingSystem": "linux",
                "architecture": "amd64",
                "containerRuntimeVersion": "dagwell-kwok://1",
                "osImage": "local processes",
                "kernelVersion": os.uname().release,
                "machineID": name,
                "systemUUID": name,
                "bootID": name,
            },
        },
    }


def pod_conditions(ready: bool) -> list[Obj]:
    now = now_iso()
    value = "True" if ready else "False"
    return [
        {"type": "Initialized", "status": "True", "lastTransitionTime": now},
        {"type": "Ready", "status": value, "lastTransitionTime": now},
        {"type": "ContainersReady", "status": value, "lastTransitionTime": now},
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
    ]


def waiting_status(container: str, image: str, reason: str, message: str) -> Obj:
    return {
        "phase": "Pending",
        "hostIP": "127.0.0.1",
        "conditions": pod_conditions(False),
        "containerStatuses": [
            {
                "name": container,
                "ready": False,
                "restartCount": 0,
                "started": False,
                "image": image,
                "imageID": "",
                "state": {"waiting": {"reason": reason, "message": message}},
            }
        ],
    }


def running_status(container: str, image: str, uid: str, started: str) -> Obj:
    return {
        "phase": "Running",
        "hostIP": "127.0.0.1",
        "podIP": "127.0.0.1",
        "podIPs": [{"ip": "127.0.0.1"}],
        "startTime": started,
        "conditions": pod_conditions(True),
        "containerStatuses": [
            {
                "name": container,
                "ready": True,
                "restartCount": 0,
                "started": True,
                "image": image,
                "imageID": f"dagwell-kwok://{image}",
                "containerID": f"dagwell-kwok://{uid}",
                "state": {"running": {"startedAt": started}},
            }
        ],
    }


def terminated_status(
    container: str,
    image: str,
    uid: str,
    started: str,
    exit_code: int,
    reason: str,
    ending: str | None = None,
) -> Obj:
    """The end of a pod; ``ending`` "evict" or "shutdown" adds what the kubelet says then."""
    status: Obj = {
        "phase": "Succeeded" if exit_code == 0 else "Failed",
        "conditions": pod_conditions(False),
        "containerStatuses": [
            {
                "name": container,
                "ready": False,
                "restartCount": 0,
                "started": False,
                "image": image,
                "imageID": f"dagwell-kwok://{image}",
                "containerID": f"dagwell-kwok://{uid}",
                "state": {
                    "terminated": {
                        "exitCode": exit_code,
                        "reason": reason,
                        "startedAt": started,
                        "finishedAt": now_iso(),
                        "containerID": f"dagwell-kwok://{uid}",
                    }
                },
            }
        ],
    }
    if ending == "evict":
        message = EVICTION_MESSAGE.format(container=container, usage="512Mi", request="0")
        status.update(reason="Evicted", message=message)
        status["conditions"].append(_disruption("The node was low on resource: memory."))
    elif ending == "shutdown":
        status.update(reason="Terminated", message=SHUTDOWN_MESSAGE)
        status["conditions"].append(_disruption(SHUTDOWN_MESSAGE))
    return status


def _disruption(message: str) -> Obj:
    return {
        "type": "DisruptionTarget",
        "status": "True",
        "reason": "TerminationByKubelet",
        "message": message,
        "lastTransitionTime": now_iso(),
    }
