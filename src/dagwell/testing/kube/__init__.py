"""Kubernetes test harness: a real control plane with a kwok-style kubelet, the ground
truth of dagwell's Kubernetes tests (and of yours: it ships with dagwell).

    from dagwell.testing.kube import ControlPlane, KubeCluster

    with ControlPlane(workdir) as plane:                     # etcd + apiserver + scheduler + KCM
        with KubeCluster(plane, nodes={"node-a": "1400MB"}) as cluster:
            p.with_options(orchestrator=KubernetesOrchestrator(
                kubeconfig=cluster.kubeconfig, namespace=cluster.namespace, image="local"))()

In dagwell's own tests, the session fixture ``control_plane`` (tests/conftest.py; one per
xdist worker) and the factory fixture ``kube`` (``cluster = kube(nodes={...},
quotas=[...])``) do this. A cluster has its own namespace (``cluster.namespace``, also the
kubeconfig's), its nodes registered by ``cluster.kubelet`` (pods run as local processes;
their ``python`` is this interpreter, each with a ``DAGWELL_HOME`` of its own; exec
liveness probes run; ``evict``, ``lose_node``, ``shutdown_node``),
``cluster.add_node(name, memory)`` (a node joins, as an autoscaler adds one), the fault
proxy ``cluster.proxy`` (``inject(Fault(...))``, ``hold(Hold(...))``, ``break_watches()``,
``requests``, ``created``), ``cluster.compact()`` (a real 410), and ``cluster.rest`` (admin
REST, for creating Secrets, Jobs, PriorityClasses...). ``cluster.admin_kubeconfig`` bypasses the
proxy. Binaries: ``make k8s-binaries`` (Kubernetes v1.20.2 from Debian's source package).
"""

from __future__ import annotations

from dagwell.testing.kube.cluster import KubeCluster
from dagwell.testing.kube.control_plane import ControlPlane
from dagwell.testing.kube.kwok import Kubelet
from dagwell.testing.kube.proxy import Fault, FaultProxy, Hold

__all__ = ["ControlPlane", "Fault", "FaultProxy", "Hold", "KubeCluster", "Kubelet"]
