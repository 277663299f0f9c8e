"""``dagwell.artifacts``: ZenML's ``zenml.artifacts`` path (the store is dagwell.artifact_store)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.api.artifacts import ArtifactConfig, ExternalArtifact
    from dagwell.core.records import UnmaterializedArtifact

_WHERE = {
    "ArtifactConfig": "dagwell.api.artifacts",
    "ExternalArtifact": "dagwell.api.artifacts",
    "UnmaterializedArtifact": "dagwell.core.records",
}
__all__ = ["ArtifactConfig", "ExternalArtifact", "UnmaterializedArtifact"]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
