"""``dagwell.config.source``: ZenML's module path for ``Source`` and ``SourceType`` (what an
artifact version's ``data_type`` and ``materializer`` are)."""

from __future__ import annotations

from dagwell.core.source import Source, SourceType

__all__ = ["Source", "SourceType"]
