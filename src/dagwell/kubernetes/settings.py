"""Per-step pod settings for the Kubernetes orchestrator (``settings={"kubernetes": ...}``).

Validated at decoration time like every other setting; plain data that the pod builder
(:mod:`dagwell.kubernetes.pods`) turns into a pod spec.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dagwell.core.errors import ConfigError
from dagwell.core.settings import _Settings


class PodSettings(_Settings):
    node_selector: dict[str, str] | None = None
    tolerations: list[dict[str, Any]] | None = None
    affinity: dict[str, Any] | None = None
    service_account_name: str | None = None
    env: dict[str, str] | None = None
    volumes: list[dict[str, Any]] | None = None
    volume_mounts: list[dict[str, Any]] | None = None
    image_pull_secrets: list[str] | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    security_context: dict[str, Any] | None = None
    image: str | None = None
    priority_class_name: str | None = None
    pending_timeout: float | None = Field(default=None, gt=0)

    @classmethod
    def coerce(cls, value: Any) -> PodSettings:
        if isinstance(value, PodSettings):
            return value
        if isinstance(value, dict):
            data = value.get("pod_settings", value) if "pod_settings" in value else value
            if isinstance(data, PodSettings):
                return data
            return cls(**data)
        raise ConfigError(
            "settings['kubernetes'] must be a dagwell.kubernetes.PodSettings(...) or a dict of "
            f"its fields, got {type(value).__name__}."
        )
