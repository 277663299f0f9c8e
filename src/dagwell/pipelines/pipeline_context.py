"""``dagwell.pipelines.pipeline_context``: ZenML's ``zenml.pipelines.pipeline_context`` path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.api.context import PipelineContext, get_pipeline_context

_WHERE = {
    "PipelineContext": "dagwell.api.context",
    "get_pipeline_context": "dagwell.api.context",
}
__all__ = ["PipelineContext", "get_pipeline_context"]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
