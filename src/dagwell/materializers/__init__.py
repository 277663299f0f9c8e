"""``dagwell.materializers``: ZenML's materializer module path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.artifact_store.custom import BaseMaterializer

_WHERE = {
    "BaseMaterializer": "dagwell.artifact_store.custom",
}
__all__ = ["BaseMaterializer"]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
