"""``dagwell.config.deployment_settings``: ZenML's module path for ``DeploymentSettings`` and
``CORSConfig`` (accepted; dagwell does not serve pipelines over HTTP)."""

from __future__ import annotations

from dagwell.api.zenml_settings import CORSConfig, DeploymentSettings

__all__ = ["CORSConfig", "DeploymentSettings"]
