"""``dagwell.steps.step_decorator``: ZenML's ``zenml.steps.step_decorator`` path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.steps import step

_WHERE = {
    "step": "dagwell.api.steps",
}
__all__ = ["step"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
