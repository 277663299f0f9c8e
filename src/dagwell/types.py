"""``dagwell.types``: ZenML's ``zenml.types`` (strings that say what they hold)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.core.text_types import CSVString, HTMLString, JSONString, MarkdownString

_WHERE = {
    "CSVString": "dagwell.core.text_types",
    "HTMLString": "dagwell.core.text_types",
    "JSONString": "dagwell.core.text_types",
    "MarkdownString": "dagwell.core.text_types",
}
__all__ = ["CSVString", "HTMLString", "JSONString", "MarkdownString"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
