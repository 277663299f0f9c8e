"""One test's cluster on a real control plane: its own namespace, nodes, kubelet and proxy.

    with KubeCluster(plane, nodes={"node-a": "1400MB"}, workdir=tmp) as cluster:
        KubernetesOrchestrator(kubeconfig=cluster.kubeconfig, namespace=cluster.namespace,
                               image="local")

``cluster.kubeconfig`` points through the :class:`FaultProxy` (``cluster.proxy``: faults,
recorded requests, pod bodies as sent) with the namespace as its context's namespace;
``cluster.admin_kubeconfig`` goes straight to the API server. ``cluster.rest`` is an admin
REST client for what a test does to the cluster; ``cluster.kubelet`` runs the pods;
:meth:`add_node` lets a node join mid-test (a cluster autoscaler's scale-up).
Nodes are cluster-scoped, so one cluster at a time per control plane: the scheduler sees
only this cluster's nodes. :meth:`stop` leaves nothing: pods (finalizers stripped), nodes,
namespace and every cgroup it created are removed.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from dagwell.core.units import parse_memory
from dagwell.runtimes.cgroups import CgroupSetup, detect
from dagwell.testing.kube.control_plane import ControlPlane, write_kubeconfig
from dagwell.testing.kube.kwok import Kubelet, Node
from dagwell.testing.kube.proxy import FaultProxy
from dagwell.testing.kube.rest import Obj, RestError


class KubeCluster:
    def __init__(
        self,
        plane: ControlPlane,
        nodes: dict[str, str | int] | None = None,
        *,
        workdir: str | Path | None = None,
        cgroups: str = "auto",
        quotas: list[dict[str, Any]] | None = None,
        namespace: str | None = None,
    ) -> None:
        self.plane = plane
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="dagwell-kube-"))
        self.namespace = namespace or f"t-{secrets.token_hex(4)}"
        self.rest = plane.rest
        self.setup: CgroupSetup = detect(cgroups, node_dir=f"dagwell-kube-{id(self):x}")
        self.kubelet = Kubelet(
            self.rest,
            {
                name: Node(name, parse_memory(str(memory)))
                for name, memory in (nodes or {"node-a": "4GB"}).items()
            },
            self.workdir,
            self.setup,
            serving_cert=(str(plane.pki / "serving.crt"), str(plane.pki / "serving.key")),
        )
        self.proxy = FaultProxy(plane.url, plane.ca)
        self.quotas = quotas or []
        self.cluster_scoped: list[str] = []  # paths of RBAC objects made for the test
        self.kubeconfig = str(self.workdir / "kubeconfig")
        self.admin_kubeconfig = str(self.workdir / "admin-kubeconfig")

    def start(self) -> KubeCluster:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.rest.create(
            "/api/v1/namespaces",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.namespace}},
        )
        for quota in self.quotas:
            self.rest.create(
                f"/api/v1/namespaces/{self.namespace}/resourcequotas",
                {"apiVersion": "v1", "kind": "ResourceQuota", **quota},
            )
            self._wait_for_quota(quota["metadata"]["name"])
        self.kubelet.start()
        self.proxy.start()
        write_kubeconfig(self.kubeconfig, self.proxy.url, None, self.plane.token, self.namespace)
        write_kubeconfig(
            self.admin_kubeconfig, self.plane.url, self.plane.ca, self.plane.token, self.namespace
        )
        return self

    def stop(self) -> None:
        """Remove whatever the test left (its assertions say whether it should have)."""
        with contextlib.suppress(RestError, OSError):
            for pod in self.pods():
                meta = pod["metadata"]
                path = self._pod_path(meta["name"])
                if meta.get("finalizers"):
                    self.rest.merge_patch(path, {"metadata": {"finalizers": None}})
                self.rest.delete(path, 0)
        deadline = time.monotonic() + 15
        with contextlib.suppress(RestError, OSError):
            while self.pods() and time.monotonic() < deadline:
                time.sleep(0.1)
        self.kubelet.stop()
        self.proxy.stop()
        with contextlib.suppress(RestError, OSError):
            self.rest.delete(f"/api/v1/namespaces/{self.namespace}")
        for path in self.cluster_scoped:
            with contextlib.suppress(RestError, OSError):
                self.rest.delete(path)
        for base in (self.setup.base, self.setup.cpu_base):
            if base is not None and base.exists():
                with contextlib.suppress(OSError):
                    base.rmdir()
        for kept in ("logs", "pods"):  # container logs and disks
            shutil.rmtree(self.workdir / kept, ignore_errors=True)

    def _wait_for_quota(self, name: str) -> None:
        """Admission enforces a quota only once the quota controller has written its
        status.hard (seconds at most): until then pods would pass unchecked."""
        path = f"/api/v1/namespaces/{self.namespace}/resourcequotas/{name}"
        deadline = time.monotonic() + 30
        while not (self.rest.get(path).get("status") or {}).get("hard"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the quota controller never synced ResourceQuota {name}")
            time.sleep(0.1)

    # -- what a test reads and does --------------------------------------------------------
    def _pod_path(self, name: str) -> str:
        return f"/api/v1/namespaces/{self.namespace}/pods/{name}"

    def pods(self) -> list[Obj]:
        listed = self.rest.get(f"/api/v1/namespaces/{self.namespace}/pods")
        return list(listed.get("items") or [])

    def pod(self, name: str) -> Obj | None:
        try:
            return self.rest.get(self._pod_path(name))
        except RestError as error:
            if error.code == 404:
                return None
            raise

    def delete_pod(self, name: str, grace: int | None = None) -> None:
        self.rest.delete(self._pod_path(name), grace)

    def create(self, path: str, obj: Obj) -> Obj:
        """Create an object under ``/api/v1/namespaces/NS/`` + ``path`` (e.g. "pods")."""
        return self.rest.create(f"/api/v1/namespaces/{self.namespace}/{path}", obj)

    def compact(self) -> None:
        """A real 410 for watches, every time: with the watch streams broken and held (the
        client sees nothing more), move etcd past every version the client saw, compact it
        there, then let the watches resume, from a compacted version."""
        name = "dagwell-compaction-marker"
        path = f"/api/v1/namespaces/{self.namespace}/configmaps"
        with self.proxy.holding_watches():
            for _ in range(2):  # a watch from revision R starts at R+1: compact past that
                try:
                    self.rest.merge_patch(f"{path}/{name}", {"data": {"at": str(time.time())}})
                except RestError:
                    self.rest.create(
                        path,
                        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}},
                    )
            self.plane.compact()

    def kubeconfig_with_rules(
        self, name: str, rules: list[Obj], cluster_rules: list[Obj] | None = None
    ) -> str:
        """A kubeconfig (through the proxy) for a ServiceAccount ``name`` of the namespace
        whose only permissions are a Role with ``rules`` (and a ClusterRole with
        ``cluster_rules``), as RBAC grants them for real (its token comes from the
        TokenRequest API). Removed with the namespace (the cluster's ones in :meth:`stop`)."""
        ns = f"/api/v1/namespaces/{self.namespace}"
        self.rest.create(
            f"{ns}/serviceaccounts",
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}},
        )
        self._grant("Role", name, rules)
        if cluster_rules is not None:
            self._grant("ClusterRole", name, cluster_rules)
        granted = self.rest.create(
            f"{ns}/serviceaccounts/{name}/token",
            {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
        )
        path = str(self.workdir / f"kubeconfig-{name}")
        write_kubeconfig(path, self.proxy.url, None, granted["status"]["token"], self.namespace)
        return path

    def _grant(self, kind: str, account: str, rules: list[Obj]) -> None:
        """A Role (or ClusterRole) with ``rules``, bound to ServiceAccount ``account``."""
        rbac = "/apis/rbac.authorization.k8s.io/v1"
        scoped = kind == "ClusterRole"
        base = rbac if scoped else f"{rbac}/namespaces/{self.namespace}"
        name = f"{self.namespace}-{account}" if scoped else account
        binding = "ClusterRoleBinding" if scoped else "RoleBinding"
        self.rest.create(
            f"{base}/{kind.lower()}s",
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": kind,
                "metadata": {"name": name},
                "rules": rules,
            },
        )
        self.rest.create(
            f"{base}/{binding.lower()}s",
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": binding,
                "metadata": {"name": name},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": name},
                "subjects": [
                    {"kind": "ServiceAccount", "name": account, "namespace": self.namespace}
                ],
            },
        )
        if scoped:
            self.cluster_scoped += [
                f"{base}/clusterrolebindings/{name}",
                f"{base}/clusterroles/{name}",
            ]

    def add_node(self, name: str, memory: str | int, cpu: float = 4.0) -> None:
        """A node joins mid-test, as the cluster autoscaler adds one: Ready at once, so the
        real scheduler binds pending pods to it; :meth:`stop` removes it with the others."""
        self.kubelet.add_node(Node(name, parse_memory(str(memory)), cpu))

    def __enter__(self) -> KubeCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
