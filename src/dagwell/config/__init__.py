"""``dagwell.config``: ZenML's ``zenml.config`` names (settings)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.api.zenml_settings import (
        CORSConfig,
        DeploymentSettings,
        DockerSettings,
        PythonEnvironmentExportMethod,
        PythonPackageInstaller,
    )
    from dagwell.core.schedule import Schedule
    from dagwell.core.settings import ResourceSettings, StepRetryConfig

_WHERE = {
    "CORSConfig": "dagwell.api.zenml_settings",
    "DeploymentSettings": "dagwell.api.zenml_settings",
    "DockerSettings": "dagwell.api.zenml_settings",
    "PythonEnvironmentExportMethod": "dagwell.api.zenml_settings",
    "PythonPackageInstaller": "dagwell.api.zenml_settings",
    "ResourceSettings": "dagwell.core.settings",
    "Schedule": "dagwell.core.schedule",
    "StepRetryConfig": "dagwell.core.settings",
}
__all__ = [
    "CORSConfig",
    "DeploymentSettings",
    "DockerSettings",
    "PythonEnvironmentExportMethod",
    "PythonPackageInstaller",
    "ResourceSettings",
    "Schedule",
    "StepRetryConfig",
]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
