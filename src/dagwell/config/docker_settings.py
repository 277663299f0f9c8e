"""``dagwell.config.docker_settings``: ZenML's module path for ``DockerSettings``."""

from __future__ import annotations

from dagwell.api.zenml_settings import DockerSettings

__all__ = ["DockerSettings"]
