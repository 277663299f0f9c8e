"""``dagwell.artifacts.utils``: ZenML's artifact functions path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

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


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
