"""``dagwell.artifacts.utils``: ZenML's artifact functions path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.artifacts import load_artifact, register_artifact, save_artifact
    from dagwell.api.deprecated_metadata import log_artifact_metadata

_WHERE = {
    "log_artifact_metadata": "dagwell.api.deprecated_metadata",
    "load_artifact": "dagwell.api.artifacts",
    "register_artifact": "dagwell.api.artifacts",
    "save_artifact": "dagwell.api.artifacts",
}
__all__ = ["load_artifact", "log_artifact_metadata", "register_artifact", "save_artifact"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
