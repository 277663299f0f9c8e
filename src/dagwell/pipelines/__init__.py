"""``dagwell.pipelines``: ZenML's ``zenml.pipelines`` names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.api.context import PipelineContext, get_pipeline_context
    from dagwell.api.pipelines import pipeline
    from dagwell.core.schedule import Schedule

_WHERE = {
    "PipelineContext": "dagwell.api.context",
    "get_pipeline_context": "dagwell.api.context",
    "Schedule": "dagwell.core.schedule",
    "pipeline": "dagwell.api.pipelines",
}
__all__ = ["PipelineContext", "Schedule", "get_pipeline_context", "pipeline"]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
