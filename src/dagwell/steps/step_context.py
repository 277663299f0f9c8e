"""``dagwell.steps.step_context``: ZenML's ``zenml.steps.step_context`` path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.context import StepContext, get_step_context

_WHERE = {
    "StepContext": "dagwell.api.context",
    "get_step_context": "dagwell.api.context",
}
__all__ = ["StepContext", "get_step_context"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
