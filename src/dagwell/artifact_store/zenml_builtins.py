"""dagwell's mirrors of ZenML's built-in materializers (``zenml.materializers``) and of the
materializers of its scikit-learn, pandas and numpy integrations, for code that names them.

Named in ``output_materializers=`` or given to ``materializer_registry``, each stands for
dagwell's own format for the value, which is what ZenML's built-in one writes (JSON for
plain data, a dataclass or a pydantic model, text, bytes, a path's files, a UUID's text),
so naming one stores the value exactly as leaving it unnamed does. That holds for
``CloudpickleMaterializer`` too: dagwell pickles only what no safe format stores. None of
them is picked by its ``ASSOCIATED_TYPES``; dagwell's own choice by type already is theirs.

Their ``save`` and ``load`` work too, for a subclass that calls ``super()``: they write
that format into ``self.uri``. ``PydanticMaterializer`` writes ZenML's own file
(``data_v2.json``), since a subclass of it may read that file itself.
"""

from __future__ import annotations

import json
import os
import uuid
import warnings
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

from dagwell.artifact_store import materializers
from dagwell.artifact_store.custom import ArtifactType, BaseMaterializer
from dagwell.core.text_types import CSVString, HTMLString, JSONString, MarkdownString

_DATA = "data"
_FORMAT = "dagwell_format.json"


class _DagwellFormats(BaseMaterializer):
    """Saves a value in ``self.uri`` with dagwell's own format for it."""

    ASSOCIATED_ARTIFACT_TYPE: ClassVar[ArtifactType] = ArtifactType.DATA
    SKIP_REGISTRATION: ClassVar[bool] = True

    def save(self, data: Any) -> None:
        for materializer in materializers.own(data):
            try:
                with open(os.path.join(self.uri, _DATA), "wb") as f:
                    materializer.save(data, f)
            except materializers.CannotMaterialize:
                continue
            if materializer.pickles:
                warnings.warn(
                    f"A {materializers.type_name(data)} was stored with cloudpickle: it only "
                    f"loads on Python {materializers.PYTHON} with the same libraries.",
                    stacklevel=2,
                )
            record = {
                "materializer": materializer.name,
                "type": materializers.type_name(data),
                "python": materializers.PYTHON if materializer.pickles else None,
            }
            with open(os.path.join(self.uri, _FORMAT), "w") as f:
                json.dump(record, f)
            return
        raise AssertionError("cloudpickle takes every value")  # pragma: no cover

    def load(self, data_type: type[Any]) -> Any:
        with open(os.path.join(self.uri, _FORMAT)) as f:
            record = json.load(f)
        with open(os.path.join(self.uri, _DATA), "rb") as f:
            return materializers.load(
                record["materializer"], f, python=record["python"], type_name_=record["type"]
            )


class BuiltInMaterializer(_DagwellFormats):
    """ZenML's materializer of ``bool``, ``float``, ``int``, ``str`` and ``None``."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (bool, float, int, str, type(None))
    _STORED_BY_DAGWELL: ClassVar[bool] = True


class BytesMaterializer(_DagwellFormats):
    """ZenML's materializer of ``bytes``."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (bytes,)
    _STORED_BY_DAGWELL: ClassVar[bool] = True


class BuiltInContainerMaterializer(_DagwellFormats):
    """ZenML's materializer of ``dict``, ``list``, ``set`` and ``tuple``."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (dict, list, set, tuple)
    _STORED_BY_DAGWELL: ClassVar[bool] = True


class CloudpickleMaterializer(_DagwellFormats):
    """ZenML's pickle of any value: here a pickle only when no safe format stores it."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (object,)
    _STORED_BY_DAGWELL: ClassVar[bool] = True


class DataclassMaterializer(_DagwellFormats):
    """ZenML's materializer of a dataclass: its fields as JSON."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (object,)
    _STORED_BY_DAGWELL: ClassVar[bool] = True


class InMemoryMaterializer(_DagwellFormats):
    """ZenML's materializer for served pipelines, which keeps values in memory: here
    they are stored as any other."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (object,)
    _STORED_BY_DAGWELL: ClassVar[bool] = True


class PathMaterializer(_DagwellFormats):
    """ZenML's materializer of a ``pathlib.Path``: the file or folder itself."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (Path,)
    _STORED_BY_DAGWELL: ClassVar[bool] = True


class StructuredStringMaterializer(_DagwellFormats):
    """ZenML's materializer of ``HTMLString``, ``CSVString``, ...: the text, loaded as the
    same kind of string."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (
        CSVString,
        HTMLString,
        MarkdownString,
        JSONString,
    )
    ASSOCIATED_ARTIFACT_TYPE: ClassVar[ArtifactType] = ArtifactType.DATA_ANALYSIS
    _STORED_BY_DAGWELL: ClassVar[bool] = True


class UUIDMaterializer(_DagwellFormats):
    """ZenML's materializer of a ``uuid.UUID``: its text."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (uuid.UUID,)
    _STORED_BY_DAGWELL: ClassVar[bool] = True


class SklearnMaterializer(_DagwellFormats):
    """ZenML's sklearn integration's materializer of an estimator: stored as dagwell stores
    one (a model artifact, as ZenML's declares)."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (object,)
    ASSOCIATED_ARTIFACT_TYPE: ClassVar[ArtifactType] = ArtifactType.MODEL
    _STORED_BY_DAGWELL: ClassVar[bool] = True


class PandasMaterializer(_DagwellFormats):
    """ZenML's pandas integration's materializer of a ``DataFrame`` or ``Series``: stored as
    dagwell stores one (Parquet when pyarrow is installed)."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (object,)
    _STORED_BY_DAGWELL: ClassVar[bool] = True


class NumpyMaterializer(_DagwellFormats):
    """ZenML's numpy integration's materializer of an ``ndarray``: stored as dagwell stores
    one."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (object,)
    _STORED_BY_DAGWELL: ClassVar[bool] = True


_PYDANTIC_FILE = "data_v2.json"
_PYDANTIC_LEGACY_FILE = "data.json"  # (ZenML <= 0.94.2 wrote the JSON as a JSON string)


class PydanticMaterializer(BaseMaterializer):
    """ZenML's materializer of a pydantic model: its ``model_dump(mode="json")`` as JSON,
    loaded with ``data_type.model_validate``."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (BaseModel,)
    ASSOCIATED_ARTIFACT_TYPE: ClassVar[ArtifactType] = ArtifactType.DATA
    _STORED_BY_DAGWELL: ClassVar[bool] = True

    def load(self, data_type: type[Any]) -> Any:
        path = os.path.join(self.uri, _PYDANTIC_FILE)
        if self.artifact_store.exists(path):
            with self.artifact_store.open(path, "r") as f:
                return data_type.model_validate(json.load(f))
        legacy = os.path.join(self.uri, _PYDANTIC_LEGACY_FILE)
        if self.artifact_store.exists(legacy):
            with self.artifact_store.open(legacy, "r") as f:
                return data_type.model_validate_json(json.load(f))
        raise FileNotFoundError(f"No data found at {path} or {legacy}.")

    def save(self, data: Any) -> None:
        with self.artifact_store.open(os.path.join(self.uri, _PYDANTIC_FILE), "w") as f:
            json.dump(data.model_dump(mode="json"), f)
