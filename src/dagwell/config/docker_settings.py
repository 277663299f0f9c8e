"""``dagwell.config.docker_settings``: ZenML's module path for ``DockerSettings`` and the
enums its fields take."""

from __future__ import annotations

from dagwell.api.zenml_settings import (
    DockerSettings,
    PythonEnvironmentExportMethod,
    PythonPackageInstaller,
)

__all__ = ["DockerSettings", "PythonEnvironmentExportMethod", "PythonPackageInstaller"]
