"""``dagwell.config``: ZenML's ``zenml.config`` names (settings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

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


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
