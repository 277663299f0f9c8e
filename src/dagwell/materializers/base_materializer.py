"""``dagwell.materializers.base_materializer``: ZenML's path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.artifact_store.custom import BaseMaterializer

_WHERE = {
    "BaseMaterializer": "dagwell.artifact_store.custom",
}
__all__ = ["BaseMaterializer"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
