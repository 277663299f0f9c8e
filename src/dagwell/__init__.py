"""dagwell: ML pipelines as plain Python whose runs always end, and end with the truth.

The public names live here; everything heavy is imported on first use, so
``import dagwell`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Attempt",
    "Client",
    "FailureKind",
    "HookEvent",
    "KubernetesOrchestrator",
    "LocalOrchestrator",
    "PipelineRun",
    "ResourceSettings",
    "RunFailedError",
    "StepRetryConfig",
    "StepRun",
    "pipeline",
    "step",
]

_WHERE = {
    "step": "dagwell.steps",
    "pipeline": "dagwell.pipelines",
    "ResourceSettings": "dagwell.settings",
    "StepRetryConfig": "dagwell.settings",
    "LocalOrchestrator": "dagwell.orchestrators",
    "KubernetesOrchestrator": "dagwell.kubernetes.orchestrator",
    "Client": "dagwell.client",
    "PipelineRun": "dagwell.client",
    "StepRun": "dagwell.client",
    "Attempt": "dagwell.client",
    "RunFailedError": "dagwell.errors",
    "FailureKind": "dagwell.failures",
    "HookEvent": "dagwell.hooks",
}

if TYPE_CHECKING:
    from dagwell.client import Attempt, Client, PipelineRun, StepRun
    from dagwell.errors import RunFailedError
    from dagwell.failures import FailureKind
    from dagwell.hooks import HookEvent
    from dagwell.kubernetes.orchestrator import KubernetesOrchestrator
    from dagwell.orchestrators import LocalOrchestrator
    from dagwell.pipelines import pipeline
    from dagwell.settings import ResourceSettings, StepRetryConfig
    from dagwell.steps import step


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'dagwell' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
