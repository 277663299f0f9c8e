"""``KubernetesOrchestrator``: run each attempt as a pod, with the same engine as locally.

Configuration only, validated when created; the client is imported when a run starts.
Capacity for memory-aware admission comes from the cluster: the run's memory budget is
the smallest of ``memory_budget`` (if given), what the namespace's ResourceQuota has left,
and the allocatable memory of the schedulable nodes; a step that needs more than the
largest node can offer fails fast, with the numbers, instead of pending forever.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from dagwell.core.errors import ConfigError
from dagwell.core.scheduler import SchedulerConfig
from dagwell.core.settings import ResourceSettings
from dagwell.core.units import check_seconds, parse_memory
from dagwell.kubernetes.settings import PodSettings

if TYPE_CHECKING:
    from dagwell.core.home import Home
    from dagwell.kubernetes.api import KubeApi
    from dagwell.runtimes.base import Runtime

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def _bytes(quantity: Any) -> int | None:
    try:
        return parse_memory(str(quantity))
    except ConfigError:
        return None


CAPACITY_READ_FIX = (
    "A run reads the nodes' and the namespace quota's capacity before it starts: give the "
    "identity the orchestrator runs as the Role (resourcequotas: list) and the ClusterRole "
    "(nodes: list) in docs/kubernetes.md, with their bindings"
)


@dataclass
class KubernetesOrchestrator:
    """Run each attempt as a pod in ``namespace`` using ``image`` (which has your code
    and dagwell installed). See docs/kubernetes.md for the RBAC Role it needs.

    ``kubeconfig``/``context``: where the cluster is (default: in-cluster service
    account, else ~/.kube/config). ``artifact_store``: a location pods and orchestrator
    share (``s3://...``, ``gs://...``, or a path mounted in both). ``memory_budget``: cap
    on the memory the run's pods may request at once. ``pod_settings``: PodSettings for
    every step (a step's own settings override them). ``pending_timeout``: seconds a pod
    may stay pending. ``api_timeout``: seconds the run waits through an outage of the API
    (its pods run on; their ends are read when it answers) before the open attempts end
    ``lost``, not retried. ``node_lost_timeout``: seconds a running pod's node may stay
    not Ready (its kubelet silent) before the attempt ends ``node_lost``.

    ``synchronous=False`` (see docs/kubernetes.md, "Detached runs"): the run is recorded and
    handed to an orchestrator pod owned by a Job (``python -m dagwell orchestrate RUN``) and
    the call returns at once; ``orchestrator_restarts`` is the Job's backoff limit,
    ``orchestrator_resources`` its pod's resources, ``orchestrator_service_account`` the
    account holding the Role, ``store_secret`` the Secret whose ``url`` key is the store URL,
    ``orchestrator_pod_settings`` extra settings for that pod (env, volumes, ...),
    ``orchestrator_stuck_after`` the seconds without an engine heartbeat after which the
    pod's liveness probe has the kubelet kill it, so that the Job replaces it (None: no probe).

    ``scale_up=True``: the cluster autoscaler may add nodes, so the current nodes bound
    neither the run's memory budget nor a step's size; a step that fits no node is still
    submitted and may pend up to ``pending_timeout`` (the scheduler's message is kept).
    """

    namespace: str = "default"
    image: str | None = None
    kubeconfig: str | None = None
    context: str | None = None
    artifact_store: str | None = None
    memory_budget: str | int | None = None
    max_parallelism: int = 64
    pending_timeout: float = 300.0
    api_timeout: float = 600.0
    resync_interval: float = 30.0
    node_lost_timeout: float = 300.0
    default_memory: str | int = "256Mi"
    queue_timeout: float | None = 3600.0
    pod_settings: PodSettings | dict[str, Any] | None = None
    python: str = "python"
    synchronous: bool = True
    scale_up: bool = False
    orchestrator_resources: ResourceSettings | dict[str, Any] | None = None
    orchestrator_restarts: int = 3
    orchestrator_stuck_after: float | None = 120.0
    orchestrator_service_account: str | None = "dagwell-orchestrator"
    store_secret: str = "dagwell-store"
    orchestrator_pod_settings: PodSettings | dict[str, Any] | None = None
    _largest_node: int | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        self.image = self.image or os.environ.get("DAGWELL_KUBERNETES_IMAGE")
        if not self.image:
            raise ConfigError(
                "KubernetesOrchestrator needs image=: an image with your pipeline's code and "
                "dagwell installed (or set DAGWELL_KUBERNETES_IMAGE)."
            )
        if not _DNS_LABEL.match(self.namespace):
            raise ConfigError(
                f"namespace={self.namespace!r} is not a valid Kubernetes "
                "namespace name (lowercase letters, digits and '-')."
            )
        if self.memory_budget is not None:
            parse_memory(self.memory_budget, what="memory_budget")
        parse_memory(self.default_memory, what="default_memory")
        if not isinstance(self.max_parallelism, int) or self.max_parallelism < 1:
            raise ConfigError("max_parallelism must be a whole number >= 1.")
        for name in ("pending_timeout", "api_timeout", "resync_interval", "node_lost_timeout"):
            check_seconds(getattr(self, name), what=name)
        check_seconds(self.queue_timeout, what="queue_timeout", optional=True)
        if isinstance(self.pod_settings, dict):
            self.pod_settings = PodSettings.coerce(self.pod_settings)
        if isinstance(self.orchestrator_pod_settings, dict):
            self.orchestrator_pod_settings = PodSettings.coerce(self.orchestrator_pod_settings)
        if isinstance(self.orchestrator_resources, dict):
            self.orchestrator_resources = ResourceSettings(**self.orchestrator_resources)
        if not self.synchronous:
            from dagwell.kubernetes.detached import check_detachable

            check_detachable(self)

    def api(self) -> KubeApi:
        """A client for this orchestrator's namespace (close it when done)."""
        from dagwell.kubernetes.api import KubeApi

        return KubeApi(namespace=self.namespace, kubeconfig=self.kubeconfig, context=self.context)

    def in_cluster(self) -> KubernetesOrchestrator:
        """This orchestrator as its own orchestrator pod uses it: the cluster's credentials
        (service account, or ``KUBECONFIG``), not the submitting machine's kubeconfig."""
        return replace(self, kubeconfig=None, context=None)

    def open_runtime(
        self, run_id: str, home: Home, functions: Mapping[str, Callable[..., Any] | None]
    ) -> Runtime:
        from dagwell.kubernetes.api import KubeError, with_retries
        from dagwell.kubernetes.runtime import KubernetesRuntime
        from dagwell.runtimes.base import RuntimeInfo

        api = self.api()
        try:
            nodes = with_retries(api.list_nodes, what="list nodes", window=20)
            quotas = with_retries(api.list_resource_quotas, what="list quotas", window=20)
        except KubeError as error:
            if error.code != 403:
                raise
            api.close()
            raise KubeError(f"{error}. {CAPACITY_READ_FIX}", error.code) from error
        budget, largest, why = self._capacity(nodes, quotas)
        self._largest_node = largest
        assert self.image is not None
        info = RuntimeInfo(
            "kubernetes",
            budget,
            None,
            {
                "backend": f"kubernetes namespace {self.namespace}",
                "budget": why,
                "largest_node": largest,
            },
            release_after_record=True,  # the finalizer goes only once the end is recorded
            outlives_orchestrator=True,  # a pod runs on; the next orchestrator adopts it
        )
        defaults = (
            self.pod_settings.model_dump(mode="json", exclude_none=True)
            if isinstance(self.pod_settings, PodSettings)
            else None
        )
        return KubernetesRuntime(
            run_id=run_id,
            api=api,
            image=self.image,
            info=info,
            pod_defaults=defaults,
            pending_timeout=self.pending_timeout,
            api_timeout=self.api_timeout,
            resync_interval=self.resync_interval,
            node_lost_timeout=self.node_lost_timeout,
            python=self.python,
        )

    def _capacity(
        self, nodes: list[dict[str, Any]], quotas: list[dict[str, Any]]
    ) -> tuple[int | None, int | None, str]:
        allocatable = []
        for node in nodes:
            if (node.get("spec") or {}).get("unschedulable"):
                continue
            memory = _bytes(((node.get("status") or {}).get("allocatable") or {}).get("memory"))
            if memory:
                allocatable.append(memory)
        limits: list[tuple[int, str]] = []
        if allocatable and not self.scale_up:
            limits.append((sum(allocatable), f"{len(allocatable)} nodes' allocatable memory"))
        for quota in quotas:
            status = quota.get("status") or {}
            for key in ("requests.memory", "memory", "limits.memory"):
                hard = _bytes(
                    (status.get("hard") or (quota.get("spec") or {}).get("hard") or {}).get(key)
                )
                if hard:
                    used = _bytes((status.get("used") or {}).get(key)) or 0
                    name = (quota.get("metadata") or {}).get("name", "quota")
                    limits.append((max(0, hard - used), f"ResourceQuota {name} ({key})"))
                    break
        if self.memory_budget is not None:
            limits.append((parse_memory(self.memory_budget), "memory_budget"))
        if not limits:
            if self.scale_up:
                return None, None, "unbounded (scale_up: the autoscaler adds nodes)"
            return None, None, "unknown (no node or quota reports memory)"
        budget, why = min(limits)
        largest = max(allocatable) if allocatable and not self.scale_up else None
        return budget, largest, why

    def scheduler_config(self, runtime: Runtime) -> SchedulerConfig:
        return SchedulerConfig(
            node_memory=runtime.info.node_memory,
            largest_node=runtime.info.details.get("largest_node"),
            max_parallelism=self.max_parallelism,
            default_request=parse_memory(self.default_memory),
            queue_timeout=self.queue_timeout,
        )

    def describe(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": "kubernetes"}
        for f in fields(self):
            if f.init:
                value = getattr(self, f.name)
                data[f.name] = (
                    value.model_dump(mode="json", exclude_none=True)
                    if isinstance(value, PodSettings | ResourceSettings)
                    else value
                )
        return data

    @classmethod
    def from_description(cls, description: dict[str, Any]) -> KubernetesOrchestrator:
        names = {f.name for f in fields(cls) if f.init}
        return cls(**{k: v for k, v in description.items() if k in names})
