"""``dagwell.steps.step_context``: ZenML's ``zenml.steps.step_context`` path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.api.context import StepContext, get_step_context

_WHERE = {
    "StepContext": "dagwell.api.context",
    "get_step_context": "dagwell.api.context",
}
__all__ = ["StepContext", "get_step_context"]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
