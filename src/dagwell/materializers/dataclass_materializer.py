"""``dagwell.materializers.dataclass_materializer``: ZenML's path (see
``artifact_store.zenml_builtins``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.artifact_store.zenml_builtins import DataclassMaterializer

_WHERE = {
    "DataclassMaterializer": "dagwell.artifact_store.zenml_builtins",
}
__all__ = ["DataclassMaterializer"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
