"""Kubernetes test harnesses: a real control plane with a kwok-style kubelet (the default
ground truth of dagwell's Kubernetes tests), and the older in-process fake API server.

The real one (:mod:`~dagwell.testing.kube.control_plane`, :mod:`~dagwell.testing.kube.kwok`)::

    from dagwell.testing.kube import ControlPlane, KubeCluster

    with ControlPlane(workdir) as plane:                     # etcd + apiserver + scheduler + KCM
        with KubeCluster(plane, nodes={"node-a": "1400MB"}) as cluster:
            p.with_options(orchestrator=KubernetesOrchestrator(
                kubeconfig=cluster.kubeconfig, namespace=cluster.namespace, image="local"))()

In dagwell's own tests, the session fixture ``control_plane`` (tests/conftest.py; one per
xdist worker) and the factory fixture ``kube`` (``cluster = kube(nodes={...},
quotas=[...])``) do this. A cluster has its own namespace (``cluster.namespace``, also the
kubeconfig's), its nodes registered by ``cluster.kubelet`` (pods run as local processes;
their ``python`` is this interpreter; ``evict``, ``lose_node``, ``shutdown_node``), the
fault proxy ``cluster.proxy`` (``inject(Fault(...))``, ``break_watches()``, ``requests``,
``created``), ``cluster.compact()`` (a real 410), and ``cluster.rest`` (admin REST, for
creating Secrets, Jobs, PriorityClasses...). ``cluster.admin_kubeconfig`` bypasses the
proxy. Binaries: ``make k8s-binaries``.

The fake (:class:`KubeHarness`) needs nothing built:

    with KubeHarness(nodes={"node-a": "1400MB"}) as cluster:
        p.with_options(orchestrator=KubernetesOrchestrator(
            kubeconfig=cluster.kubeconfig, image="local"))()

Faults: ``cluster.server.inject(Fault(...))``, ``cluster.server.store.compact()``
(watches get 410), ``cluster.server.store.break_watches()``, ``cluster.kubelet.evict(pod)``,
``cluster.kubelet.lose_node(node)``, and deleting pods through the API. Jobs get pods
from a Job controller (:mod:`.jobs`); Secrets feed ``secretKeyRef`` env values.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

from dagwell.core.units import parse_memory
from dagwell.runtimes.cgroups import CgroupSetup, detect
from dagwell.testing.kube.cluster import KubeCluster
from dagwell.testing.kube.control_plane import ControlPlane
from dagwell.testing.kube.jobs import FakeJobController
from dagwell.testing.kube.kubelet import FakeKubelet, FakeNode
from dagwell.testing.kube.kwok import Kubelet
from dagwell.testing.kube.proxy import Fault, FaultProxy
from dagwell.testing.kube.server import FakeApiServer

__all__ = [
    "ControlPlane",
    "FakeApiServer",
    "FakeJobController",
    "FakeKubelet",
    "FakeNode",
    "Fault",
    "FaultProxy",
    "KubeCluster",
    "KubeHarness",
    "Kubelet",
]


class KubeHarness:
    def __init__(
        self,
        nodes: dict[str, str | int] | None = None,
        *,
        workdir: str | Path | None = None,
        cgroups: str = "auto",
        quotas: list[dict[str, Any]] | None = None,
        namespace: str = "default",
    ) -> None:
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="dagwell-kube-"))
        self.namespace = namespace
        self.server = FakeApiServer()
        self.setup: CgroupSetup = detect(cgroups, node_dir=f"dagwell-kube-{id(self):x}")
        node_specs = nodes or {"node-a": "4GB"}
        self.kubelet = FakeKubelet(
            self.server,
            {name: FakeNode(name, parse_memory(mem)) for name, mem in node_specs.items()},
            self.workdir,
            self.setup,
        )
        self.jobs = FakeJobController(self.server)
        self.quotas = quotas or []
        self.kubeconfig = str(self.workdir / "kubeconfig.json")

    def start(self) -> KubeHarness:
        self.server.start()
        self.kubelet.start()
        self.jobs.start()
        for quota in self.quotas:
            self.server.store.create("resourcequotas", self.namespace, quota)
        Path(self.kubeconfig).write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "current-context": "fake",
                    "clusters": [{"name": "fake", "cluster": {"server": self.server.url}}],
                    "users": [{"name": "fake", "user": {}}],
                    "contexts": [
                        {
                            "name": "fake",
                            "context": {
                                "cluster": "fake",
                                "user": "fake",
                                "namespace": self.namespace,
                            },
                        }
                    ],
                }
            )
        )
        return self

    def stop(self) -> None:
        self.jobs.stop()
        self.kubelet.stop()
        self.server.stop()
        for base in (self.setup.base, self.setup.cpu_base):  # cpu too (cgroup v1)
            if base is not None and base.exists():
                with contextlib.suppress(OSError):
                    base.rmdir()

    def pods(self) -> list[dict[str, Any]]:
        items, _ = self.server.store.list("pods", self.namespace)
        return items

    def __enter__(self) -> KubeHarness:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
