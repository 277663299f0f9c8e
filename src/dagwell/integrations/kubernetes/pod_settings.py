"""``dagwell.integrations.kubernetes.pod_settings``: ZenML's path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.zenml_settings import KubernetesPodSettings

_WHERE = {
    "KubernetesPodSettings": "dagwell.api.zenml_settings",
}
__all__ = ["KubernetesPodSettings"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
