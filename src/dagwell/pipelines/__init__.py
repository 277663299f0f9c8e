"""``dagwell.pipelines``: ZenML's ``zenml.pipelines`` names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.api.context import PipelineContext, get_pipeline_context
    from dagwell.api.pipelines import pipeline

_WHERE = {
    "PipelineContext": "dagwell.api.context",
    "get_pipeline_context": "dagwell.api.context",
    "pipeline": "dagwell.api.pipelines",
}
__all__ = ["PipelineContext", "get_pipeline_context", "pipeline"]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
