"""``dagwell.utils.metadata_utils``: ZenML's module path for ``log_metadata``."""

from __future__ import annotations

from dagwell.api.artifacts import log_metadata

__all__ = ["log_metadata"]
