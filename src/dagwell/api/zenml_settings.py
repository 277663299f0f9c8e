"""The settings ZenML projects always carry, mapped onto dagwell's.

``DockerSettings`` is accepted, with the enums its fields take (``PythonPackageInstaller``,
``PythonEnvironmentExportMethod``): dagwell builds no images, and ``settings["docker"]``
warns once how the image is chosen instead. So are ``DeploymentSettings`` and
``CORSConfig``, which ZenML's quickstart carries: dagwell does not serve pipelines over
HTTP, and ``settings["deployment"]`` warns once that a call runs the pipeline once, as
ZenML's batch mode does. ``KubernetesOrchestratorSettings(pod_settings=
KubernetesPodSettings(...))`` under ``settings["orchestrator.kubernetes"]`` becomes
dagwell's :class:`~dagwell.kubernetes.settings.PodSettings`; a field that has no dagwell
meaning and was set is refused with what to do instead, never dropped.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict

from dagwell.core.errors import DefinitionError


class DockerSettings(BaseModel):
    """ZenML's DockerSettings: any field is accepted; dagwell builds no images."""

    model_config = ConfigDict(extra="allow")


class PythonPackageInstaller(Enum):
    """ZenML's choice of installer for the image's packages (a DockerSettings field)."""

    PIP = "pip"
    UV = "uv"


class PythonEnvironmentExportMethod(Enum):
    """ZenML's way of exporting the local environment into the image (a DockerSettings
    field)."""

    PIP_FREEZE = "pip_freeze"
    UV_FREEZE = "uv_freeze"
    POETRY_EXPORT = "poetry_export"


class CORSConfig(BaseModel):
    """ZenML's CORS settings of a pipeline deployment: any field is accepted, none used."""

    model_config = ConfigDict(extra="allow")


class DeploymentSettings(BaseModel):
    """ZenML's settings of a pipeline deployment (an HTTP service): any field is accepted;
    dagwell runs the pipeline when it is called and serves nothing."""

    model_config = ConfigDict(extra="allow")


class KubernetesPodSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    node_selectors: dict[str, str] = {}
    affinity: dict[str, Any] = {}
    tolerations: list[dict[str, Any]] = []
    resources: dict[str, dict[str, str]] = {}
    annotations: dict[str, str] = {}
    volumes: list[dict[str, Any]] = []
    volume_mounts: list[dict[str, Any]] = []
    host_ipc: bool = False
    scheduler_name: str | None = None
    image_pull_secrets: list[str] = []
    labels: dict[str, str] = {}
    env: list[dict[str, Any]] = []
    env_from: list[dict[str, Any]] = []
    container_security_context: dict[str, Any] = {}
    additional_pod_spec_args: dict[str, Any] = {}
    service_account_name: str | None = None  # dagwell's addition: per-step account


class KubernetesOrchestratorSettings(BaseModel):
    """ZenML's orchestrator settings; only what maps onto a step's pod is taken."""

    model_config = ConfigDict(extra="allow")

    synchronous: bool = True
    service_account_name: str | None = None
    step_pod_service_account_name: str | None = None
    pod_settings: KubernetesPodSettings | None = None
    orchestrator_pod_settings: KubernetesPodSettings | None = None


_POD_REFUSED = {
    "host_ipc": "dagwell pods never share the host's IPC namespace",
    "scheduler_name": "dagwell pods use the cluster's default scheduler",
    "env_from": "list the variables in env (settings={'kubernetes': {'env': {...}}})",
    "additional_pod_spec_args": "set the fields dagwell's PodSettings has",
}
_ORCHESTRATOR_TAKEN = {
    "pod_settings",
    "service_account_name",
    "step_pod_service_account_name",
    "synchronous",
    "orchestrator_pod_settings",
}


def _pod_fields(owner: str, pod: KubernetesPodSettings) -> dict[str, Any]:
    for name in sorted(pod.model_fields_set & set(_POD_REFUSED)):
        if getattr(pod, name):
            raise DefinitionError(
                f"KubernetesPodSettings({name}=...) of {owner} has no dagwell equivalent: "
                f"{_POD_REFUSED[name]}."
            )
    env: dict[str, str] = {}
    for item in pod.env:
        if "value" not in item or "valueFrom" in item:
            raise DefinitionError(
                f"KubernetesPodSettings(env=...) of {owner}: dagwell takes plain "
                f"name/value pairs; {item!r} uses valueFrom."
            )
        env[str(item["name"])] = str(item["value"])
    fields: dict[str, Any] = {
        "node_selector": pod.node_selectors or None,
        "affinity": pod.affinity or None,
        "tolerations": pod.tolerations or None,
        "annotations": pod.annotations or None,
        "labels": pod.labels or None,
        "volumes": pod.volumes or None,
        "volume_mounts": pod.volume_mounts or None,
        "image_pull_secrets": pod.image_pull_secrets or None,
        "security_context": pod.container_security_context or None,
        "env": env or None,
        "service_account_name": pod.service_account_name,
    }
    return {k: v for k, v in fields.items() if v is not None}


def pod_resources(value: Any) -> dict[str, Any] | None:
    """``KubernetesPodSettings(resources={"limits": {"memory": "4Gi"}})`` as
    ResourceSettings fields (memory from the limit, else the request; cpu likewise)."""
    pod = value.pod_settings if isinstance(value, KubernetesOrchestratorSettings) else value
    if not isinstance(pod, KubernetesPodSettings) or not pod.resources:
        return None
    limits, requests = pod.resources.get("limits", {}), pod.resources.get("requests", {})
    out: dict[str, Any] = {}
    memory = limits.get("memory") or requests.get("memory")
    if memory:
        out["memory"] = memory
    cpu = limits.get("cpu") or requests.get("cpu")
    if cpu:
        text = str(cpu)
        out["cpu_count"] = float(text[:-1]) / 1000 if text.endswith("m") else float(text)
    gpu = limits.get("nvidia.com/gpu")
    if gpu:
        out["gpu_count"] = int(gpu)
    return out or None


def pod_settings(owner: str, value: Any) -> Any:
    """dagwell's PodSettings for ``settings["kubernetes" | "orchestrator.kubernetes"]``."""
    from dagwell.kubernetes.settings import PodSettings

    if isinstance(value, KubernetesPodSettings):
        return PodSettings(**_pod_fields(owner, value))
    if isinstance(value, KubernetesOrchestratorSettings):
        extra = sorted(set(value.model_fields_set) - _ORCHESTRATOR_TAKEN)
        if extra:
            raise DefinitionError(
                f"KubernetesOrchestratorSettings({', '.join(extra)}=...) of {owner}: dagwell "
                "configures these on KubernetesOrchestrator(...) (namespace, timeouts, "
                "parallelism come from the orchestrator and ResourceSettings), not per step."
            )
        fields = _pod_fields(owner, value.pod_settings) if value.pod_settings else {}
        account = value.step_pod_service_account_name or value.service_account_name
        if account:
            fields["service_account_name"] = account
        return PodSettings(**fields)
    return PodSettings.coerce(value)
