"""``dagwell.pipelines``: ZenML's ``zenml.pipelines`` names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

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


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
