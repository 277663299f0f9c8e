"""``dagwell.artifacts``: ZenML's ``zenml.artifacts`` path (the store is dagwell.artifact_store)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.artifacts import ArtifactConfig, ExternalArtifact
    from dagwell.core.records import UnmaterializedArtifact

_WHERE = {
    "ArtifactConfig": "dagwell.api.artifacts",
    "ExternalArtifact": "dagwell.api.artifacts",
    "UnmaterializedArtifact": "dagwell.core.records",
}
__all__ = ["ArtifactConfig", "ExternalArtifact", "UnmaterializedArtifact"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
