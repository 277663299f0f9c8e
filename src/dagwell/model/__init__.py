"""``dagwell.model``: ZenML's ``zenml.model`` path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.api.model import Model

_WHERE = {
    "Model": "dagwell.api.model",
}
__all__ = ["Model"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
