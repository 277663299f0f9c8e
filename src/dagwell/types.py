"""``dagwell.types``: ZenML's ``zenml.types`` (strings that say what they hold)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.core.text_types import CSVString, HTMLString, JSONString, MarkdownString

_WHERE = {
    "CSVString": "dagwell.core.text_types",
    "HTMLString": "dagwell.core.text_types",
    "JSONString": "dagwell.core.text_types",
    "MarkdownString": "dagwell.core.text_types",
}
__all__ = ["CSVString", "HTMLString", "JSONString", "MarkdownString"]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
