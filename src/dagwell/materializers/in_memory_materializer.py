"""``dagwell.materializers.in_memory_materializer``: ZenML's path (see
``artifact_store.zenml_builtins``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.artifact_store.zenml_builtins import InMemoryMaterializer

_WHERE = {
    "InMemoryMaterializer": "dagwell.artifact_store.zenml_builtins",
}
__all__ = ["InMemoryMaterializer"]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
