"""ZenML's StepRunResponse: a step of a recorded run, its attempts, inputs, outputs,
config and spec, built from store rows and the run's recorded plan (PlanSource: read once,
shared by the run's views and each of its steps).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from dagwell.core.artifact_views import (
    ArtifactLoader,
    ArtifactVersion,
    StepRunInput,
    StepRunInputArtifactType,
)
from dagwell.core.attempt_views import Attempt, ExceptionInfo, exception_info_of
from dagwell.core.manifest import ArtifactRef
from dagwell.core.output_config import output_configs
from dagwell.core.response_fields import StepFields
from dagwell.core.source import Source
from dagwell.core.statuses import StepStatus
from dagwell.core.step_config import StepConfig, make_config


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
        # the run's number among its pipeline's runs (ZenML's run.index; the Client's answer)
        self.find_index: Callable[[], int] | None = None
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
class StepRun(StepFields):
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
        run = self._loader.run(self.run_id)  # (a PipelineRun: dagwell.core.run_views)
        if run._plan.find_model is None:
            run._plan.find_model = self._plan.find_model
        step: StepRun = run.steps[self.name]
        return step

    @property
    def memory_limit(self) -> int | None:
        """The limit of the last attempt (the one that succeeded, if any did)."""
        return self.attempts[-1].memory_limit if self.attempts else None
