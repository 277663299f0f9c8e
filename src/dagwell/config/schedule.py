"""``dagwell.config.schedule``: ZenML's module path for ``Schedule``."""

from __future__ import annotations

from dagwell.core.schedule import Schedule

__all__ = ["Schedule"]
