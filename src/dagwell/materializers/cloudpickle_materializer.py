"""``dagwell.materializers.cloudpickle_materializer``: ZenML's path (see
``artifact_store.zenml_builtins``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.artifact_store.zenml_builtins import CloudpickleMaterializer

_WHERE = {
    "CloudpickleMaterializer": "dagwell.artifact_store.zenml_builtins",
}
__all__ = ["CloudpickleMaterializer"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
