"""The read models of a run: PipelineRun, StepRun and Attempt, as DESIGN.md names them.

They are plain frozen data built from store rows (see :mod:`dagwell.store.views`), so the
engine, the client, the CLI and the dashboard all read the same shapes. Nothing here
writes a status; loading an output goes through the small ``ArtifactLoader`` protocol so this
module stays free of I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import PurePath
from typing import Any, Protocol

from dagwell.core.errors import DagwellError
from dagwell.core.failures import Failure, FailureKind
from dagwell.core.manifest import ArtifactRef
from dagwell.core.memory import MemorySeries
from dagwell.core.output_config import OutputConfig, output_configs
from dagwell.core.source import Source, materializer_source, type_source
from dagwell.core.statuses import AttemptStatus, RunStatus, StepStatus


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
    time) and ``.id`` (the name: a tag is one by its name here)."""

    name: str
    exclusive: bool = False

    @property
    def id(self) -> str:
        return self.name


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
class ArtifactVersion:
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


class SettingsView(dict[str, Any]):
    """A recorded settings object read back: its fields as attributes and keys
    (``run.config.settings["resources"].memory``), ``model_dump()`` like ZenML's."""

    def __getattr__(self, name: str) -> Any:
        try:
            value = self[name]
        except KeyError:
            raise AttributeError(name) from None
        return SettingsView(value) if isinstance(value, dict) else value

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return dict(self)


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


@dataclass(frozen=True)
class StepConfig:
    """ZenML's ``step_run.config`` / ``pipeline_run.config``: the parameters, the
    configured ``enable_cache`` (None when not set, as in ZenML), the settings, the
    substitutions names were formatted with (``date`` and ``time`` among them), the
    ``extra=`` given and (a run's) the pipeline's ``tags``: a name as given, a Tag as a
    tag with its ``.name``."""

    name: str
    parameters: dict[str, Any]
    enable_cache: bool | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    substitutions: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    tags: list[Any] = field(default_factory=list)
    # (a step run's) each output's materializer and ArtifactConfig: dagwell.core.output_config
    outputs: dict[str, OutputConfig] = field(default_factory=dict)


class PlanSource:
    """The run's recorded plan, read once on first use (a run's or step's ``.config``)."""

    def __init__(
        self,
        reader: Callable[[], dict[str, Any]] | None = None,
        find_model: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self.reader = reader
        # turns a recorded model version ({"name", "number"}) into ZenML's response (the
        # Client's, which this layer cannot import)
        self.find_model = find_model
        # reads a run's tags from the run store (``{"name", "exclusive"}`` each)
        self.find_tags: Callable[[str], list[dict[str, Any]]] | None = None
        # the stack a run ran on, as ZenML's run.stack shows it (the Client's answer)
        self.find_stack: Callable[[], Any] | None = None
        self._plan: dict[str, Any] | None = None
        self.steps: dict[str, StepRun] = {}  # the run's steps read with it (for inputs)

    def plan(self) -> dict[str, Any]:
        if self._plan is None:
            if self.reader is None:
                return {}
            self._plan = self.reader()
        return self._plan

    def run_config(self) -> dict[str, Any]:
        return dict(self.plan().get("config") or {})

    def step_config(self, step_id: str) -> dict[str, Any]:
        return dict(self._step(step_id).get("config") or {})

    def model_version(self, ref: dict[str, Any] | None) -> Any:
        """ZenML's ``.model_version`` of a run or step: None without a model."""
        if not ref:
            return None
        if self.find_model is None:
            raise RuntimeError(
                "This run was not read through a Client, so its model version cannot be "
                f"looked up; use Client().get_model_version({ref['name']!r}, {ref['number']})."
            )
        return self.find_model(ref)

    def step_inputs(self, step_id: str) -> dict[str, Any]:
        return dict(self._step(step_id).get("inputs") or {})

    def step_context(self, step_id: str) -> dict[str, Any]:
        return dict(self._step(step_id).get("context") or {})

    def step_source(self, step_id: str) -> dict[str, Any]:
        """The step's recorded ``source_code`` and ``docstring`` (ZenML's step run fields),
        kept once per step function in the run's plan, by its source digest."""
        sources = self.plan().get("step_sources") or {}
        return dict(sources.get(self._step(step_id).get("source_hash") or "", {}))

    def _step(self, step_id: str) -> dict[str, Any]:
        for spec in self.plan().get("steps", []):
            if spec.get("id") == step_id:
                return dict(spec)
        return {}


def make_config(name: str, params: dict[str, Any], recorded: dict[str, Any]) -> StepConfig:
    """A StepConfig from the parameters and a recorded config (see core.plan StepSpec)."""
    settings = {
        k: SettingsView(v) if isinstance(v, dict) else v
        for k, v in (recorded.get("settings") or {}).items()
    }
    substitutions = dict(recorded.get("substitutions") or {})
    extra = dict(recorded.get("extra") or {})
    tags = [
        t["name"] if t.get("exclusive") is None else Tag(t["name"], bool(t["exclusive"]))
        for t in recorded.get("tags") or []
    ]
    return StepConfig(
        name, dict(params), recorded.get("enable_cache"), settings, substitutions, extra, tags
    )


def to_datetime(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)


@dataclass(frozen=True)
class Attempt:
    number: int
    status: AttemptStatus
    failure: Failure | None
    memory_limit: int | None
    memory_request: int | None
    peak_memory: int | None
    started_at: datetime | None
    ended_at: datetime | None
    exit_code: int | None = None
    signal: int | None = None
    budget: str | None = None  # which budget its retry drew on: "step" or "infra"
    backoff: float | None = None  # seconds before the next attempt
    node: str | None = None
    external_id: str | None = None
    memory: MemorySeries | None = None  # memory over time, when the runtime sampled it

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class ExceptionInfo:
    """ZenML's ``step_run.exception_info``: what the failed step raised. ``source`` is its
    class's import path (``builtins.ValueError``; a class of the script run is named after
    the script's file, ``train.MyError``, as ZenML names its module), ``message`` its
    ``str()`` (None when empty), ``traceback`` the traceback from the step function's frame
    on, ``user_code_line`` the line of that frame counted from the first line of the
    function's source (its decorator), as ZenML counts."""

    traceback: str
    source: str | None = None
    message: str | None = None
    user_code_line: int | None = None


_FRAME = re.compile(r'^\s*File "(?P<file>[^"]*)", line (?P<line>\d+), in (?P<func>\S+)')


def exception_info_of(failure: Failure, source: dict[str, Any]) -> ExceptionInfo:
    """ZenML's ExceptionInfo of a step's failure (see :class:`ExceptionInfo`); ``source`` is
    the step function's recorded source (``first_line``, ``function``), when known."""
    import builtins

    kind = failure.reason or ""
    text = failure.traceback or failure.message
    if failure.kind is not FailureKind.USER_ERROR or not failure.traceback:
        return ExceptionInfo(text, None, failure.message)
    found = getattr(builtins, kind, None)
    origin = f"builtins.{kind}" if isinstance(found, type) else (kind or None)
    message = None
    tail = text.rstrip().splitlines()
    for index in range(len(tail) - 1, -1, -1):  # the exception's own line: "Type: message"
        named, sep, said = tail[index].partition(": ")
        if named == kind or named.endswith(f".{kind}"):
            if "." in named and origin is not None and "." not in origin:
                origin = named  # (Python prints its class's module unless __main__)
            message = "\n".join([said, *tail[index + 1 :]]).strip() if sep else None
            break
    script = source.get("script")
    if origin is not None and "." not in origin and script:
        # a class of the script run (Python names no module for __main__): ZenML names the
        # script's module, as the file's name gives it
        origin = f"{PurePath(script).stem}.{origin}"
    line = None
    start, function = source.get("first_line"), source.get("function")
    lines = text.splitlines(keepends=True)
    length = (source.get("source_code") or "").count("\n")
    for index, entry in enumerate(lines):
        frame = _FRAME.match(entry)
        if frame is None or start is None or frame["func"] != function:
            continue
        number = int(frame["line"])
        if start <= number <= start + length:
            line = number - int(start)
            text = "".join(lines[index:])  # (from the step's frame on, as ZenML cuts it)
            break
    return ExceptionInfo(text, origin, message or None, line)


@dataclass(frozen=True)
class InputSpec:
    """ZenML's ``InputSpec``: the step (invocation id) and output an input comes from."""

    step_name: str
    output_name: str
    chunk_index: int | None = None
    chunk_size: int | None = None


@dataclass(frozen=True)
class StepSpecView:
    """ZenML's ``step_run.spec``: ``.source``, the Source of the step's function as the run
    recorded it (its module from the project's source root: ``pipelines.daily.load``),
    ``.upstream_steps``, the invocation ids of the steps it came after, and ``.inputs``,
    each input given an upstream step's output (a list of them for a list of outputs
    passed as one input; parameters and external artifacts are not inputs here)."""

    source: Source
    upstream_steps: list[str]
    inputs: dict[str, InputSpec | list[InputSpec]] = field(default_factory=dict)


def _input_specs(recorded: dict[str, Any]) -> dict[str, InputSpec | list[InputSpec]]:
    """The plan's inputs of a step (``name`` or ``name[i]`` for a list's items) that are
    upstream outputs, as ZenML's StepSpec.inputs gives them."""
    found: dict[str, InputSpec | list[InputSpec]] = {}
    for name, item in recorded.items():
        if item.get("source") != "output":
            continue
        spec = InputSpec(str(item["step"]), str(item["output"]))
        base, listed = name.split("[", 1)[0], "[" in name
        if not listed:
            found[name] = spec
        else:
            held = found.setdefault(base, [])
            assert isinstance(held, list)
            held.append(spec)
    return found


@dataclass(frozen=True)
class StepRun:
    name: str  # the invocation id: wait, wait_2, ...
    step_name: str  # the step function's name
    status: StepStatus
    attempts: list[Attempt]
    started_at: datetime | None
    ended_at: datetime | None
    note: str | None
    cached_from: str | None
    upstream: list[str]
    params: dict[str, Any]
    output_refs: dict[str, ArtifactRef]
    run_id: str = ""
    pipeline_name: str = ""
    # the step of ``cached_from`` whose outputs it reused (None: recorded before dagwell
    # kept it, or not cached); its invocation id there need not be this step's
    cached_step: str | None = None
    # ZenML's step_run.cache_key: what finds its outputs again (a cache hit records the key
    # it was found by); None until the step is ready to run, or with a lazily found input
    cache_key: str | None = None
    _loader: ArtifactLoader | None = field(default=None, repr=False, compare=False)
    _plan: PlanSource = field(default_factory=PlanSource, repr=False, compare=False)

    @property
    def id(self) -> str:
        return f"{self.run_id}/{self.name}"

    @property
    def stack(self) -> Any:
        """ZenML's ``run.stack``: dagwell's one stack, its artifact store (named
        ``default``, as ZenML's local stack); None for a run read without a Client."""
        found = self._plan.find_stack
        return None if found is None else found()

    @property
    def start_time(self) -> datetime | None:  # (ZenML's names)
        return self.started_at

    @property
    def end_time(self) -> datetime | None:
        return self.ended_at

    @property
    def pipeline_run_id(self) -> str:
        return self.run_id

    @property
    def original_step_run_id(self) -> str | None:
        """For a cached step, the step run whose outputs it reused (ZenML's name)."""
        return f"{self.cached_from}/{self._producer_step}" if self.cached_from else None

    @property
    def _producer_step(self) -> str:
        """The step that made this step's outputs: its own id, or its original's."""
        return (self.cached_step or self.name) if self.cached_from else self.name

    @property
    def regular_inputs(self) -> dict[str, list[StepRunInput]]:
        """ZenML's ``regular_inputs``: the inputs the step was given, not those it loaded
        itself (``load_artifact``, ``Client().get_artifact_version``)."""
        found: dict[str, list[StepRunInput]] = {}
        for name, versions in self.inputs.items():
            given = [v for v in versions if v.input_type is not StepRunInputArtifactType.MANUAL]
            if given:
                found[name] = given
        return found

    @property
    def inputs(self) -> dict[str, list[StepRunInput]]:
        """ZenML's shape: input name -> the artifact versions it was given (a list of step
        outputs passed as one argument gives several), each with its ``input_type``; and,
        under its artifact's name, each version the step loaded itself (``load_artifact``,
        ``Client().get_artifact_version``; ZenML's manual inputs). Parameters are not
        inputs, nor are pydantic-model constants (stored as artifacts, shown among the
        parameters)."""
        found: dict[str, list[StepRunInput]] = {}
        given = self._plan.step_context(self.name).get("input_versions") or {}
        for name, item in self._plan.step_inputs(self.name).items():
            base = name.split("[", 1)[0]  # (items of a list input: name[0], name[1], ...)
            if item.get("source") == "output" and item.get("step") in self._plan.steps:
                upstream = self._plan.steps[item["step"]]
                if item.get("output") in upstream.output_refs:
                    version = upstream._artifact(item["output"])
                    kind = StepRunInputArtifactType.STEP_OUTPUT
                    found.setdefault(base, []).append(StepRunInput.of(version, kind))
            elif item.get("source") == "artifact" and item.get("value") is None:
                recorded = given.get(name)
                if recorded is not None:  # the artifact version passed in, as it was then
                    version = ArtifactVersion.from_doc(recorded["doc"], self._loader)
                    kind = StepRunInputArtifactType(recorded["type"])
                else:  # (a run recorded before dagwell kept which version it was)
                    ref = ArtifactRef.from_json(item["artifact"])
                    version = ArtifactVersion(name, None, ref, ref.digest, _loader=self._loader)
                    kind = StepRunInputArtifactType.EXTERNAL
                found.setdefault(base, []).append(StepRunInput.of(version, kind))
        if self._loader is not None and self.run_id:
            for doc in self._loader.loaded(self.run_id, self.name):
                version = ArtifactVersion.from_doc(doc, self._loader)
                manual = StepRunInput.of(version, StepRunInputArtifactType.MANUAL)
                found.setdefault(version.name, []).append(manual)
        return found

    @property
    def input(self) -> ArtifactVersion:
        """The only input artifact (ZenML's ``step.input``)."""
        inputs = self.inputs
        if len(inputs) != 1 or len(next(iter(inputs.values()))) != 1:
            raise ValueError(
                f"Step {self.name!r} has {'no inputs' if not inputs else 'several inputs'}, "
                "so step.input is ambiguous; use step.inputs[name][0]."
            )
        return next(iter(inputs.values()))[0]

    @property
    def config(self) -> StepConfig:
        recorded = self._plan._step(self.name)
        outputs = recorded.get("outputs") or list(self.output_refs)
        context = recorded.get("context") or {}
        return replace(
            make_config(self.step_name, self.params, self._plan.step_config(self.name)),
            outputs=output_configs(list(outputs), self.output_refs, context),
        )

    @property
    def source_code(self) -> str | None:
        """ZenML's: the step function's source as the run recorded it (decorator included),
        None for a run recorded before dagwell kept it."""
        found: str | None = self._plan.step_source(self.name).get("source_code")
        return found

    @property
    def docstring(self) -> str | None:
        """ZenML's: the step function's docstring as the run recorded it (None without one)."""
        found: str | None = self._plan.step_source(self.name).get("docstring")
        return found

    @property
    def exception_info(self) -> ExceptionInfo | None:
        """ZenML's: what the failed step raised (its last attempt's failure), None for a
        step that did not fail."""
        if self.status is not StepStatus.FAILED or not self.attempts:
            return None
        failure = self.attempts[-1].failure
        if failure is None:
            return None
        source = self._plan.step_source(self.name)
        locator = self._plan._step(self.name).get("locator") or {}
        if locator.get("module") == "__main__" and locator.get("file"):
            source["script"] = locator["file"]
        return exception_info_of(failure, source)

    @property
    def spec(self) -> StepSpecView:
        recorded = self._plan.step_source(self.name).get("import_path")
        if not recorded:  # (a run recorded before dagwell kept it: where workers find it)
            locator = self._plan._step(self.name).get("locator") or {}
            recorded = ".".join(p for p in (locator.get("module"), locator.get("qualname")) if p)
        return StepSpecView(
            Source.from_import_path(recorded or self.step_name),
            list(self.upstream),
            _input_specs(self._plan.step_inputs(self.name)),
        )

    @property
    def parent_step_ids(self) -> list[str]:
        """ZenML's: the ids of the step runs of this run this one came after (its inputs'
        and its ``after=`` steps)."""
        return [f"{self.run_id}/{step}" for step in self.upstream]

    @property
    def model_version(self) -> Any:
        """ZenML's ``step_run.model_version``: the version of the step's own ``model=``,
        None without one (a step that only has the pipeline's answers None, as in ZenML;
        its ``get_step_context().model`` is the pipeline's all the same)."""
        return self._plan.model_version(self._plan.step_config(self.name).get("model"))

    @property
    def run_metadata(self) -> dict[str, Any]:
        if self._loader is None:
            return {}
        return self._loader.metadata("step", self.id)

    @property
    def outputs(self) -> dict[str, list[ArtifactVersion]]:
        """ZenML's shape: output name -> artifact versions (``.outputs["x"][0].load()``):
        the step's returned outputs, and under its name each artifact version the step
        saved with ``save_artifact``/``register_artifact`` (ZenML's manual outputs). An
        output named by a template (``Annotated[str, "data_{date}"]``) is listed under the
        name it was given, as in ZenML."""
        found = {key: [version] for key, version in self.regular_outputs.items()}
        for version in self._saved():
            found.setdefault(version.name, []).append(version)
        return found

    @property
    def regular_outputs(self) -> dict[str, ArtifactVersion]:
        """ZenML's ``regular_outputs``: the outputs the step returned, none it saved."""
        found: dict[str, ArtifactVersion] = {}
        for name in self.output_refs:
            version = self._artifact(name)
            found[version.name if "{" in name else name] = version
        return found

    @property
    def output(self) -> ArtifactVersion:
        """The only output as an artifact version: ``step.output.load()`` (one the step
        saved counts, as in ZenML)."""
        outputs = self.outputs
        if not outputs:
            raise KeyError(f"Step {self.name!r} has no stored outputs (status {self.status}).")
        if len(outputs) != 1 or len(next(iter(outputs.values()))) != 1:
            raise ValueError(
                f"Step {self.name!r} has outputs {', '.join(outputs)}; use "
                "step.outputs[name][0] for one of them."
            )
        return next(iter(outputs.values()))[0]

    def _saved(self) -> list[ArtifactVersion]:
        """The versions the step saved (those of the run it was cached from, on a hit)."""
        if self._loader is None:
            return []
        docs = self._loader.saved(self.cached_from or self.run_id, self._producer_step)
        return [ArtifactVersion.from_doc(doc, self._loader) for doc in docs]

    def _artifact(self, output: str) -> ArtifactVersion:
        ref = self.output_refs[output]
        producer, step = self.cached_from or self.run_id, self._producer_step
        doc = self._loader.published(producer, step, output) if self._loader else None
        if doc is not None:
            return ArtifactVersion.from_doc(doc, self._loader)
        return ArtifactVersion(
            name=f"{self.pipeline_name}::{self.name}::{output}",
            version=None,
            ref=ref,
            id=ref.digest,
            producer={"run_id": producer, "step": step, "output": output},
            _loader=self._loader,
        )

    @property
    def duration(self) -> timedelta | None:
        """ZenML's: from its start to its end (None while either is unknown)."""
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at

    def get_hydrated_version(self) -> StepRun:
        """ZenML's: the step run read again from the store (as it is now), or itself when
        it was read without one."""
        if self._loader is None or not self.run_id:
            return self
        run: PipelineRun = self._loader.run(self.run_id)
        if run._plan.find_model is None:
            run._plan.find_model = self._plan.find_model
        return run.steps[self.name]

    @property
    def memory_limit(self) -> int | None:
        """The limit of the last attempt (the one that succeeded, if any did)."""
        return self.attempts[-1].memory_limit if self.attempts else None


class PipelineName(str):
    """The run's pipeline: a string that also answers ZenML's ``run.pipeline.name`` and
    ``.id`` and, for a run read through a Client, ZenML's PipelineResponse attributes
    (``.runs``, ``.get_runs()``, ``.num_runs``, ``.last_run``, ...) from the view the Client
    attaches."""

    view: Any = None  # set by the Client that read the run (dagwell.api.zenml_client)

    @property
    def name(self) -> str:
        return str(self)

    @property
    def id(self) -> str:
        """ZenML's ``run.pipeline.id``: a pipeline is known by its name here."""
        return str(self)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (PipelineName, (str(self),))  # the Client's view stays in this process

    def __getattr__(self, attr: str) -> Any:
        if not attr.startswith("_") and self.view is not None and hasattr(self.view, attr):
            return getattr(self.view, attr)
        raise AttributeError(
            f"run.pipeline has no {attr!r}"
            + ("" if self.view is not None else " (read the run through Client() for .runs)")
        )


@dataclass(frozen=True)
class RunTotals:
    """Counts over all of a run's steps and attempts: what a one-line summary needs, also
    when only a page of the steps was read (``runs show`` of a 100,000-step run)."""

    steps: int
    step_counts: dict[str, int]
    oom_kills: int
    oom_survivors: int  # completed steps that had an OOM-killed attempt
    retries: int

    @classmethod
    def of(cls, steps: dict[str, StepRun]) -> RunTotals:
        counts: dict[str, int] = {}
        ooms = survivors = retries = 0
        for s in steps.values():
            counts[s.status.value] = counts.get(s.status.value, 0) + 1
            killed = sum(
                1 for a in s.attempts if a.failure and a.failure.kind is FailureKind.OOM_KILLED
            )
            ooms += killed
            survivors += bool(killed and s.status is StepStatus.COMPLETED)
            retries += max(0, len(s.attempts) - 1)
        return cls(len(steps), counts, ooms, survivors, retries)


@dataclass(frozen=True)
class RunResponseMetadata:
    """ZenML's ``run.metadata`` (PipelineRunResponseMetadata): an object, not a dict, with
    the run's ``run_metadata``, ``config``, ``start_time`` and ``end_time``."""

    run_metadata: dict[str, Any]
    config: StepConfig
    start_time: datetime | None
    end_time: datetime | None


@dataclass(frozen=True)
class PipelineRun:
    id: str
    name: str
    pipeline: str
    status: RunStatus
    status_rule: str | None
    steps: dict[str, StepRun]
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    heartbeat_at: datetime | None
    params: dict[str, Any]
    orchestrator: dict[str, Any]
    orphaned: bool
    stop_requested: bool
    # Set when ``steps`` holds only a page (or none) of the run's steps: the whole run's counts.
    totals: RunTotals | None = None
    steps_offset: int = 0  # the position of the first step in ``steps``
    _loader: ArtifactLoader | None = field(default=None, repr=False, compare=False)
    _plan: PlanSource = field(default_factory=PlanSource, repr=False, compare=False)

    @property
    def run_metadata(self) -> dict[str, Any]:
        return {} if self._loader is None else self._loader.metadata("run", self.id)

    @property
    def tags(self) -> list[Tag]:
        """ZenML's ``run.tags``: its pipeline's, and those added to it since, as recorded
        now (read anew each time; none for a run read without a store)."""
        found = self._plan.find_tags
        return [] if found is None else [Tag(t["name"], t["exclusive"]) for t in found(self.id)]

    @property
    def stack(self) -> Any:
        """ZenML's ``run.stack``: dagwell's one stack, its artifact store (named
        ``default``, as ZenML's local stack); None for a run read without a Client."""
        found = self._plan.find_stack
        return None if found is None else found()

    @property
    def start_time(self) -> datetime | None:  # (ZenML's names)
        return self.started_at

    @property
    def end_time(self) -> datetime | None:
        return self.ended_at

    @property
    def created(self) -> datetime:
        return self.created_at

    @property
    def config(self) -> StepConfig:
        return make_config(self.pipeline, self.params, self._plan.run_config())

    @property
    def artifact_versions(self) -> list[ArtifactVersion]:
        """ZenML's ``run.artifact_versions``: every output of the run's steps, the ones
        cached steps reused included (see :attr:`produced_artifact_versions`)."""
        return [v for s in self.steps.values() for vs in s.outputs.values() for v in vs]

    @property
    def produced_artifact_versions(self) -> list[ArtifactVersion]:
        """The outputs this run made itself: those of its steps that were not cached."""
        return [
            v
            for s in self.steps.values()
            if s.cached_from is None
            for vs in s.outputs.values()
            for v in vs
        ]

    @property
    def model_version(self) -> Any:
        """ZenML's ``run.model_version``: the pipeline's model version, None without one."""
        return self._plan.model_version(self._plan.run_config().get("model"))

    @property
    def metadata(self) -> RunResponseMetadata:
        return RunResponseMetadata(self.run_metadata, self.config, self.started_at, self.ended_at)

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.ended_at or datetime.now(tz=UTC)
        return (end - self.started_at).total_seconds()

    @property
    def exception_info(self) -> ExceptionInfo | None:
        """ZenML's run-level exception (its orchestrator's): None, as for a run whose steps
        failed; each failed step has its own ``exception_info``."""
        return None

    def get_hydrated_version(self) -> PipelineRun:
        """ZenML's: the run read again from the store (its status and steps as they are
        now, as ZenML's refreshed response), or itself when it was read without one."""
        if self._loader is None:
            return self
        run: PipelineRun = self._loader.run(self.id)
        if isinstance(self.pipeline, PipelineName) and isinstance(run.pipeline, PipelineName):
            run.pipeline.view = self.pipeline.view  # (what the Client that read it attached)
        if run._plan.find_model is None:
            run._plan.find_model = self._plan.find_model
        return run

    @property
    def display_status(self) -> str:
        return "orphaned" if self.orphaned else self.status.value

    def all_totals(self) -> RunTotals:
        """The whole run's counts, whether ``steps`` is whole or a page."""
        return self.totals if self.totals is not None else RunTotals.of(self.steps)

    def summary(self) -> str:
        """One line: "completed: 10 steps, 7 OOM kills survived, 7 retries"."""
        totals = self.all_totals()
        parts = [f"{totals.steps} steps"]
        if self.status is not RunStatus.COMPLETED:
            parts.append(", ".join(f"{n} {k}" for k, n in totals.step_counts.items()))
        if totals.oom_kills:
            survived = totals.oom_survivors
            parts.append(
                f"{totals.oom_kills} OOM kills"
                + (f" ({survived} steps survived them)" if survived else "")
            )
        parts.append(f"{totals.retries} retries")
        return f"{self.display_status}: " + ", ".join(parts)


class RunFailedError(DagwellError, RuntimeError):
    """A pipeline run ended failed or cancelled. ``.run`` holds the recorded run. A
    ``RuntimeError`` too, as ZenML's local orchestrator raises for a failed run, so ZenML
    code's ``except RuntimeError`` around a pipeline call still catches it."""

    def __init__(self, message: str, run: PipelineRun) -> None:
        super().__init__(message)
        self.run = run

    @classmethod
    def of(cls, message: str, run: PipelineRun) -> RunFailedError:
        """The error for ``run``. Under ZenML's FAIL_FAST its local orchestrator raises the
        failed step's own exception, so ``except ValueError`` (or ``except MyError``)
        around the call catches it; that exception stayed in the attempt's process, so the
        error is also of its class: a built-in, or a class of a module this process has
        imported already (the pipeline's script, the user's package: nothing is imported
        for it). Otherwise it stays a RunFailedError only, still a RuntimeError."""
        kind = (
            _step_error_class(run) if run._plan.plan().get("failure_mode") == "fail_fast" else None
        )
        if kind is None:
            return cls(message, run)
        try:
            both = type(cls.__name__, (cls, kind), {"__str__": Exception.__str__})
            error: RunFailedError = both(message, run)
        except Exception:  # (a class whose layout cannot be combined, that cannot be made
            return cls(message, run)  # from a message alone, whose __init_subclass__ raises)
        return error


def _step_error_class(run: PipelineRun) -> type[Exception] | None:
    """The class of the exception the run's first failed step raised: a built-in, or one
    its traceback names in a module already imported here."""
    import builtins

    failed = [s for s in run.steps.values() if s.status is StepStatus.FAILED and s.attempts]
    failed.sort(key=lambda s: s.ended_at or datetime.max.replace(tzinfo=UTC))
    for step in failed[:1]:
        failure = step.attempts[-1].failure
        if failure is None or failure.kind is not FailureKind.USER_ERROR:
            return None
        found = getattr(builtins, failure.reason or "", None)
        if found is None and failure.reason and failure.traceback:
            found = _imported_class(failure.reason, failure.traceback)
        if isinstance(found, type) and issubclass(found, Exception):
            return None if issubclass(RunFailedError, found) else found
    return None


def _imported_class(name: str, traceback: str) -> Any:
    """The class named ``name`` that ``traceback`` raised, looked up in the modules already
    imported (``sys.modules``; importing one could run anything). Python heads the raised
    exception with its qualified name (``pkg.mod.Outer.MyError: ...``, a bare ``MyError``
    for ``__main__``); the last such header that names a class here is taken."""
    import sys

    headers = re.findall(rf"^((?:[\w]+\.)*{re.escape(name)})(?::|$)", traceback, re.MULTILINE)
    for header in reversed(headers):  # (a line of a message may look like one: go on)
        parts = header.split(".")
        for cut in range(len(parts) - 1, -1, -1):
            module = sys.modules.get(".".join(parts[:cut]) if cut else "__main__")
            found: Any = module
            for attribute in parts[cut:]:
                found = getattr(found, attribute, None)
            if module is not None and isinstance(found, type) and found.__name__ == name:
                return found
    return None
