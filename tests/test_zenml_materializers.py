"""ZenML's built-in materializers, and custom ones, as real ZenML code uses them.

Found by running zenml-io/zenml-projects with imports renamed: ``from
zenml.materializers import PydanticMaterializer`` (and ZenML's other exported names), and
a materializer for ``BaseModel`` whose ``load`` must get the stored model's own class.
Written from ZenML 0.98's zenml/materializers/*.py and orchestrators/step_runner.py
(``_load_input_artifact``).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, PrivateAttr, SecretStr

from dagwell import pipeline, step
from dagwell.artifact_store.store import LocalArtifactStore
from dagwell.materializers import (
    BuiltInContainerMaterializer,
    BuiltInMaterializer,
    BytesMaterializer,
    CloudpickleMaterializer,
    DataclassMaterializer,
    InMemoryMaterializer,
    PathMaterializer,
    PydanticMaterializer,
    StructuredStringMaterializer,
    UUIDMaterializer,
)
from dagwell.materializers.base_materializer import BaseMaterializer
from dagwell.materializers.materializer_registry import materializer_registry


class Settings(BaseModel):
    lr: float
    layers: list[int] = [1, 2]


class Nested(BaseModel):
    settings: Settings
    name: str


@pytest.fixture
def store(tmp_path: Path) -> LocalArtifactStore:
    return LocalArtifactStore(tmp_path / "artifacts")


def test_every_materializer_zenml_exports_imports_from_its_zenml_paths():
    """Before: ZenMLNameMissing for each of them ("It mirrors BaseMaterializer")."""
    from dagwell.materializers.built_in_materializer import BuiltInMaterializer as Same
    from dagwell.materializers.cloudpickle_materializer import CloudpickleMaterializer as Pickle
    from dagwell.materializers.pydantic_materializer import PydanticMaterializer as Model
    from dagwell.materializers.uuid_materializer import UUIDMaterializer as Uuid

    assert (Same, Pickle, Model, Uuid) == (
        BuiltInMaterializer,
        CloudpickleMaterializer,
        PydanticMaterializer,
        UUIDMaterializer,
    )
    for cls in (BuiltInContainerMaterializer, BytesMaterializer, DataclassMaterializer):
        assert issubclass(cls, BaseMaterializer)
    for cls in (InMemoryMaterializer, PathMaterializer, StructuredStringMaterializer):
        assert issubclass(cls, BaseMaterializer)
    with pytest.raises(ImportError, match="no services"):
        exec("from dagwell.materializers import ServiceMaterializer")


def test_a_pydantic_model_is_stored_as_json_and_loads_as_its_class(store):
    """Before: stored with cloudpickle, with a warning that it only loads on this Python."""
    value = Nested(settings=Settings(lr=0.1), name="a")
    ref, warnings = store.put(value)
    assert (ref.materializer, warnings) == ("pydantic.json", [])
    loaded = store.get(ref)
    assert type(loaded) is Nested and loaded == value


class _Secret(BaseModel):
    token: SecretStr


class _Private(BaseModel):
    n: int
    _cache: int = PrivateAttr(default=0)


def test_a_pydantic_model_its_json_would_lose_stays_a_pickle(store):
    """JSON writes a SecretStr as stars and no private attribute: such a model is not
    stored as JSON, so it loads back whole."""
    secret = _Secret(token=SecretStr("s3cret"))
    private = _Private(n=1)
    private._cache = 5
    for value in (secret, private):
        ref, warnings = store.put(value)
        assert ref.materializer == "cloudpickle" and warnings
        assert store.get(ref) == value
    assert store.get(store.put(secret)[0]).token.get_secret_value() == "s3cret"


def test_a_uuid_is_stored_as_its_text(store):
    """Before: stored with cloudpickle and a warning (ZenML's UUIDMaterializer: text)."""
    value = uuid.uuid4()
    ref, warnings = store.put(value)
    assert (ref.materializer, warnings) == ("uuid", [])
    assert store.get(ref) == value


@pytest.mark.parametrize(
    ("materializer", "value", "stored_as"),
    [
        (PydanticMaterializer, Settings(lr=0.5), "pydantic.json"),
        (CloudpickleMaterializer, {"a": [1, 2]}, "json"),  # (no pickle where JSON does)
        (BuiltInMaterializer, 3, "json"),
        (BuiltInContainerMaterializer, (1, 2), "container.json"),
        (BytesMaterializer, b"raw", "bytes"),
        (UUIDMaterializer, uuid.UUID(int=7), "uuid"),
    ],
)
def test_a_named_zenml_builtin_stores_the_value_as_dagwell_does(
    store, materializer, value, stored_as
):
    ref, warnings = store.put(value, materializer)
    assert (ref.materializer, warnings) == (stored_as, [])
    assert store.get(ref) == value


class _Point:
    def __init__(self, x: int) -> None:
        self.x = x

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Point) and other.x == self.x

    __hash__ = None  # type: ignore[assignment]


class _PointMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (_Point,)

    def load(self, data_type: Any) -> _Point:
        with open(os.path.join(self.uri, "p.json")) as f:
            return data_type(json.load(f))  # type: ignore[no-any-return]

    def save(self, data: _Point) -> None:
        with open(os.path.join(self.uri, "p.json"), "w") as f:
            json.dump(data.x, f)


def test_a_zenml_builtin_registered_for_a_type_wins_over_its_materializer(store):
    """materializer_registry.register_and_overwrite_type(key=T, type_=CloudpickleMaterializer)
    gives T dagwell's own formats, over a materializer registered by ASSOCIATED_TYPES."""
    assert store.put(_Point(1))[0].materializer.startswith("user:")
    saved = dict(materializer_registry_types())
    try:
        materializer_registry.register_and_overwrite_type(key=_Point, type_=CloudpickleMaterializer)
        ref, _ = store.put(_Point(1))
        assert ref.materializer == "cloudpickle" and store.get(ref) == _Point(1)
    finally:
        materializer_registry_types().clear()
        materializer_registry_types().update(saved)


def materializer_registry_types() -> dict[type, Any]:
    from dagwell.artifact_store import custom

    return custom._BY_TYPE


class _SettingsMaterializer(PydanticMaterializer):
    """As zenml-projects write one: a subclass for their model, calling ZenML's."""

    ASSOCIATED_TYPES = (Settings,)

    def save(self, data: Settings) -> None:
        super().save(data)

    def load(self, data_type: type[Any]) -> Settings:
        loaded: Settings = super().load(data_type)
        return loaded


class _Box(BaseModel):
    items: list[int]


class _BoxMaterializer(BuiltInContainerMaterializer):
    ASSOCIATED_TYPES = (_Box,)

    def save(self, data: _Box) -> None:
        super().save(data.items)

    def load(self, data_type: type[Any]) -> _Box:
        return _Box(items=super().load(list))


def test_a_subclass_of_a_zenml_builtin_is_the_users_and_calls_it(store):
    """A subclass is picked for its types and its super() save and load work: the
    pydantic one writes ZenML's own file, the others dagwell's format for the value."""
    ref, _ = store.put(Settings(lr=0.2))
    assert ref.materializer.endswith(":_SettingsMaterializer")
    assert store.get(ref) == Settings(lr=0.2)
    ref, _ = store.put(_Box(items=[1, 2]))
    assert ref.materializer.endswith(":_BoxMaterializer")
    assert store.get(ref) == _Box(items=[1, 2])


def test_pydantic_materializer_writes_and_reads_zenmls_files(tmp_path):
    (tmp_path / "new").mkdir()
    PydanticMaterializer(str(tmp_path / "new")).save(Settings(lr=0.3))
    assert json.loads((tmp_path / "new" / "data_v2.json").read_text()) == {
        "lr": 0.3,
        "layers": [1, 2],
    }
    assert PydanticMaterializer(str(tmp_path / "new")).load(Settings) == Settings(lr=0.3)
    (tmp_path / "old").mkdir()  # ZenML <= 0.94.2 wrote the JSON as a JSON string
    (tmp_path / "old" / "data.json").write_text(json.dumps(Settings(lr=0.4).model_dump_json()))
    assert PydanticMaterializer(str(tmp_path / "old")).load(Settings) == Settings(lr=0.4)


class _Skipped(BaseMaterializer):
    """Not registered for its types, as ZenML's SKIP_REGISTRATION says; only named."""

    ASSOCIATED_TYPES = (_Point,)
    SKIP_REGISTRATION = True

    def load(self, data_type: Any) -> _Point:
        with open(os.path.join(self.uri, "skipped.json")) as f:
            return data_type(json.load(f) - 100)  # type: ignore[no-any-return]

    def save(self, data: _Point) -> None:
        with open(os.path.join(self.uri, "skipped.json"), "w") as f:
            json.dump(data.x + 100, f)


class _Label(str):
    pass


class _FromSkipped(_Skipped):
    """ZenML: SKIP_REGISTRATION is not inherited, so this one is registered."""

    ASSOCIATED_TYPES = (_Label,)

    def load(self, data_type: Any) -> _Label:
        with open(os.path.join(self.uri, "label.txt")) as f:
            return data_type(f.read())  # type: ignore[no-any-return]

    def save(self, data: _Label) -> None:
        with open(os.path.join(self.uri, "label.txt"), "w") as f:
            f.write(data)


def test_skip_registration_is_the_classs_own_and_a_skipped_one_may_be_named(store):
    """Before: a class that set SKIP_REGISTRATION could not be found to load what it wrote
    when named ("which this process has not defined"), and its subclasses inherited it,
    so they were never registered (ZenML resets it for subclasses)."""
    ref, _ = store.put(_Point(3), _Skipped)
    assert ref.materializer.endswith(":_Skipped") and store.get(ref) == _Point(3)
    assert store.put(_Point(3))[0].materializer.endswith(":_PointMaterializer")
    ref, _ = store.put(_Label("x"))
    assert ref.materializer.endswith(":_FromSkipped") and store.get(ref) == _Label("x")


class _Config(BaseModel):
    lr: float


class _TrainConfig(_Config):
    epochs: int


class _ConfigMaterializer(BaseMaterializer):
    """zenml-projects' shape: one materializer for a base class of models (there
    pydantic's BaseModel itself)."""

    ASSOCIATED_TYPES = (_Config,)

    def load(self, data_type: type[BaseModel]) -> BaseModel:
        with open(os.path.join(self.uri, "data.json")) as f:
            return data_type.model_validate(json.load(f))

    def save(self, data: BaseModel) -> None:
        with open(os.path.join(self.uri, "data.json"), "w") as f:
            json.dump(data.model_dump(), f)


@step
def _make_config() -> _TrainConfig:
    return _TrainConfig(lr=0.1, epochs=3)


@step
def _use_config(config: _TrainConfig) -> int:
    assert type(config) is _TrainConfig
    return config.epochs


@step(output_materializers={"model": PydanticMaterializer, "other": CloudpickleMaterializer})
def _named_builtins() -> tuple[Annotated[Nested, "model"], Annotated[dict[str, int], "other"]]:
    return Nested(settings=Settings(lr=0.7), name="n"), {"a": 1}


def test_a_materializer_for_a_base_class_loads_the_stored_models_own_class(home):
    """Before: load(data_type) got the materializer's ASSOCIATED_TYPES[0], here _Config
    (the next step got a _Config for its _TrainConfig); with BaseModel there, as
    zenml-projects write it: "Pydantic models should inherit from BaseModel, BaseModel
    cannot be instantiated directly"."""

    @pipeline(enable_cache=False)
    def config_pipeline() -> None:
        _use_config(_make_config())

    assert config_pipeline().steps["_use_config"].output.load() == 3


def test_a_step_names_zenmls_builtins_for_its_outputs(home):
    """Before: ZenMLNameMissing for PydanticMaterializer and CloudpickleMaterializer."""

    @pipeline(enable_cache=False)
    def named_pipeline() -> None:
        _named_builtins()

    outputs = named_pipeline().steps["_named_builtins"].outputs
    assert outputs["model"][0].load() == Nested(settings=Settings(lr=0.7), name="n")
    assert outputs["other"][0].load() == {"a": 1}
