"""``dagwell.config.resource_settings``: ZenML's module path for ``ResourceSettings``."""

from __future__ import annotations

from dagwell.core.settings import ResourceSettings

__all__ = ["ResourceSettings"]
