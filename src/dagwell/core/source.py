"""ZenML's ``Source``: where a class lives, as an artifact version's ``data_type`` and
``materializer`` name it (``av.data_type.import_path == "builtins.float"``).

A :class:`Source` is also the string of its import path, so code that compared or printed
dagwell's ``data_type`` as a string keeps working. An artifact's materializer is one of
dagwell's own formats, named here by the ZenML materializer that writes the same (under
dagwell's mirror of ZenML's module: ``dagwell.materializers.built_in_materializer.
BuiltInMaterializer`` for a number), or the user's own materializer class.
"""

from __future__ import annotations

import functools
import sys
from enum import Enum
from typing import Any


class SourceType(Enum):
    """ZenML's kinds of source (``zenml.config.source.SourceType``)."""

    USER = "user"
    BUILTIN = "builtin"
    INTERNAL = "internal"
    DISTRIBUTION_PACKAGE = "distribution_package"
    CODE_REPOSITORY = "code_repository"
    NOTEBOOK = "notebook"
    UNKNOWN = "unknown"


class Source(str):
    """ZenML's Source: ``.module``, ``.attribute``, ``.type``, ``.import_path``,
    ``.is_internal``, ``.is_module_source``; its string is its import path."""

    module: str
    attribute: str | None
    type: SourceType

    def __new__(
        cls, module: str, attribute: str | None = None, type: SourceType | None = None
    ) -> Source:
        obj = super().__new__(cls, f"{module}.{attribute}" if attribute else module)
        obj.module = module
        obj.attribute = attribute
        obj.type = source_type(module) if type is None else type
        return obj

    @classmethod
    def from_import_path(cls, import_path: str, is_module_path: bool = False) -> Source:
        if not import_path:
            raise ValueError(
                "Invalid empty import path. The import path needs to refer to a Python "
                "module and an optional attribute of that module."
            )
        if is_module_path or "." not in import_path:
            return cls(import_path, None)
        module, attribute = import_path.rsplit(".", 1)
        return cls(module, attribute)

    @property
    def import_path(self) -> str:
        return str(self)

    @property
    def is_internal(self) -> bool:
        """From ZenML's package (dagwell's mirror of it here), as ZenML tells."""
        if self.type not in (SourceType.UNKNOWN, SourceType.INTERNAL):
            return False
        return self.module.split(".", 1)[0] in ("zenml", "dagwell")

    @property
    def is_module_source(self) -> bool:
        return self.attribute is None

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return {"module": self.module, "attribute": self.attribute, "type": self.type}

    def __repr__(self) -> str:
        return f"Source(module={self.module!r}, attribute={self.attribute!r}, type={self.type!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Source, (self.module, self.attribute, self.type))


@functools.lru_cache(maxsize=1)
def _distributions() -> frozenset[str]:
    from importlib.metadata import packages_distributions

    return frozenset(packages_distributions())


def source_type(module: str) -> SourceType:
    """ZenML's kind of a module: the standard library's are built-in, ZenML's (dagwell's)
    internal, an installed distribution's a distribution package's, others the user's."""
    root = module.split(".", 1)[0]
    if root in ("builtins", *sys.stdlib_module_names):
        return SourceType.BUILTIN
    if root in ("dagwell", "zenml"):
        return SourceType.INTERNAL
    if root != "__main__" and root in _distributions():
        return SourceType.DISTRIBUTION_PACKAGE
    return SourceType.USER


def type_source(type_name: str) -> Source:
    """The Source of a stored value's class, from dagwell's ``module.qualname``."""
    return Source.from_import_path(type_name) if type_name else Source("builtins", "object")


_BUILT_IN = "dagwell.materializers.built_in_materializer"
#: ZenML's materializer (under dagwell's mirror of its module) for each of dagwell's formats.
_FORMATS: dict[str, tuple[str, str]] = {
    "none": (_BUILT_IN, "BuiltInMaterializer"),
    "json": (_BUILT_IN, "BuiltInMaterializer"),
    "text": (_BUILT_IN, "BuiltInMaterializer"),
    "bytes": (_BUILT_IN, "BytesMaterializer"),
    "container.json": (_BUILT_IN, "BuiltInContainerMaterializer"),
    "text.typed": (
        "dagwell.materializers.structured_string_materializer",
        "StructuredStringMaterializer",
    ),
    "uuid": ("dagwell.materializers.uuid_materializer", "UUIDMaterializer"),
    "dataclass.json": ("dagwell.materializers.dataclass_materializer", "DataclassMaterializer"),
    "pydantic.json": ("dagwell.materializers.pydantic_materializer", "PydanticMaterializer"),
    "path": ("dagwell.materializers.path_materializer", "PathMaterializer"),
    "preexisting": ("dagwell.materializers.path_materializer", "PathMaterializer"),
    "numpy": ("dagwell.integrations.numpy.materializers.numpy_materializer", "NumpyMaterializer"),
    "pandas.parquet": (
        "dagwell.integrations.pandas.materializers.pandas_materializer",
        "PandasMaterializer",
    ),
    "pandas.series.parquet": (
        "dagwell.integrations.pandas.materializers.pandas_materializer",
        "PandasMaterializer",
    ),
    "cloudpickle": ("dagwell.materializers.cloudpickle_materializer", "CloudpickleMaterializer"),
}
_CONTAINERS = {f"builtins.{t}" for t in ("list", "dict", "tuple", "set", "frozenset")}
_SKLEARN = (
    "dagwell.integrations.sklearn.materializers.sklearn_materializer",
    "SklearnMaterializer",
)


def materializer_source(key: str, type_name: str = "") -> Source:
    """The Source of the materializer that stored a value: a user's class for
    ``user:<module>:<class>``, else the ZenML materializer that writes what dagwell's format
    ``key`` does for a value of ``type_name`` (a list is BuiltInContainerMaterializer's, a
    pickled scikit-learn estimator SklearnMaterializer's, as in ZenML)."""
    if key.startswith("user:"):
        module, _sep, attribute = key[len("user:") :].rpartition(":")
        return Source(module, attribute, SourceType.USER if module else SourceType.UNKNOWN)
    if key == "json" and type_name in _CONTAINERS:
        key = "container.json"
    found = _FORMATS.get(key)
    if key == "cloudpickle" and type_name.split(".", 1)[0] == "sklearn":
        found = _SKLEARN
    if found is None:
        return Source(key, None, SourceType.UNKNOWN)
    return Source(found[0], found[1], SourceType.INTERNAL)
