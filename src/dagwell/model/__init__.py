"""``dagwell.model``: ZenML's ``zenml.model`` path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell._zenml_names import lookup

if TYPE_CHECKING:
    from dagwell.api.model import Model

_WHERE = {
    "Model": "dagwell.api.model",
}
__all__ = ["Model"]


def __getattr__(name: str) -> Any:
    value = lookup(__name__, _WHERE, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
