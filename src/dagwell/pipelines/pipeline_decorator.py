"""``dagwell.pipelines.pipeline_decorator``: ZenML's ``zenml.pipelines.pipeline_decorator`` path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.api.pipelines import pipeline

_WHERE = {
    "pipeline": "dagwell.api.pipelines",
}
__all__ = ["pipeline"]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
