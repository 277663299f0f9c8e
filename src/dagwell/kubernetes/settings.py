"""Per-step pod settings for the Kubernetes orchestrator (``settings={"kubernetes": ...}``).

Validated at decoration time like every other setting; plain data that the pod builder
(:mod:`dagwell.kubernetes.pods`) turns into a pod spec.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

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
    priority_class: str | None = None  # the same, by its shorter name
    pending_timeout: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _check_against_the_pod_schema(self) -> PodSettings:
        """Refuse here, at definition, what the API server would refuse mid-run."""
        from dagwell.kubernetes.api import pod_field_problem

        for name in ("tolerations", "affinity", "volumes", "volume_mounts", "security_context"):
            try:
                problem = pod_field_problem(name, getattr(self, name))
            except ImportError:  # no lightkube: nothing can create the pod anyway
                return self
            if problem:
                raise ConfigError(
                    f"Invalid PodSettings: {problem}. Write it as in a Kubernetes pod spec "
                    "(camelCase field names), e.g. tolerations=[{'key': 'gpu', 'operator': "
                    "'Exists', 'effect': 'NoSchedule'}]."
                )
        return self

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
