"""A Kubernetes test harness: a fake API server over HTTP plus a fake kubelet.

    from dagwell.testing.kube import KubeHarness

    with KubeHarness(nodes={"node-a": "1400MB"}) as cluster:
        p.with_options(orchestrator=KubernetesOrchestrator(
            kubeconfig=cluster.kubeconfig, image="local"))()

Pods run as local processes (their ``python`` is this interpreter) under their memory
limits in real cgroups when this process may create them (root), so OOM kills are the
kernel's. Faults: ``cluster.server.inject(Fault(...))``, ``cluster.server.store.compact()``
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
from dagwell.testing.kube.jobs import FakeJobController
from dagwell.testing.kube.kubelet import FakeKubelet, FakeNode
from dagwell.testing.kube.server import FakeApiServer, Fault

__all__ = [
    "FakeApiServer",
    "FakeJobController",
    "FakeKubelet",
    "FakeNode",
    "Fault",
    "KubeHarness",
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
        if self.setup.base is not None and self.setup.base.exists():
            with contextlib.suppress(OSError):
                self.setup.base.rmdir()

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
