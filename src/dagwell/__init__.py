"""dagwell: ML pipelines as plain Python whose runs always end, and end with the truth.

The public names live here; everything heavy is imported on first use, so
``import dagwell`` stays fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    # ZenML's authoring names
    "ArtifactConfig",
    "Attempt",
    "Client",
    "ExternalArtifact",
    "FailureKind",
    "HookEvent",
    "KubernetesOrchestrator",
    "LocalOrchestrator",
    "Model",
    "ModelStages",
    "PipelineRun",
    "ResourceSettings",
    "RunFailedError",
    "Schedule",
    "SlackAlerter",
    "StepRetryConfig",
    "StepRun",
    "Tag",
    "WebhookAlerter",
    "add_tags",
    "get_logger",
    "get_pipeline_context",
    "get_step_context",
    "link_artifact_to_model",
    "load_artifact",
    "log_artifact_metadata",
    "log_metadata",
    "log_model_metadata",
    "log_step_metadata",
    "pipeline",
    "register_artifact",
    "remove_tags",
    "save_artifact",
    "step",
]

_WHERE = {
    "step": "dagwell.api.steps",
    "pipeline": "dagwell.api.pipelines",
    "ResourceSettings": "dagwell.core.settings",
    "StepRetryConfig": "dagwell.core.settings",
    "Schedule": "dagwell.core.schedule",
    "LocalOrchestrator": "dagwell.runtimes.local_orchestrator",
    "KubernetesOrchestrator": "dagwell.kubernetes.orchestrator",
    "Client": "dagwell.api.client",
    "PipelineRun": "dagwell.core.records",
    "StepRun": "dagwell.core.records",
    "Attempt": "dagwell.core.records",
    "RunFailedError": "dagwell.core.records",
    "FailureKind": "dagwell.core.failures",
    "HookEvent": "dagwell.core.hooks",
    "WebhookAlerter": "dagwell.engine.alerts",
    "SlackAlerter": "dagwell.engine.alerts",
    "ArtifactConfig": "dagwell.api.artifacts",
    "ExternalArtifact": "dagwell.api.artifacts",
    "save_artifact": "dagwell.api.artifacts",
    "add_tags": "dagwell.api.artifacts",
    "Tag": "dagwell.api.tags",
    "load_artifact": "dagwell.api.artifacts",
    "register_artifact": "dagwell.api.artifacts",
    "remove_tags": "dagwell.api.artifacts",
    "log_metadata": "dagwell.api.artifacts",
    "log_artifact_metadata": "dagwell.api.deprecated_metadata",
    "log_model_metadata": "dagwell.api.deprecated_metadata",
    "log_step_metadata": "dagwell.api.deprecated_metadata",
    "Model": "dagwell.api.model",
    "link_artifact_to_model": "dagwell.api.model_links",
    "ModelStages": "dagwell.api.model",
    "get_step_context": "dagwell.api.context",
    "get_pipeline_context": "dagwell.api.context",
    "get_logger": "dagwell.logger",
}


class _MissingModules:
    """A finder consulted after every other one (so only for modules that do not exist): a
    missing ``dagwell.*`` module below one of ZenML's packages is a ZenML module after an
    import rename, and the error says so and what to do instead, not a bare "No module
    named". Other names are left to the usual answer (None: not found)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.startswith("dagwell."):
            from dagwell._zenml_names import is_zenml_module, missing_module

            if is_zenml_module(fullname):
                raise missing_module(fullname)


if not any(type(f).__name__ == "_MissingModules" for f in sys.meta_path):
    sys.meta_path.append(_MissingModules())

if TYPE_CHECKING:
    from dagwell.api.artifacts import (
        ArtifactConfig,
        ExternalArtifact,
        add_tags,
        load_artifact,
        log_metadata,
        register_artifact,
        remove_tags,
        save_artifact,
    )
    from dagwell.api.client import Client
    from dagwell.api.context import get_pipeline_context, get_step_context
    from dagwell.api.deprecated_metadata import (
        log_artifact_metadata,
        log_model_metadata,
        log_step_metadata,
    )
    from dagwell.api.model import Model, ModelStages
    from dagwell.api.model_links import link_artifact_to_model
    from dagwell.api.pipelines import pipeline
    from dagwell.api.steps import step
    from dagwell.api.tags import Tag
    from dagwell.core.failures import FailureKind
    from dagwell.core.hooks import HookEvent
    from dagwell.core.records import Attempt, PipelineRun, RunFailedError, StepRun
    from dagwell.core.schedule import Schedule
    from dagwell.core.settings import ResourceSettings, StepRetryConfig
    from dagwell.engine.alerts import SlackAlerter, WebhookAlerter
    from dagwell.kubernetes.orchestrator import KubernetesOrchestrator
    from dagwell.logger import get_logger
    from dagwell.runtimes.local_orchestrator import LocalOrchestrator


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        if name.startswith("_"):
            raise AttributeError(f"module 'dagwell' has no attribute {name!r}")
        from dagwell._zenml_names import lookup

        return lookup("dagwell", _WHERE, name)  # raises: names what dagwell has instead
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
