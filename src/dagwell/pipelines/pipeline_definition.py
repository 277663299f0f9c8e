"""``dagwell.pipelines.pipeline_definition``: ZenML's ``zenml.pipelines.pipeline_definition``
path; ``Pipeline`` is the class of what ``@pipeline`` makes (for type hints, ``isinstance``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.api.pipelines import Pipeline

_WHERE = {
    "Pipeline": "dagwell.api.pipelines",
}
__all__ = ["Pipeline"]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
