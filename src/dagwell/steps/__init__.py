"""``dagwell.steps``: ZenML's ``zenml.steps`` names. ``BaseStep`` is the class of what
``@step`` makes (for ``isinstance`` and type hints; dagwell has no class-based steps)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

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


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
