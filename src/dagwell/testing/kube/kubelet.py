"""A fake kubelet (and scheduler) that runs each pod's command as a real local process.

Pods are bound to fake nodes by their memory requests, as kube-scheduler does, or marked
``Unschedulable`` with the real message. A bound pod's container runs under the pod's
memory limit in a cgroup inside its node's cgroup (whose limit is the node's memory), so
OOM kills are the kernel's. Statuses are written in the real format: ``OOMKilled`` with
137, exit codes with ``Completed``/``Error``, ``ErrImagePull``, ``CreateContainerConfigError``,
``Evicted`` with ``DisruptionTarget``, and nodes that are lost with their pods.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagwell.core.errors import ConfigError
from dagwell.core.units import parse_memory
from dagwell.runtimes.cgroups import AttemptGroup, CgroupSetup, NodeGroup
from dagwell.testing.kube.server import FakeApiServer
from dagwell.testing.kube.store import ApiFailure, Obj, now_iso

JOIN_AND_EXEC = (
    "import os, sys; open(sys.argv[1], 'w').write(str(os.getpid())); "
    "os.execvpe(sys.argv[2], sys.argv[2:], os.environ)"
)
EVICTION_MESSAGE = (
    "The node was low on resource: memory. Threshold quantity: 100Mi, available: "
    "12Mi. Container step was using {usage}, request is {request}, has larger "
    "consumption of memory. "
)


@dataclass
class FakeNode:
    name: str
    memory: int
    cpu: float = 4.0
    group: NodeGroup | None = None
    lost: bool = False


@dataclass
class Container:
    namespace: str
    name: str
    node: str
    process: subprocess.Popen[bytes]
    group: AttemptGroup | None
    started_at: str
    log_path: Path
    killed_for: str | None = None  # "delete", "evict", "node-lost"


def _memory(quantity: Any) -> int:
    if quantity in (None, ""):
        return 0
    try:
        return parse_memory(str(quantity))
    except ConfigError:
        return 0


def _request(pod: Obj) -> int:
    return sum(
        _memory(((c.get("resources") or {}).get("requests") or {}).get("memory"))
        for c in (pod.get("spec") or {}).get("containers") or []
    )


def _limit(pod: Obj) -> int | None:
    limits = [
        _memory(((c.get("resources") or {}).get("limits") or {}).get("memory"))
        for c in (pod.get("spec") or {}).get("containers") or []
    ]
    return max(limits) if limits and all(limits) else None


@dataclass
class FakeKubelet:
    server: FakeApiServer
    nodes: dict[str, FakeNode]
    workdir: Path
    cgroups: CgroupSetup
    python: str = sys.executable
    containers: dict[str, Container] = field(default_factory=dict)  # by pod uid
    finished: set[str] = field(default_factory=set)  # pod uids whose container ended
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    def start(self) -> FakeKubelet:
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        self.server.may_remove = self.may_remove
        self.server.logs = self.read_log
        for node in self.nodes.values():
            self._register(node)
        self._thread = threading.Thread(target=self._run, daemon=True, name="fake-kubelet")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        with self.lock:
            for container in list(self.containers.values()):
                self._kill(container)
                with contextlib.suppress(Exception):
                    container.process.wait(5)
                if container.group is not None:
                    container.group.remove()
            self.containers.clear()
        for node in self.nodes.values():
            if node.group is not None:
                node.group.remove()

    # -- what the API server asks ----------------------------------------------------------
    def may_remove(self, pod: Obj) -> bool:
        node = (pod.get("spec") or {}).get("nodeName")
        uid = (pod.get("metadata") or {}).get("uid")
        return (
            not node
            or uid in self.finished
            or self.nodes.get(node, FakeNode("", 0)).lost
            or uid not in self.containers
        )

    def read_log(self, namespace: str, name: str) -> str:
        path = self.workdir / "logs" / f"{namespace}_{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- the loop --------------------------------------------------------------------------
    def _run(self) -> None:
        store = self.server.store
        while not self._stop.is_set():
            with self.lock:
                pods, _ = store.list("pods", None)
                for pod in pods:
                    try:
                        self._reconcile(pod)
                    except ApiFailure:
                        continue  # it changed or vanished under us: next tick
                self._reap()
            with store.cond:
                store.cond.wait(0.05)

    def _update(self, pod: Obj, change: Any) -> None:
        meta = pod["metadata"]
        self.server.store.modify("pods", meta.get("namespace", ""), meta["name"], change)

    def _reconcile(self, pod: Obj) -> None:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        uid, namespace, name = meta["uid"], meta.get("namespace", ""), meta["name"]
        deleting = bool(meta.get("deletionTimestamp"))
        node_name = spec.get("nodeName")
        if uid in self.finished or (node_name and self.nodes[node_name].lost):
            if deleting:
                self.server.finish_deletion_if_possible(namespace, name)
            return
        if uid in self.containers:
            if deleting and self.containers[uid].killed_for is None:
                self.containers[uid].killed_for = "delete"
                self._kill(self.containers[uid])
            return
        if deleting:  # never started: nothing to stop
            self.finished.add(uid)
            self.server.finish_deletion_if_possible(namespace, name)
            return
        if not node_name:
            self._schedule(pod)
            return
        self._start(pod)

    def _schedule(self, pod: Obj) -> None:
        request = _request(pod)
        used: dict[str, int] = dict.fromkeys(self.nodes, 0)
        pods, _ = self.server.store.list("pods", None)
        for other in pods:
            bound = (other.get("spec") or {}).get("nodeName")
            if bound in used and other["metadata"]["uid"] not in self.finished:
                used[bound] += _request(other)
        fits = [n for n in self.nodes.values() if not n.lost and used[n.name] + request <= n.memory]
        if fits:
            chosen = fits[0].name

            def bind(obj: Obj) -> None:
                obj["spec"]["nodeName"] = chosen
                obj.setdefault("status", {})["conditions"] = [
                    {"type": "PodScheduled", "status": "True", "lastTransitionTime": now_iso()}
                ]

            self._update(pod, bind)
            return
        live = [n for n in self.nodes.values() if not n.lost]
        message = (
            f"0/{len(self.nodes)} nodes are available: {len(live)} Insufficient memory."
            if live
            else f"0/{len(self.nodes)} nodes are available."
        )

        def unschedulable(obj: Obj) -> None:
            status = obj.setdefault("status", {})
            status["phase"] = "Pending"
            status["conditions"] = [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": message,
                    "lastTransitionTime": now_iso(),
                }
            ]

        self._update(pod, unschedulable)

    def _waiting(self, pod: Obj, reason: str, message: str) -> None:
        def wait(obj: Obj) -> None:
            status = obj.setdefault("status", {})
            status["phase"] = "Pending"
            status["containerStatuses"] = [
                {
                    "name": "step",
                    "ready": False,
                    "restartCount": 0,
                    "started": False,
                    "image": obj["spec"]["containers"][0].get("image", ""),
                    "imageID": "",
                    "state": {"waiting": {"reason": reason, "message": message}},
                }
            ]

        self._update(pod, wait)

    def _start(self, pod: Obj) -> None:
        meta, spec = pod["metadata"], pod["spec"]
        container_spec = spec["containers"][0]
        image = container_spec.get("image", "")
        if image.startswith("missing/") or image.endswith(":does-not-exist"):
            self._waiting(
                pod, "ErrImagePull", f'failed to pull and unpack image "{image}": not found'
            )
            return
        env = dict(os.environ)
        for item in container_spec.get("env") or []:
            if "valueFrom" in item:
                value = self._value_from(pod, item["valueFrom"])
                if value is None:
                    ref = (item["valueFrom"].get("secretKeyRef") or {}).get("name", "?")
                    self._waiting(pod, "CreateContainerConfigError", f'secret "{ref}" not found')
                    return
                env[item["name"]] = value
                continue
            env[item["name"]] = str(item.get("value", ""))
        command = list(container_spec.get("command") or []) + list(container_spec.get("args") or [])
        if command and command[0] == "python":
            command[0] = self.python
        node = self.nodes[spec["nodeName"]]
        group = None
        if node.group is not None:
            group = node.group.attempt(f"pod-{meta['uid']}", _limit(pod), None)
            command = [self.python, "-c", JOIN_AND_EXEC, str(group.procs_files[0]), *command]
        namespace, name = meta.get("namespace", ""), meta["name"]
        log_path = self.workdir / "logs" / f"{namespace}_{name}.log"
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                command,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=self.workdir,
            )
        started = now_iso()
        self.containers[meta["uid"]] = Container(
            namespace, name, node.name, process, group, started, log_path
        )

        def running(obj: Obj) -> None:
            status = obj.setdefault("status", {})
            status.update(phase="Running", startTime=started, hostIP="10.0.0.1", podIP="10.1.0.1")
            status["conditions"] = [
                {"type": "PodScheduled", "status": "True"},
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": "True"},
                {"type": "ContainersReady", "status": "True"},
            ]
            status["containerStatuses"] = [
                {
                    "name": "step",
                    "ready": True,
                    "restartCount": 0,
                    "started": True,
                    "image": image,
                    "imageID": f"fake://{image}",
                    "containerID": f"fake://{meta['uid']}",
                    "state": {"running": {"startedAt": started}},
                }
            ]

        self._update(pod, running)

    def _value_from(self, pod: Obj, source: Obj) -> str | None:
        """An env value from a Secret key or a field of the pod (the downward API)."""
        meta = pod["metadata"]
        field_ref = source.get("fieldRef")
        if field_ref:
            path = str(field_ref.get("fieldPath"))
            found = re.fullmatch(r"metadata\.(labels|annotations)\['([^']+)'\]", path)
            if found:
                return str((meta.get(found.group(1)) or {}).get(found.group(2), ""))
            return {"metadata.name": meta["name"], "metadata.namespace": meta.get("namespace")}.get(
                path
            )
        ref = source.get("secretKeyRef") or {}
        try:
            namespace = meta.get("namespace", "")
            secret = self.server.store.get("secrets", namespace, ref.get("name", ""))
        except ApiFailure:
            return None
        if ref.get("key") in (secret.get("stringData") or {}):
            return str(secret["stringData"][ref["key"]])
        encoded = (secret.get("data") or {}).get(ref.get("key"))
        return None if encoded is None else base64.b64decode(encoded).decode()

    @staticmethod
    def _kill(container: Container) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(container.process.pid, signal.SIGKILL)
        if container.group is not None:
            container.group.kill()

    def _reap(self) -> None:
        for uid, container in list(self.containers.items()):
            code = container.process.poll()
            if code is None:
                continue
            del self.containers[uid]
            self.finished.add(uid)
            oom = 0
            if container.group is not None:
                oom = container.group.evidence().oom_kills
                container.group.remove()
            if container.killed_for == "node-lost":
                continue  # nobody reports for a lost node
            exit_code = 137 if oom else (128 - code if code < 0 else code)
            reason = "OOMKilled" if oom else ("Completed" if exit_code == 0 else "Error")
            self._report_end(container, exit_code, reason, container.killed_for == "evict")

    def _report_end(self, container: Container, exit_code: int, reason: str, evicted: bool) -> None:
        finished = now_iso()

        def terminated(obj: Obj) -> None:
            status = obj.setdefault("status", {})
            status["phase"] = "Succeeded" if exit_code == 0 else "Failed"
            for condition in status.get("conditions", []):
                if condition.get("type") in ("Ready", "ContainersReady"):
                    condition["status"] = "False"
            if evicted:
                status["reason"] = "Evicted"
                status["message"] = EVICTION_MESSAGE.format(usage="512Mi", request="0")
                status.setdefault("conditions", []).append(
                    {
                        "type": "DisruptionTarget",
                        "status": "True",
                        "reason": "TerminationByKubelet",
                        "message": "The node was low on resource: memory.",
                    }
                )
            for item in status.get("containerStatuses") or []:
                item["ready"] = False
                item["started"] = False
                item["state"] = {
                    "terminated": {
                        "exitCode": exit_code,
                        "reason": reason,
                        "startedAt": container.started_at,
                        "finishedAt": finished,
                    }
                }

        try:
            self.server.store.modify("pods", container.namespace, container.name, terminated)
        except ApiFailure:
            return
        self.server.finish_deletion_if_possible(container.namespace, container.name)

    # -- what a test can do to the cluster ------------------------------------------------
    def evict(self, name: str, namespace: str = "default") -> None:
        """The kubelet evicts the pod for memory pressure (phase Failed, reason Evicted)."""
        with self.lock:
            for container in self.containers.values():
                if (container.namespace, container.name) == (namespace, name):
                    container.killed_for = "evict"
                    self._kill(container)

    def _register(self, node: FakeNode) -> None:
        if self.cgroups.version != "none":
            node.group = self.cgroups.create_node(f"node-{node.name}", node.memory, None)
        self.server.store.create(
            "nodes",
            "",
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": node.name},
                "spec": {},
                "status": {
                    "allocatable": {"memory": str(node.memory), "cpu": str(node.cpu)},
                    "capacity": {"memory": str(node.memory), "cpu": str(node.cpu)},
                    "conditions": [{"type": "Ready", "status": "True"}],
                },
            },
        )

    def add_node(self, name: str, memory: int) -> None:
        """A node joins (what the cluster autoscaler does): pending pods may bind to it."""
        with self.lock:
            node = FakeNode(name, memory)
            self._register(node)
            self.nodes[name] = node

    def lose_node(self, node_name: str) -> None:
        """The node vanishes: its processes die, the taint manager deletes its pods."""
        with self.lock:
            node = self.nodes[node_name]
            node.lost = True
            for container in self.containers.values():
                if container.node == node_name and container.killed_for is None:
                    container.killed_for = "node-lost"
                    self._kill(container)

            def not_ready(obj: Obj) -> None:
                obj["status"]["conditions"] = [
                    {"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown"}
                ]

            self.server.store.modify("nodes", "", node_name, not_ready)
            pods, _ = self.server.store.list("pods", None)
            for pod in pods:
                if (pod.get("spec") or {}).get("nodeName") != node_name:
                    continue
                meta = pod["metadata"]

                def disrupted(obj: Obj) -> None:
                    obj.setdefault("status", {}).setdefault("conditions", []).append(
                        {
                            "type": "DisruptionTarget",
                            "status": "True",
                            "reason": "DeletionByTaintManager",
                            "message": "Taint manager: deleting due to NoExecute taint",
                        }
                    )

                self.server.store.modify("pods", meta.get("namespace", ""), meta["name"], disrupted)
                self.server.delete_pod(meta.get("namespace", ""), meta["name"], 0)

    def running_pods(self) -> list[str]:
        with self.lock:
            return [c.name for c in self.containers.values()]
