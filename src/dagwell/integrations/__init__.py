"""``dagwell.integrations``: ZenML's integration paths dagwell mirrors."""

from __future__ import annotations

from typing import Any

from dagwell._zenml_names import lookup

_WHERE: dict[str, str] = {}
__all__ = []


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
