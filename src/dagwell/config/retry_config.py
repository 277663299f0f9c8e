"""``dagwell.config.retry_config``: ZenML's module path for ``StepRetryConfig``."""

from __future__ import annotations

from dagwell.core.settings import StepRetryConfig

__all__ = ["StepRetryConfig"]
