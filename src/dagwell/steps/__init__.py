"""``dagwell.steps``: ZenML's ``zenml.steps`` names. ``BaseStep`` is the class of what
``@step`` makes (for ``isinstance`` and type hints; dagwell has no class-based steps)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.context import StepContext, get_step_context
    from dagwell.api.steps import Step as BaseStep
    from dagwell.api.steps import step
    from dagwell.core.settings import ResourceSettings

_WHERE = {
    "BaseStep": "dagwell.api.steps:Step",
    "ResourceSettings": "dagwell.core.settings",
    "StepContext": "dagwell.api.context",
    "get_step_context": "dagwell.api.context",
    "step": "dagwell.api.steps",
}
__all__ = ["BaseStep", "ResourceSettings", "StepContext", "get_step_context", "step"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
