"""Which materializer class stands for an output of a given type, before it has a value.

ZenML's ``get_step_context().get_output_materializer()`` answers the output's
materializer, initialized with the output's URI, inside the step: code saves or loads
files with it there. dagwell picks its format from the value when the step returns, so
here the class is the one its type would get: a class registered for the type (or whose
ASSOCIATED_TYPES take it), else dagwell's mirror of the ZenML built-in materializer that
writes what dagwell's format for such a value does (see zenml_builtins).
"""

from __future__ import annotations

import dataclasses
import pathlib
import uuid
from typing import Any

from dagwell.artifact_store import custom, zenml_builtins

_BY_BUILTIN: tuple[tuple[tuple[type, ...], type[custom.BaseMaterializer]], ...] = (
    ((bool, int, float, str, type(None)), zenml_builtins.BuiltInMaterializer),
    ((bytes,), zenml_builtins.BytesMaterializer),
    ((dict, list, set, tuple), zenml_builtins.BuiltInContainerMaterializer),
    ((uuid.UUID,), zenml_builtins.UUIDMaterializer),
    ((pathlib.Path,), zenml_builtins.PathMaterializer),
)
_BY_MODULE = {
    "pandas": zenml_builtins.PandasMaterializer,
    "numpy": zenml_builtins.NumpyMaterializer,
    "sklearn": zenml_builtins.SklearnMaterializer,
}


def for_type(kind: Any) -> type[custom.BaseMaterializer]:
    """The materializer class for an output annotated ``kind`` (None or no class: the
    one that takes anything, cloudpickle's)."""
    if not isinstance(kind, type):
        return zenml_builtins.CloudpickleMaterializer
    for base in kind.__mro__:
        if base in custom._BY_TYPE:
            return custom._BY_TYPE[base]
    for cls in reversed(list(custom._REGISTRY.values())):
        if cls._PICKED_BY_TYPE and cls.ASSOCIATED_TYPES and issubclass(kind, cls.ASSOCIATED_TYPES):
            return cls
    for types, cls in _BY_BUILTIN:
        if issubclass(kind, types):
            return cls
    if dataclasses.is_dataclass(kind):
        return zenml_builtins.DataclassMaterializer
    if any(getattr(b, "__module__", "") == "pydantic.main" for b in kind.__mro__):
        return zenml_builtins.PydanticMaterializer
    found = _BY_MODULE.get(kind.__module__.split(".", 1)[0])
    return found or zenml_builtins.CloudpickleMaterializer
