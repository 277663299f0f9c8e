"""The artifact versions a run shows: ZenML's ArtifactVersionResponse and its kin
(step inputs, lazily found versions, unmaterialized artifacts, a model's artifacts).

Split from :mod:`dagwell.core.records` so each read model has a module of its own size;
like the rest of the read models it does no I/O: loading goes through ``ArtifactLoader``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from dagwell.core.manifest import ArtifactRef
from dagwell.core.response_fields import ArtifactFields
from dagwell.core.source import Source, materializer_source, type_source
from dagwell.core.tag_colors import ColorVariants, color_of


class ArtifactLoader(Protocol):
    """What a StepRun needs to load an output (the artifact store's ``get``) and to read
    what is registered about it (metadata, named versions, the versions it saved)."""

    def get(self, ref: ArtifactRef) -> Any: ...

    def uri(self, ref: ArtifactRef) -> str: ...

    def metadata(self, kind: str, key: str) -> dict[str, Any]: ...

    def published(self, run_id: str, step_id: str, output: str) -> dict[str, Any] | None: ...

    def saved(self, run_id: str, step_id: str) -> list[dict[str, Any]]: ...

    def loaded(self, run_id: str, step_id: str) -> list[dict[str, Any]]: ...

    def run(self, run_id: str) -> Any: ...

    def download(self, ref: ArtifactRef, path: str, overwrite: bool) -> None: ...


@dataclass(frozen=True)
class Tag:
    """ZenML's TagResponse: ``.name``, ``.exclusive`` (on one run of each pipeline at a
    time), ``.id`` (the name: a tag is one by its name here) and ``.color``."""

    name: str
    exclusive: bool = False
    recorded_color: str | None = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.name

    @property
    def color(self) -> ColorVariants:
        """The color it was given, else its name's (see core.tag_colors)."""
        return color_of(self.name, self.recorded_color)

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Tag:
        """A tag as the run store reads it (``{"name", "exclusive", "color"}``)."""
        return cls(doc["name"], bool(doc["exclusive"]), doc.get("color"))


@dataclass(frozen=True)
class Artifact:
    """ZenML's ``artifact_version.artifact``: the artifact a version belongs to."""

    name: str


class ArtifactSaveType(StrEnum):
    """ZenML's ``artifact_version.save_type``: how a version came to be."""

    STEP_OUTPUT = "step_output"  # a step returned it
    MANUAL = "manual"  # save_artifact()
    PREEXISTING = "preexisting"  # register_artifact()
    EXTERNAL = "external"  # ZenML's ExternalArtifact upload (dagwell records none)


@dataclass(frozen=True)
class ArtifactVersion(ArtifactFields):
    """ZenML's ArtifactVersionResponse shape: ``.load()``, ``.name``, ``.version``, ``.uri``,
    ``.id``, ``.tags``, ``.run_metadata``; an input a pipeline can pass to a step."""

    name: str
    version: str | None
    ref: ArtifactRef
    id: str
    tags: list[Tag] = field(default_factory=list)
    run_metadata: dict[str, Any] = field(default_factory=dict)
    artifact_type: str = "DataArtifact"
    producer: dict[str, Any] = field(default_factory=dict)
    model: dict[str, Any] | None = None
    created: datetime | None = None
    save_type: ArtifactSaveType = ArtifactSaveType.STEP_OUTPUT
    _loader: ArtifactLoader | None = field(default=None, repr=False, compare=False)

    def load(self) -> Any:
        if self._loader is None:
            raise KeyError(f"Artifact {self.name!r} was read without an artifact store.")
        return self._loader.get(self.ref)

    def read(self) -> Any:
        return self.load()

    def get_hydrated_version(self) -> ArtifactVersion:
        """ZenML's: the response with all its fields, which this one already has."""
        return self

    def download_files(self, path: str, overwrite: bool = False) -> None:
        """ZenML's: the artifact's files, unloaded, as the zip file ``path``."""
        if self._loader is None:
            raise KeyError(f"Artifact {self.name!r} was read without an artifact store.")
        self._loader.download(self.ref, path, overwrite)

    @property
    def uri(self) -> str:
        return self._loader.uri(self.ref) if self._loader is not None else self.ref.digest

    @property
    def type(self) -> str:
        return self.artifact_type

    @property
    def artifact(self) -> Artifact:
        return Artifact(self.name)

    @property
    def data_type(self) -> Source:
        """ZenML's Source of the value's class (``.import_path``: ``"builtins.float"``);
        also the string of that path."""
        return type_source(self.ref.type_name)

    @property
    def producer_pipeline_run_id(self) -> str | None:
        """The run whose step produced it, None if it was saved outside a run."""
        return self.producer.get("run_id") or None

    @property
    def run(self) -> Any:
        """ZenML's ``artifact_version.run``: the pipeline run that produced it, None if it
        was saved outside a run."""
        run_id = self.producer_pipeline_run_id
        if run_id is None or self._loader is None:
            return None
        return self._loader.run(run_id)

    @property
    def step(self) -> Any:
        """ZenML's ``artifact_version.step``: the step run that produced it, None if it
        was saved outside a step."""
        run, step = self.run, self.producer.get("step")
        return None if run is None or not step else run.steps[step]

    @property
    def producer_step_run_id(self) -> str | None:
        """The step run that produced it (``<run id>/<step>``), None if saved outside one."""
        run, step = self.producer.get("run_id"), self.producer.get("step")
        return f"{run}/{step}" if run and step else None

    @property
    def materializer(self) -> Source:
        """ZenML's Source of the materializer that stored it: the user's class, or the
        ZenML materializer that writes what dagwell's format does (BuiltInMaterializer,
        PandasMaterializer, ...)."""
        return materializer_source(self.ref.materializer, self.ref.type_name)

    @classmethod
    def from_doc(cls, doc: dict[str, Any], loader: ArtifactLoader | None) -> ArtifactVersion:
        """From a registry document (see dagwell.artifact_store.registry)."""
        producer = dict(doc.get("producer", {}))
        return cls(
            name=doc["name"],
            version=doc["version"],
            ref=ArtifactRef.from_json(doc["ref"]),
            id=doc["id"],
            tags=[Tag(t) for t in doc.get("tags", [])],
            # ZenML's base metadata of every version: the bytes its files take (dagwell's
            # stored object's size), then its built-in materializer's; what was logged wins
            run_metadata={
                "storage_size": int(doc["ref"]["size"]),
                **doc["ref"].get("metadata", {}),
                **doc.get("run_metadata", {}),
            },
            artifact_type=doc.get("artifact_type", "DataArtifact"),
            producer=producer,
            model=doc.get("model"),
            created=to_datetime(doc.get("created")),
            # (a home from before save types were kept: a step's output names its output)
            save_type=ArtifactSaveType(
                doc.get("save_type") or ("step_output" if "output" in producer else "manual")
            ),
            _loader=loader,
        )

    def to_doc(self) -> dict[str, Any]:
        """The registry document :meth:`from_doc` reads (what a step run keeps of an
        artifact version it was given or loaded)."""
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "ref": self.ref.to_json(),
            "tags": [t.name for t in self.tags],
            "run_metadata": dict(self.run_metadata),
            "artifact_type": self.artifact_type,
            "producer": dict(self.producer),
            "model": self.model,
            "created": self.created.timestamp() if self.created is not None else None,
            "save_type": self.save_type.value,
        }


class StepRunInputArtifactType(StrEnum):
    """ZenML's kinds of step input (``zenml.enums.StepRunInputArtifactType``)."""

    STEP_OUTPUT = "step_output"  # an upstream step's output
    MANUAL = "manual"  # loaded in the step: load_artifact(), Client().get_artifact_version()
    EXTERNAL = "external"  # an artifact version passed to the step in the pipeline
    LAZY_LOADED = "lazy"  # Client().get_artifact_version(...) called in the pipeline
    OVERRIDE = "override"


@dataclass(frozen=True)
class StepRunInput(ArtifactVersion):
    """ZenML's StepRunInputResponse: an artifact version a step run took, and how
    (``.input_type``)."""

    input_type: StepRunInputArtifactType = StepRunInputArtifactType.STEP_OUTPUT

    @classmethod
    def of(cls, version: ArtifactVersion, input_type: StepRunInputArtifactType) -> StepRunInput:
        own = {f.name: getattr(version, f.name) for f in fields(ArtifactVersion)}
        return cls(**own, input_type=input_type)


@dataclass(frozen=True)
class ClientLazyVersion(ArtifactVersion):
    """An artifact version ``Client().get_artifact_version`` gave inside a pipeline function:
    passed to a step it is the step's lazily loaded input, as ZenML tells such inputs apart
    (dagwell finds the version when the pipeline is traced)."""


@dataclass(frozen=True)
class UnmaterializedArtifact(ArtifactVersion):
    """ZenML's UnmaterializedArtifact: a step input annotated with it is passed as the
    artifact itself (``.uri``, ``.load()`` when wanted), not loaded."""


@dataclass(frozen=True)
class LazyModelArtifact:
    """ZenML's LazyArtifactVersionResponse: what a Model's ``get_artifact`` (and its
    kinds) gives inside a pipeline function. Passed to a step, it is looked up when the
    step starts, by name in the model version (``model_version`` None: the run's own), so
    an artifact an earlier step of the same run produced is found, as in ZenML."""

    model: str
    model_version: str | None
    name: str
    version: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "model_version": self.model_version,
            "name": self.name,
            "version": self.version,
        }

    def load(self) -> Any:
        raise TypeError(
            f"The artifact {self.name!r} of model {self.model!r} is only looked up when a "
            "step starts (as in ZenML): pass it to a step and use the value there."
        )


def to_datetime(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)
