"""``dagwell.artifacts.artifact_config``: ZenML's path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.api.artifacts import ArtifactConfig

_WHERE = {
    "ArtifactConfig": "dagwell.api.artifacts",
}
__all__ = ["ArtifactConfig"]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
