"""``dagwell.integrations.kubernetes``: ZenML's path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.api.zenml_settings import KubernetesOrchestratorSettings, KubernetesPodSettings

_WHERE = {
    "KubernetesOrchestratorSettings": "dagwell.api.zenml_settings",
    "KubernetesPodSettings": "dagwell.api.zenml_settings",
}
__all__ = ["KubernetesOrchestratorSettings", "KubernetesPodSettings"]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
