"""``dagwell.integrations.pandas.materializers``: ZenML's path to its pandas integration's
materializer, which stands for dagwell's own format (see ``artifact_store.zenml_builtins``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagwell._zenml_names import lazy_face

if TYPE_CHECKING:
    from dagwell.artifact_store.zenml_builtins import PandasMaterializer

_WHERE = {"PandasMaterializer": "dagwell.artifact_store.zenml_builtins"}
__all__ = ["PandasMaterializer"]


__getattr__, __dir__ = lazy_face(__name__, _WHERE, __all__)
