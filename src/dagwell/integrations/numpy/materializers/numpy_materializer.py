"""``dagwell.integrations.numpy.materializers.numpy_materializer``: ZenML's path to its
numpy integration's materializer, which stands for dagwell's own format (see
``artifact_store.zenml_builtins``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.artifact_store.zenml_builtins import NumpyMaterializer

_WHERE = {"NumpyMaterializer": "dagwell.artifact_store.zenml_builtins"}
__all__ = ["NumpyMaterializer"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
