"""``dagwell.materializers``: ZenML's materializer module path. The built-in materializers
ZenML exports here stand for dagwell's own formats (see ``artifact_store.zenml_builtins``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.artifact_store.custom import BaseMaterializer
    from dagwell.artifact_store.zenml_builtins import (
        BuiltInContainerMaterializer,
        BuiltInMaterializer,
        BytesMaterializer,
        CloudpickleMaterializer,
        DataclassMaterializer,
        InMemoryMaterializer,
        PathMaterializer,
        PydanticMaterializer,
        StructuredStringMaterializer,
        UUIDMaterializer,
    )

_WHERE = {
    "BaseMaterializer": "dagwell.artifact_store.custom",
    "BuiltInContainerMaterializer": "dagwell.artifact_store.zenml_builtins",
    "BuiltInMaterializer": "dagwell.artifact_store.zenml_builtins",
    "BytesMaterializer": "dagwell.artifact_store.zenml_builtins",
    "CloudpickleMaterializer": "dagwell.artifact_store.zenml_builtins",
    "DataclassMaterializer": "dagwell.artifact_store.zenml_builtins",
    "InMemoryMaterializer": "dagwell.artifact_store.zenml_builtins",
    "PathMaterializer": "dagwell.artifact_store.zenml_builtins",
    "PydanticMaterializer": "dagwell.artifact_store.zenml_builtins",
    "StructuredStringMaterializer": "dagwell.artifact_store.zenml_builtins",
    "UUIDMaterializer": "dagwell.artifact_store.zenml_builtins",
}
__all__ = [
    "BaseMaterializer",
    "BuiltInContainerMaterializer",
    "BuiltInMaterializer",
    "BytesMaterializer",
    "CloudpickleMaterializer",
    "DataclassMaterializer",
    "InMemoryMaterializer",
    "PathMaterializer",
    "PydanticMaterializer",
    "StructuredStringMaterializer",
    "UUIDMaterializer",
]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
