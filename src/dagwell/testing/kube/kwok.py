"""A kwok-style kubelet for any Kubernetes API server: pods run as local processes.

It registers Node objects (capacity and allocatable as given, Ready, the ``not-ready``
taint the API server adds at creation cleared), watches the pods the scheduler binds to
them, and runs each pod's first container as a process (its ``python`` is this
interpreter) in a cgroup under the pod's memory limit, inside a node cgroup limited to the
node's memory, so OOM kills are the kernel's. Statuses are written through the
``pods/status`` subresource in the real kubelet's format: Running, then ``Completed`` /
``Error`` / ``OOMKilled`` with the exit code; ``ErrImagePull`` for images named
``missing/...`` or ``...:does-not-exist``; ``CreateContainerConfigError`` for a missing
Secret or ConfigMap in the environment; ``ContainerCreating`` for good, with a
``FailedMount`` event, for a volume whose Secret, ConfigMap or claim is missing.
Environment ``valueFrom`` (secretKeyRef, configMapKeyRef, fieldRef)
is resolved through the API.

Deletion is honoured as the kubelet does: a deleted pod's process gets SIGTERM, SIGKILL
after its grace period, its terminal status is written, then the pod is deleted with grace
0 (the API server removes it once its finalizers are gone). Logs are served over HTTPS
(``/containerLogs/NS/POD/CONTAINER``, ``?follow=true`` streams) on the node's
``daemonEndpoints`` port, so ``pods/log`` works through the API server; the API server's
client certificate is not checked (a test kubelet). ``runAsUser`` is not applied. Exec
liveness probes run as the kubelet runs them (:mod:`.kwok_probes`). Each pod has a
``DAGWELL_HOME`` of its own, as each container has its own disk.

What a test can do: :meth:`add_node` (a node joins, as the cluster autoscaler adds one),
:meth:`evict` (memory-pressure eviction), :meth:`lose_node` (the node
vanishes: processes die unreported; standing in for the node-lifecycle controller, the node
turns Unknown and tainted, and its pods are deleted with the taint manager's
``DisruptionTarget``), :meth:`partition_node` (the same, but nobody deletes its pods),
:meth:`shutdown_node` (graceful node shutdown).
"""

from __future__ import annotations

import base64
import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from dagwell.core.errors import ConfigError
from dagwell.core.units import parse_memory
from dagwell.runtimes.cgroups import AttemptGroup, CgroupSetup, NodeGroup
from dagwell.testing.kube.kwok_logs import serve_logs
from dagwell.testing.kube.kwok_probes import Liveness
from dagwell.testing.kube.kwok_status import (
    node_conditions,
    node_object,
    now_iso,
    running_status,
    terminated_status,
    waiting_status,
)
from dagwell.testing.kube.rest import Obj, Rest, RestError, WatchStream

JOIN_AND_EXEC = (
    "import os, sys; open(sys.argv[1], 'w').write(str(os.getpid())); "
    "os.execvpe(sys.argv[2], sys.argv[2:], os.environ)"
)


@dataclass
class Node:
    name: str
    memory: int
    cpu: float = 4.0
    pods: int = 110
    group: NodeGroup | None = None
    state: str = "ready"  # ready, lost, shut-down


@dataclass
class Container:
    uid: str
    namespace: str
    pod: str
    name: str
    node: str
    image: str
    process: subprocess.Popen[bytes]
    group: AttemptGroup | None
    started_at: str
    log_path: Path
    ending: str | None = None  # delete, evict, shutdown, node-lost, liveness
    kill_at: float | None = None
    liveness: Liveness | None = None


def _memory(quantity: Any) -> int | None:
    if quantity in (None, ""):
        return None
    try:
        return parse_memory(str(quantity))
    except ConfigError:
        return None


def _limit(pod: Obj) -> int | None:
    container = ((pod.get("spec") or {}).get("containers") or [{}])[0]
    return _memory(((container.get("resources") or {}).get("limits") or {}).get("memory"))


@dataclass
class Kubelet:
    """Start with :meth:`start`; ``nodes`` maps node names to their memory in bytes."""

    rest: Rest
    nodes: dict[str, Node]
    workdir: Path
    cgroups: CgroupSetup
    serving_cert: tuple[str, str] | None = None  # (cert, key) for the log server
    python: str = sys.executable
    containers: dict[str, Container] = field(default_factory=dict)  # by pod uid
    finished: set[str] = field(default_factory=set)  # uids whose container ended
    deleted: set[str] = field(default_factory=set)  # uids we finished deleting
    pods: dict[str, Obj] = field(default_factory=dict)  # latest seen, by uid
    lock: threading.RLock = field(default_factory=threading.RLock)
    _events: queue.Queue[tuple[str, Obj]] = field(default_factory=queue.Queue)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _watch: WatchStream = field(default_factory=WatchStream)
    _logs: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Kubelet:
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        self._serve_logs()
        for node in self.nodes.values():
            self._join(node)
        for target, name in (
            (self._watch_loop, "watch"),
            (self._sync_loop, "sync"),
            (self._probe_loop, "probe"),
        ):
            thread = threading.Thread(target=target, daemon=True, name=f"kwok-kubelet-{name}")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Kill what still runs, unregister the nodes, remove every cgroup created."""
        self._stop.set()
        self._watch.close()
        for thread in self._threads:
            thread.join(10)
        with self.lock:
            for container in list(self.containers.values()):
                self._signal(container, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    container.process.wait(5)
                if container.group is not None:
                    container.group.remove()
            self.containers.clear()
        for node in self.nodes.values():
            with contextlib.suppress(RestError, OSError):
                self.rest.delete(f"/api/v1/nodes/{node.name}")
            if node.group is not None:
                node.group.remove()
        if self._logs is not None:
            self._logs.shutdown()
            self._logs.server_close()

    def add_node(self, node: Node) -> None:
        """A node joins a running cluster (what the cluster autoscaler does): registered
        Ready, so the scheduler may bind pending pods to it at once."""
        with self.lock:
            if node.name in self.nodes:
                raise ValueError(f"node {node.name} is already in this cluster: pick a new name")
            self.nodes[node.name] = node  # first: the scheduler may bind to it once registered
        self._join(node)

    def _join(self, node: Node) -> None:
        """Give the node its cgroup (limited to its memory) and register it."""
        if self.cgroups.version != "none":
            node.group = self.cgroups.create_node(f"node-{node.name}", node.memory, None)
        assert self._logs is not None, "start() serves the logs before any node joins"
        port = int(self._logs.server_address[1])
        obj = node_object(node.name, node.memory, node.cpu, node.pods, port)
        with contextlib.suppress(RestError):
            self.rest.delete(f"/api/v1/nodes/{node.name}")  # a leftover of a crashed session
        self.rest.create("/api/v1/nodes", obj)
        # The API server adds node.kubernetes.io/not-ready at creation (TaintNodesByCondition);
        # the node-lifecycle controller would lift it once Ready: we are that controller here.
        self.rest.merge_patch(f"/api/v1/nodes/{node.name}", {"spec": {"taints": None}})
        self.rest.merge_patch(f"/api/v1/nodes/{node.name}/status", {"status": obj["status"]})

    # -- watching --------------------------------------------------------------------------
    def _watch_loop(self) -> None:
        version: str | None = None
        while not self._stop.is_set():
            try:
                if version is None:
                    listed = self.rest.get("/api/v1/pods")
                    version = str(listed["metadata"]["resourceVersion"])
                    for pod in listed.get("items") or []:
                        self._events.put(("MODIFIED", pod))
                for event in self.rest.watch("/api/v1/pods", version, self._watch):
                    obj = event.get("object") or {}
                    if event.get("type") == "ERROR":
                        version = None  # 410 Gone (compacted) or another error: list again
                        break
                    version = str(obj["metadata"]["resourceVersion"])
                    self._events.put((str(event.get("type")), obj))
            except (RestError, OSError, ValueError, KeyError):
                version = None
                self._stop.wait(0.2)

    def _sync_loop(self) -> None:
        while not self._stop.is_set():
            try:
                kind, pod = self._events.get(timeout=0.05)
            except queue.Empty:
                kind, pod = "", {}
            with self.lock:
                try:
                    if pod:
                        self._reconcile(kind, pod)
                    self._reap()
                except (RestError, OSError):
                    continue  # it changed or vanished under us: the next event says how

    def _mine(self, pod: Obj) -> bool:
        return (pod.get("spec") or {}).get("nodeName") in self.nodes

    def _reconcile(self, kind: str, pod: Obj) -> None:
        if not self._mine(pod):
            return
        meta = pod["metadata"]
        uid = meta["uid"]
        node = self.nodes[pod["spec"]["nodeName"]]
        container = self.containers.get(uid)
        if kind == "DELETED":
            self.pods.pop(uid, None)
            if container is not None and container.ending is None:
                container.ending = "node-lost"  # force-deleted: nobody reports any more
                self._signal(container, signal.SIGKILL)
            return
        self.pods[uid] = pod
        if node.state == "lost":
            return
        if meta.get("deletionTimestamp"):
            if container is not None:
                if container.kill_at is None:
                    grace = int(meta.get("deletionGracePeriodSeconds") or 0)
                    container.ending = container.ending or "delete"
                    container.kill_at = time.monotonic() + grace
                    self._signal(container, signal.SIGTERM if grace else signal.SIGKILL)
                return
            self._finish_deletion(pod)
            return
        phase = (pod.get("status") or {}).get("phase")
        idle = container is None and uid not in self.finished
        if idle and phase not in ("Succeeded", "Failed") and node.state == "ready":
            self._start(pod, node)

    def _finish_deletion(self, pod: Obj) -> None:
        """The pod's container is gone: delete it for good (grace 0), once."""
        meta = pod["metadata"]
        if meta["uid"] in self.deleted:
            return
        self.deleted.add(meta["uid"])
        self.finished.add(meta["uid"])
        self.rest.delete(
            f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}", 0, meta["uid"]
        )

    # -- running ---------------------------------------------------------------------------
    def _status(self, namespace: str, name: str, status: Obj) -> None:
        self.rest.merge_patch(
            f"/api/v1/namespaces/{namespace}/pods/{name}/status", {"status": status}
        )

    def _waiting(self, pod: Obj, reason: str, message: str) -> None:
        spec = pod["spec"]["containers"][0]
        meta = pod["metadata"]
        status = waiting_status(spec["name"], spec.get("image", ""), reason, message)
        self._status(meta["namespace"], meta["name"], status)

    def _env(self, pod: Obj, spec: Obj) -> dict[str, str] | str:
        """The container's environment, or why it cannot be built."""
        meta = pod["metadata"]
        env = dict(os.environ)
        # A container's disk is its own and goes with its pod: a pod never sees the test's
        # DAGWELL_HOME (what an orchestrator pod keeps there is lost with the pod, as on a
        # real cluster), and the next pod of a Job starts with an empty one.
        env["DAGWELL_HOME"] = str(self.workdir / "pods" / meta["uid"] / "dagwell")
        fields = {
            "metadata.name": meta["name"],
            "metadata.namespace": meta["namespace"],
            "metadata.uid": meta["uid"],
            "spec.nodeName": pod["spec"]["nodeName"],
            "spec.serviceAccountName": pod["spec"].get("serviceAccountName", "default"),
            "status.hostIP": "127.0.0.1",
            "status.podIP": "127.0.0.1",
        }
        for item in spec.get("env") or []:
            source = item.get("valueFrom")
            if source is None:
                env[item["name"]] = str(item.get("value", ""))
                continue
            if "fieldRef" in source:
                env[item["name"]] = fields.get(source["fieldRef"].get("fieldPath"), "")
                continue
            kind, ref = (
                ("secrets", source["secretKeyRef"])
                if "secretKeyRef" in source
                else ("configmaps", source.get("configMapKeyRef") or {})
            )
            try:
                obj = self.rest.get(f"/api/v1/namespaces/{meta['namespace']}/{kind}/{ref['name']}")
            except RestError as error:
                if error.code != 404:
                    raise
                if ref.get("optional"):
                    continue
                return f'{kind[:-1]} "{ref["name"]}" not found'
            data = obj.get("data") or {}
            if ref.get("key") not in data:
                if ref.get("optional"):
                    continue
                where = f"{meta['namespace']}/{ref['name']}"
                return f"couldn't find key {ref.get('key')} in {kind[:-1]} {where}"
            value = data[ref["key"]]
            if kind == "secrets":
                value = base64.b64decode(value).decode(errors="replace")
            env[item["name"]] = str(value)
        return env

    def _missing_volume(self, pod: Obj) -> str | None:
        """The first Secret, ConfigMap or claim a volume of ``pod`` names that does not
        exist, as the kubelet words it (``"creds" : secret "x" not found``), or None."""
        namespace = pod["metadata"]["namespace"]
        for volume in pod["spec"].get("volumes") or []:
            for key, kind, ref in (
                ("secret", "secrets", "secretName"),
                ("configMap", "configmaps", "name"),
                ("persistentVolumeClaim", "persistentvolumeclaims", "claimName"),
            ):
                source = volume.get(key)
                if not source or source.get("optional"):
                    continue
                try:
                    self.rest.get(f"/api/v1/namespaces/{namespace}/{kind}/{source[ref]}")
                except RestError as error:
                    if error.code != 404:
                        raise
                    what = {"secrets": "secret", "configmaps": "configmap"}.get(kind, kind[:-1])
                    return f'"{volume["name"]}" : {what} "{source[ref]}" not found'
        return None

    def _event(self, pod: Obj, reason: str, message: str) -> None:
        """A Warning event about ``pod``, as the kubelet records one."""
        meta = pod["metadata"]
        self.rest.create(
            f"/api/v1/namespaces/{meta['namespace']}/events",
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": f"{meta['name']}.{reason.lower()}"},
                "involvedObject": {
                    "kind": "Pod",
                    "name": meta["name"],
                    "namespace": meta["namespace"],
                    "uid": meta["uid"],
                },
                "reason": reason,
                "message": message,
                "type": "Warning",
                "count": 1,
                "firstTimestamp": now_iso(),
                "lastTimestamp": now_iso(),
                "source": {"component": "kubelet", "host": pod["spec"]["nodeName"]},
            },
        )

    def _start(self, pod: Obj, node: Node) -> None:
        meta, spec = pod["metadata"], pod["spec"]["containers"][0]
        image = spec.get("image", "")
        if image.startswith("missing/") or image.endswith(":does-not-exist"):
            self._waiting(
                pod,
                "ErrImagePull",
                f'rpc error: failed to pull and unpack image "{image}": not found',
            )
            self.finished.add(meta["uid"])  # it will never run; deletion still works
            return
        missing = self._missing_volume(pod)
        if missing is not None:  # the real kubelet: ContainerCreating, FailedMount events
            self._waiting(pod, "ContainerCreating", "")
            self._event(pod, "FailedMount", f"MountVolume.SetUp failed for volume {missing}")
            self.finished.add(meta["uid"])  # (never retried here; deletion still works)
            return
        env = self._env(pod, spec)
        if isinstance(env, str):
            self._waiting(pod, "CreateContainerConfigError", env)
            return
        command = list(spec.get("command") or []) + list(spec.get("args") or [])
        if command and command[0] == "python":
            command[0] = self.python
        group = None
        if node.group is not None:
            group = node.group.attempt(f"pod-{meta['uid']}", _limit(pod), None)
            command = [self.python, "-c", JOIN_AND_EXEC, str(group.procs_files[0]), *command]
        log_path = self.workdir / "logs" / f"{meta['namespace']}_{meta['name']}_{spec['name']}.log"
        cwd = str(spec.get("workingDir") or self.workdir)
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                command,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=cwd,
            )
        started = now_iso()
        self.containers[meta["uid"]] = Container(
            meta["uid"], meta["namespace"], meta["name"], spec["name"], node.name, image,
            process, group, started, log_path,
            liveness=Liveness.of(pod, env, cwd, self.python),
        )  # fmt: skip
        self._status(
            meta["namespace"],
            meta["name"],
            running_status(spec["name"], image, meta["uid"], started),
        )

    def _probe_loop(self) -> None:
        """Run the containers' liveness probes when due (outside the lock: a probe takes
        as long as it takes); kill those that failed too often, as the kubelet does."""
        while not self._stop.wait(0.2):
            now = time.monotonic()
            with self.lock:
                due = [
                    c
                    for c in self.containers.values()
                    if c.liveness is not None and c.ending is None and c.liveness.due(now)
                ]
            for container in due:
                assert container.liveness is not None
                if not container.liveness.check():
                    continue
                with self.lock:
                    if container.ending is None and container.process.poll() is None:
                        container.ending = "liveness"
                        container.kill_at = time.monotonic() + container.liveness.grace
                        self._signal(container, signal.SIGTERM)

    @staticmethod
    def _signal(container: Container, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(container.process.pid, signum)
        if signum == signal.SIGKILL and container.group is not None:
            container.group.kill()

    def _reap(self) -> None:
        now = time.monotonic()
        for uid, container in list(self.containers.items()):
            code = container.process.poll()
            if code is None:
                if container.kill_at is not None and now >= container.kill_at:
                    self._signal(container, signal.SIGKILL)
                    container.kill_at = now + 3600  # once
                continue
            del self.containers[uid]
            self.finished.add(uid)
            oom = 0
            if container.group is not None:
                oom = container.group.evidence().oom_kills
                container.group.remove()
            if container.ending == "node-lost":
                continue  # nobody reports for a lost node (or a force-deleted pod)
            exit_code = 137 if oom else (128 - code if code < 0 else code)
            reason = "OOMKilled" if oom else ("Completed" if exit_code == 0 else "Error")
            with contextlib.suppress(RestError):
                self._report_end(container, exit_code, reason)
            pod = self.pods.get(uid)
            if pod is not None and pod["metadata"].get("deletionTimestamp"):
                with contextlib.suppress(RestError):
                    self._finish_deletion(pod)

    def _report_end(self, container: Container, exit_code: int, reason: str) -> None:
        status = terminated_status(
            container.name, container.image, container.uid, container.started_at,
            exit_code, reason, container.ending,
        )  # fmt: skip
        self._status(container.namespace, container.pod, status)

    # -- logs over HTTPS -------------------------------------------------------------------
    def _serve_logs(self) -> None:
        self._logs = serve_logs(self, self.serving_cert)

    def log_path(self, namespace: str, pod: str, container: str) -> Path:
        return self.workdir / "logs" / f"{namespace}_{pod}_{container}.log"

    def running(self, namespace: str, pod: str) -> bool:
        if self._stop.is_set():
            return False
        with self.lock:
            return any((c.namespace, c.pod) == (namespace, pod) for c in self.containers.values())

    # -- what a test can do to the cluster ------------------------------------------------
    def _containers_on(self, node: str) -> list[Container]:
        return [c for c in self.containers.values() if c.node == node and c.ending is None]

    def evict(self, name: str, namespace: str) -> None:
        """Memory-pressure eviction: the process is killed, the pod Failed/Evicted."""
        with self.lock:
            for container in self.containers.values():
                if (container.namespace, container.pod) == (namespace, name):
                    container.ending = "evict"
                    self._signal(container, signal.SIGKILL)

    def shutdown_node(self, node_name: str) -> None:
        """Graceful node shutdown: pods get SIGTERM and the kubelet's shutdown status; the
        node turns NotReady and unschedulable."""
        with self.lock:
            self.nodes[node_name].state = "shut-down"
            for container in self._containers_on(node_name):
                container.ending = "shutdown"
                container.kill_at = time.monotonic() + 5
                self._signal(container, signal.SIGTERM)
        self.rest.merge_patch(f"/api/v1/nodes/{node_name}", {"spec": {"unschedulable": True}})
        self.rest.merge_patch(
            f"/api/v1/nodes/{node_name}/status",
            {
                "status": {
                    "conditions": node_conditions(
                        "False", "KubeletNotReady", "node is shutting down"
                    )
                }
            },
        )

    def lose_node(self, node_name: str) -> None:
        """The node vanishes: its processes die and nobody reports. Standing in for the
        node-lifecycle controller: Ready turns Unknown, the unreachable taints go on, and (as
        its taint manager, then PodGC) the node's pods are deleted."""
        for pod in self._cut_off(node_name):
            meta = pod["metadata"]
            path = f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}"
            with contextlib.suppress(RestError):
                conditions = [
                    c for c in (pod.get("status") or {}).get("conditions") or []
                    if c.get("type") != "Ready"
                ]  # fmt: skip
                conditions.append(
                    {
                        "type": "DisruptionTarget",
                        "status": "True",
                        "reason": "DeletionByTaintManager",
                        "message": "Taint manager: deleting due to NoExecute taint",
                        "lastTransitionTime": now_iso(),
                    }
                )
                self.rest.merge_patch(f"{path}/status", {"status": {"conditions": conditions}})
                self.rest.delete(path, 0, meta["uid"])

    def partition_node(self, node_name: str) -> None:
        """The node is cut off (a network partition, a machine that froze): its processes
        die unreported and, as the node-lifecycle controller does, Ready turns Unknown, the
        unreachable taints go on and its pods' Ready condition turns False; but nobody
        deletes them, as when they tolerate the unreachable taint (``operator: Exists``, as
        on many GPU pools) or no taint manager runs. They show Running for ever."""
        for pod in self._cut_off(node_name):
            meta = pod["metadata"]
            path = f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}"
            conditions = [
                {**c, "status": "False", "lastTransitionTime": now_iso()}
                if c.get("type") in ("Ready", "ContainersReady") else c
                for c in (pod.get("status") or {}).get("conditions") or []
            ]  # fmt: skip
            with contextlib.suppress(RestError):
                self.rest.merge_patch(f"{path}/status", {"status": {"conditions": conditions}})

    def _cut_off(self, node_name: str) -> list[Obj]:
        """Kill the node's processes unreported, mark it Unknown and tainted unreachable;
        return the pods bound to it."""
        with self.lock:
            self.nodes[node_name].state = "lost"
            for container in self._containers_on(node_name):
                container.ending = "node-lost"
                self._signal(container, signal.SIGKILL)
            pods = [p for p in self.pods.values() if p["spec"].get("nodeName") == node_name]
        taint = {"key": "node.kubernetes.io/unreachable", "timeAdded": now_iso()}
        self.rest.merge_patch(
            f"/api/v1/nodes/{node_name}",
            {
                "spec": {
                    "taints": [{**taint, "effect": "NoSchedule"}, {**taint, "effect": "NoExecute"}]
                }
            },
        )
        self.rest.merge_patch(
            f"/api/v1/nodes/{node_name}/status",
            {
                "status": {
                    "conditions": node_conditions(
                        "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."
                    )
                }
            },
        )
        return pods

    def running_pods(self) -> list[str]:
        with self.lock:
            return [c.pod for c in self.containers.values()]
