"""``dagwell.pipelines.pipeline_definition``: ZenML's ``zenml.pipelines.pipeline_definition``
path; ``Pipeline`` is the class of what ``@pipeline`` makes (for type hints, ``isinstance``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.pipelines import Pipeline

_WHERE = {
    "Pipeline": "dagwell.api.pipelines",
}
__all__ = ["Pipeline"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
