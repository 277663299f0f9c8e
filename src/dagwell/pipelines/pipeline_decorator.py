"""``dagwell.pipelines.pipeline_decorator``: ZenML's ``zenml.pipelines.pipeline_decorator`` path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.pipelines import pipeline

_WHERE = {
    "pipeline": "dagwell.api.pipelines",
}
__all__ = ["pipeline"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
