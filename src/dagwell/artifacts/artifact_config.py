"""``dagwell.artifacts.artifact_config``: ZenML's path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.artifacts import ArtifactConfig

_WHERE = {
    "ArtifactConfig": "dagwell.api.artifacts",
}
__all__ = ["ArtifactConfig"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
