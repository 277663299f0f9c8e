"""``dagwell.steps.base_step``: ZenML's module path for ``BaseStep``, the class of what
``@step`` makes (ZenML code imports it from here for type hints and ``isinstance``)."""

from __future__ import annotations

from dagwell.api.steps import Step as BaseStep

__all__ = ["BaseStep"]
