"""``dagwell.integrations.sklearn.materializers``: ZenML's path to its scikit-learn integration's
materializer, which stands for dagwell's own format (see ``artifact_store.zenml_builtins``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.artifact_store.zenml_builtins import SklearnMaterializer

_WHERE = {"SklearnMaterializer": "dagwell.artifact_store.zenml_builtins"}
__all__ = ["SklearnMaterializer"]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
