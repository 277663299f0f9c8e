"""``dagwell.artifacts.external_artifact``: ZenML's path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.artifacts import ExternalArtifact

_WHERE = {
    "ExternalArtifact": "dagwell.api.artifacts",
}
__all__ = ["ExternalArtifact"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
