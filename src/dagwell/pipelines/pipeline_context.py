"""``dagwell.pipelines.pipeline_context``: ZenML's ``zenml.pipelines.pipeline_context`` path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.context import PipelineContext, get_pipeline_context

_WHERE = {
    "PipelineContext": "dagwell.api.context",
    "get_pipeline_context": "dagwell.api.context",
}
__all__ = ["PipelineContext", "get_pipeline_context"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
