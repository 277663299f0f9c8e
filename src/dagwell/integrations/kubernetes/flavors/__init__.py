"""``dagwell.integrations.kubernetes.flavors``: ZenML's path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.zenml_settings import KubernetesOrchestratorSettings

_WHERE = {
    "KubernetesOrchestratorSettings": "dagwell.api.zenml_settings",
}
__all__ = ["KubernetesOrchestratorSettings"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
