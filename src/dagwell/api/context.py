"""ZenML's ``get_step_context()`` and ``get_pipeline_context()``.

Inside a step (and inside its hooks) ``get_step_context()`` answers what ZenML's
StepContext answers: ``.pipeline.name``, ``.pipeline_run`` (the run: ``.name``, ``.id``
at once, ``.status``, ``.steps`` and the rest from the run store),
``.step_run`` (``.name``, ``.id``, ``.config.parameters``), ``.model``, ``.inputs``, the
output URIs, and output metadata and tags, which are published with the outputs.
``get_pipeline_context()`` works while a pipeline function is being traced.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dagwell.api.tags import Tags, tag_names
from dagwell.core.context import StepInfo, current_step
from dagwell.core.errors import RunNotFound, StepContextError, StoreError
from dagwell.core.records import (
    ArtifactVersion,
    PipelineName,
    PipelineRun,
    StepRunInput,
    StepRunInputArtifactType,
    make_config,
)

if TYPE_CHECKING:
    from dagwell.api.client import Client
    from dagwell.api.model import Model
    from dagwell.api.step_run_view import StepRunView


@dataclass(frozen=True)
class _Named:
    name: str
    id: str


class _RunStore:
    """The run store as a step reaches it, opened on first use: the attempt's own
    environment names it (``DAGWELL_HOME``/``DAGWELL_STORE_URL``, inherited by local
    attempts). A step pod on Kubernetes has a home of its own, without the run in it."""

    def __init__(self, info: StepInfo) -> None:
        self._info = info
        self._client: Client | None = None

    def client(self, wanted: str) -> Client:
        if self._client is not None:
            return self._client
        from dagwell.api.client import Client
        from dagwell.core.home import resolve_home

        home = resolve_home()
        file = home.sqlite_file
        if file is not None and not file.exists():
            raise self._unreachable(wanted, f"there is no store at {file}")
        client = Client(artifact_store=self._info.artifact_store)
        try:
            client.store().resolve_run_id(self._info.run_id)
        except (RunNotFound, StoreError) as error:
            client.close()
            raise self._unreachable(wanted, str(error)) from error
        self._client = client
        return client

    def list_runs(self, **query: Any) -> list[PipelineRun]:
        """(What ``pipeline_run.pipeline.runs``/``.last_run`` read: see PipelineView.)"""
        runs: list[PipelineRun] = self.client("pipeline").list_runs(**query)
        return runs

    def _unreachable(self, wanted: str, why: str) -> StepContextError:
        return StepContextError(
            f"get_step_context().pipeline_run.{wanted} reads the run store, which step "
            f"{self._info.step_id!r} cannot reach ({why}; it looks for run "
            f"{self._info.run_id}). Step pods on Kubernetes see only the artifact store: "
            "give them the store with DAGWELL_STORE_URL (a PostgreSQL store they can "
            "reach) in settings={'kubernetes': {'env': {...}}}. Without it, pipeline_run "
            "answers .name, .id, .pipeline.name, .pipeline.id, .config and .run_metadata."
        )


class _RunView:
    """ZenML's ``get_step_context().pipeline_run`` (a PipelineRunResponse). ``.name``,
    ``.id``, ``.pipeline`` (``.name``, ``.id``), ``.config`` and ``.run_metadata`` come from
    what the attempt was handed; everything else a PipelineRun answers (``.status``,
    ``.steps``, ``.created``, ``.metadata``, ...) is the run as recorded, read from the run
    store on first use and kept for this view."""

    def __init__(self, info: StepInfo) -> None:
        self._info = info
        self._store = _RunStore(info)
        self._run: PipelineRun | None = None

    @property
    def name(self) -> str:
        return self._info.run_name

    @property
    def id(self) -> str:
        return self._info.run_id

    @property
    def pipeline(self) -> PipelineName:
        from dagwell.api.zenml_client import PipelineView

        name = PipelineName(self._info.pipeline)
        name.view = PipelineView(str(name), self._store)  # .runs, .last_run: the store
        return name

    @property
    def run_metadata(self) -> dict[str, Any]:
        from dagwell.artifact_store.registry import read_metadata

        return read_metadata(_store(self._info), "run", self.id)

    @property
    def config(self) -> RunConfig:
        context = self._info.context
        recorded = make_config(
            self._info.pipeline, context.get("run_params") or {}, context.get("run_config") or {}
        )
        return RunConfig(
            name=recorded.name,
            parameters=recorded.parameters,
            extra=dict(context.get("run_extra") or {}),
            enable_cache=recorded.enable_cache,
            settings=recorded.settings,
            substitutions=recorded.substitutions,
        )

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_"):
            raise AttributeError(attr)
        if self._run is None:
            # (inside its step, the Client waits for the ends of the step's upstream steps)
            self._run = self._store.client(attr).get_pipeline_run(self.id)
        return getattr(self._run, attr)

    def __repr__(self) -> str:
        return f"pipeline_run(name={self.name!r}, id={self.id!r})"


@dataclass(frozen=True)
class RunConfig:
    """ZenML's ``pipeline_run.config``: the pipeline's name, parameters, ``extra``, its
    configured ``enable_cache`` (None when not set), settings and substitutions."""

    name: str
    parameters: dict[str, Any]
    extra: dict[str, Any]
    enable_cache: bool | None
    settings: dict[str, Any]
    substitutions: dict[str, str]


def _store(info: StepInfo) -> Any:
    from dagwell.artifact_store.store import open_artifact_store

    return open_artifact_store(info.artifact_store)


class StepContext:
    """What a running step knows about itself (ZenML's StepContext)."""

    def __init__(self, info: StepInfo) -> None:
        self._info = info

    @property
    def pipeline(self) -> _Named:
        return _Named(self._info.pipeline, self._info.pipeline)

    @property
    def pipeline_run(self) -> _RunView:
        return _RunView(self._info)

    @property
    def step_run(self) -> StepRunView:
        """ZenML's StepRunResponse of the running step (see dagwell.api.step_run_view)."""
        from dagwell.api.step_run_view import StepRunView

        info = self._info
        params = {**info.params, **(info.context.get("shown_params") or {})}
        config = make_config(info.step_name, params, info.context.get("config") or {})
        return StepRunView(info.step_id, self.pipeline_run, config, lambda: self.inputs)

    @property
    def step_name(self) -> str:
        return self._info.step_id

    @property
    def pipeline_state(self) -> Any:
        """What the pipeline's ``on_init`` hook returned (None without one)."""
        return self._info.pipeline_state

    @property
    def model(self) -> Model:
        from dagwell.api.model import Model

        model = self._info.context.get("model")
        if not model:
            raise StepContextError(
                f"Step {self._info.step_name!r} has no model: set model=Model(name=...) on "
                "the step or its pipeline."
            )
        obj = Model(model["name"], version=model["version"], **(model.get("fields") or {}))
        obj._store = _store(self._info)
        return obj

    @property
    def model_version(self) -> Model | None:
        return self.model if self._info.context.get("model") else None

    @property
    def inputs(self) -> dict[str, list[StepRunInput]]:
        """ZenML's: the step's regular inputs (not what it loads itself), each the artifact
        version it is and how it came (``input_type``), as its recorded run shows them."""
        from dagwell.api.client import Client
        from dagwell.artifact_store.registry import input_artifact_name

        client = Client(artifact_store=self._info.artifact_store)
        loader = client._loader()
        context = self._info.context
        given = context.get("input_versions") or {}
        found = {}
        for name, ref in self._info.inputs.items():
            if name in given:  # an artifact version passed to the step, as it was then
                version = ArtifactVersion.from_doc(given[name]["doc"], loader)
                found[name] = [
                    StepRunInput.of(version, StepRunInputArtifactType(given[name]["type"]))
                ]
                continue
            known, doc = input_artifact_name(client.artifacts(), context, name, ref)
            if doc is not None and doc["version"] is None:  # unnamed: its number, once recorded
                derived = loader.published(*(context["input_sources"][name]))
                doc = derived if derived and derived["ref"]["digest"] == ref.digest else doc
            version = (
                ArtifactVersion(known, None, ref, ref.digest, _loader=loader)
                if doc is None
                else ArtifactVersion.from_doc(doc, loader)
            )
            kind = (
                StepRunInputArtifactType.STEP_OUTPUT
                if name in (context.get("input_sources") or {})
                else StepRunInputArtifactType.EXTERNAL
            )
            found[name] = [StepRunInput.of(version, kind)]
        return found

    def get_output_artifact_uri(self, output_name: str | None = None) -> str:
        """A location for this output's files under the artifact store (dagwell stores
        the returned value itself by content; files put here stay next to it)."""
        name = self._info.output_name(output_name, "get_output_artifact_uri")
        info = self._info
        return f"{info.artifact_store}/runs/{info.run_id}/{info.step_id}/{name}"

    def get_output_materializer(
        self,
        output_name: str | None = None,
        custom_materializer_class: type[Any] | None = None,
        data_type: type[Any] | None = None,
    ) -> Any:
        """ZenML's: a materializer for the output, initialized with its URI
        (:meth:`get_output_artifact_uri`): ``custom_materializer_class``, else the one
        the step configured for it, else the one its type (``data_type``, or the output's
        annotation) gets (see dagwell.artifact_store.output_materializer)."""
        from dagwell.artifact_store import custom, output_materializer

        name = self._info.output_name(output_name, "get_output_materializer")
        key = (self._info.context.get("materializers") or {}).get(name)
        cls = custom_materializer_class
        if cls is None:
            kind = data_type or self._info.output_classes.get(name)
            cls = custom.resolve(key) if key else output_materializer.for_type(kind)
        return cls(self.get_output_artifact_uri(name))

    def add_output_metadata(self, metadata: dict[str, Any], output_name: str | None = None) -> None:
        name = self._info.output_name(output_name, "add_output_metadata")
        self._info.output_metadata.setdefault(name, {}).update(metadata)

    def get_output_metadata(self, output_name: str | None = None) -> dict[str, Any]:
        name = self._info.output_name(output_name, "get_output_metadata")
        config = (self._info.context.get("artifacts") or {}).get(name) or {}
        return {**config.get("run_metadata", {}), **self._info.output_metadata.get(name, {})}

    def add_output_tags(self, tags: Tags, output_name: str | None = None) -> None:
        name = self._info.output_name(output_name, "add_output_tags")
        have = self._info.output_tags.setdefault(name, [])
        have.extend(t for t in tag_names(tags, "add_output_tags(tags=...)") if t not in have)

    def get_output_tags(self, output_name: str | None = None) -> list[str]:
        name = self._info.output_name(output_name, "get_output_tags")
        config = (self._info.context.get("artifacts") or {}).get(name) or {}
        return [*config.get("tags", []), *self._info.output_tags.get(name, [])]

    def remove_output_tags(self, tags: Tags, output_name: str | None = None) -> None:
        name = self._info.output_name(output_name, "remove_output_tags")
        gone = tag_names(tags, "remove_output_tags(tags=...)")
        self._info.output_tags[name] = [
            t for t in self._info.output_tags.get(name, []) if t not in gone
        ]


def get_step_context() -> StepContext:
    info = current_step()
    if info is None:
        raise RuntimeError("The step context is only available inside a step function.")
    return StepContext(info)


@dataclass(frozen=True)
class PipelineContext:
    """ZenML's PipelineContext: the configuration of the pipeline being traced."""

    name: str
    enable_cache: bool | None
    settings: dict[str, Any]
    extra: dict[str, Any]
    model: Model | None


_PIPELINE: ContextVar[PipelineContext | None] = ContextVar("dagwell_pipeline", default=None)


def get_pipeline_context() -> PipelineContext:
    context = _PIPELINE.get()
    if context is None:
        raise RuntimeError(
            "No active pipeline found. get_pipeline_context() only works inside a "
            "@pipeline function while it is being defined."
        )
    return context
