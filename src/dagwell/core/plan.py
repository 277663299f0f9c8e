"""The plan of a run: every step invocation, its inputs and settings, as plain data.

Tracing a pipeline function produces a Plan. The plan is stored with the run, so a run
can be resumed by another process (after the orchestrator died) without re-tracing, and it
is what runtimes turn into attempt specs. Python objects that are not JSON (a constant
DataFrame passed to a step) are materialized as artifacts before the plan is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from dagwell.core.errors import DefinitionError
from dagwell.core.manifest import ArtifactRef
from dagwell.core.names import MAX_RUN_NAME, check_name
from dagwell.core.retry import NO_RETRY, PlainRetryPolicy, RetryPolicy, retry_json

InputSource = Literal["output", "value", "artifact", "object", "model_artifact"]


@dataclass(frozen=True)
class Locator:
    """How a fresh process finds a step function: import ``module`` (or load ``file``)."""

    module: str
    qualname: str
    file: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"module": self.module, "qualname": self.qualname, "file": self.file}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Locator:
        return cls(str(data["module"]), str(data["qualname"]), data.get("file"))


@dataclass(frozen=True)
class InputSpec:
    """One argument of a step invocation.

    ``output``: an upstream step's output; ``value``: a JSON constant passed inline;
    ``artifact``: a constant already materialized; ``object``: a non-JSON constant still
    held in memory (only between tracing and the start of the run); ``model_artifact``: a
    model version's artifact looked up when the attempt starts (``value`` says which, see
    core.records.LazyModelArtifact).
    """

    source: InputSource
    step: str | None = None
    output: str | None = None
    value: Any = None
    artifact: ArtifactRef | None = None

    def to_json(self) -> dict[str, Any]:
        if self.source == "object":
            raise ValueError("an in-memory constant must be materialized before it is stored")
        data: dict[str, Any] = {"source": self.source}
        if self.source == "output":
            data.update(step=self.step, output=self.output)
        elif self.source in ("value", "model_artifact"):
            data["value"] = self.value
        else:
            assert self.artifact is not None
            data["artifact"] = self.artifact.to_json()
            if self.value is not None:  # a constant's parameter form (see shown_as_parameter)
                data["value"] = self.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InputSpec:
        source = data["source"]
        if source == "output":
            return cls("output", step=data["step"], output=data["output"])
        if source in ("value", "model_artifact"):
            return cls(source, value=data.get("value"))
        return cls(
            "artifact", artifact=ArtifactRef.from_json(data["artifact"]), value=data.get("value")
        )


def shown_as_parameter(value: Any) -> Any:
    """How a constant that is stored as an artifact is recorded among the parameters, as
    ZenML records it: a pydantic model as its ``model_dump(mode="json")``; None for other
    values (they are artifacts only)."""
    dump = getattr(value, "model_dump", None)
    if not callable(dump) or not hasattr(type(value), "model_fields"):
        return None
    try:
        shown = dump(mode="json")
        json.dumps(shown)
    except Exception:
        return None
    return shown


@dataclass(frozen=True)
class StepSpec:
    """One invocation of a step in a pipeline (``wait_3``), with everything to run it."""

    id: str
    name: str
    locator: Locator
    inputs: dict[str, InputSpec] = field(default_factory=dict)
    outputs: tuple[str, ...] = ("output",)
    after: tuple[str, ...] = ()
    memory: int | None = None
    cpu: float | None = None
    gpu: int | None = None
    retry: RetryPolicy = NO_RETRY  # the user's StepRetryConfig, or plain data
    timeout: float | None = None
    enable_cache: bool = True
    source_hash: str = ""
    pod: dict[str, Any] | None = None
    priority: int = 0  # higher is admitted first when memory is short
    # What the step's own code may ask for through get_step_context(): its model, its
    # outputs' ArtifactConfig (name, version, tags, metadata), custom materializers.
    context: dict[str, Any] | None = None
    # ZenML's step_run.config as configured: {"enable_cache": bool | None, "settings": {...}}
    # (JSON), read back by Client; the engine never looks at it.
    config: dict[str, Any] | None = None

    @property
    def upstream(self) -> tuple[str, ...]:
        ups = [i.step for i in self.inputs.values() if i.source == "output" and i.step]
        return tuple(dict.fromkeys([*ups, *self.after]))

    @property
    def params(self) -> dict[str, Any]:
        """The JSON constants this invocation was called with (recorded for display), with
        a pydantic model's fields (it is passed as an artifact, recorded as ZenML does)."""
        return {
            k: i.value
            for k, i in self.inputs.items()
            if i.source == "value" or (i.source == "artifact" and i.value is not None)
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "locator": self.locator.to_json(),
            "inputs": {k: v.to_json() for k, v in self.inputs.items()},
            "outputs": list(self.outputs),
            "after": list(self.after),
            "memory": self.memory,
            "cpu": self.cpu,
            "gpu": self.gpu,
            "retry": retry_json(self.retry),
            "timeout": self.timeout,
            "enable_cache": self.enable_cache,
            "source_hash": self.source_hash,
            "pod": self.pod,
            "priority": self.priority,
            "context": self.context,
            "config": self.config,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepSpec:
        return cls(
            id=data["id"],
            name=data["name"],
            locator=Locator.from_json(data["locator"]),
            inputs={k: InputSpec.from_json(v) for k, v in data["inputs"].items()},
            outputs=tuple(data["outputs"]),
            after=tuple(data["after"]),
            memory=data.get("memory"),
            cpu=data.get("cpu"),
            gpu=data.get("gpu"),
            retry=PlainRetryPolicy.from_json(data["retry"]),
            timeout=data.get("timeout"),
            enable_cache=bool(data.get("enable_cache", True)),
            source_hash=data.get("source_hash", ""),
            pod=data.get("pod"),
            config=data.get("config"),
            priority=int(data.get("priority") or 0),
            context=data.get("context"),
        )

    def with_inputs(self, inputs: dict[str, InputSpec]) -> StepSpec:
        return replace(self, inputs=inputs)


FailureMode = Literal["stop", "continue", "fail_fast"]


@dataclass
class Plan:
    pipeline: str
    steps: dict[str, StepSpec]
    params: dict[str, Any] = field(default_factory=dict)
    infra_retries: int = 2
    failure_mode: FailureMode = "stop"
    hook_timeout: float = 60.0  # seconds a hook call may run before it is abandoned
    run_name: str | None = None  # a template ("train_{date}") until the run is recorded
    substitutions: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)  # ZenML's run.config, as StepSpec's
    # ZenML's step_run.source_code/.docstring: {source_hash: {"source_code", "docstring"}},
    # once per step function (read back by Client; attempts never carry it)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline,
            "steps": [s.to_json() for s in self.steps.values()],
            "params": self.params,
            "infra_retries": self.infra_retries,
            "failure_mode": self.failure_mode,
            "hook_timeout": self.hook_timeout,
            "run_name": self.run_name,
            "substitutions": self.substitutions,
            "config": self.config,
            "step_sources": self.sources,
        }

    def named(self, run_id: str, now: datetime) -> Plan:
        """The plan with its run's final name: the template's ``{date}``, ``{time}`` and
        substitutions filled in (ZenML's rule), or ``<pipeline>-<date>-<time>-<id>`` (8 hex
        digits of the id: a name is refused if another run has it, so two runs started in
        the same second must not meet)."""
        if self.run_name is None:
            return replace(self, run_name=f"{self.pipeline}-{now:%Y%m%d-%H%M%S}-{run_id[:8]}")
        name = format_name(self.run_name, self.substitutions, now)
        return replace(self, run_name=check_name(name, "Run name", MAX_RUN_NAME))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        steps = [StepSpec.from_json(s) for s in data["steps"]]
        return cls(
            pipeline=data["pipeline"],
            steps={s.id: s for s in steps},
            params=dict(data.get("params", {})),
            infra_retries=int(data.get("infra_retries", 2)),
            failure_mode=data.get("failure_mode", "stop"),
            hook_timeout=float(data.get("hook_timeout", 60.0)),
            run_name=data.get("run_name"),
            substitutions=dict(data.get("substitutions") or {}),
            config=dict(data.get("config") or {}),
            sources=dict(data.get("step_sources") or {}),
        )


def run_substitutions(substitutions: dict[str, str], now: datetime) -> dict[str, str]:
    """A run's substitutions as ZenML records them (``run.config.substitutions``): ``date``
    (2026_12_01) and ``time`` (22_40_01_123456) of ``now``, unless ``substitutions`` set them."""
    return {"date": now.strftime("%Y_%m_%d"), "time": now.strftime("%H_%M_%S_%f"), **substitutions}


def format_name(template: str, substitutions: dict[str, str], now: datetime) -> str:
    """ZenML's name placeholders: ``{date}``, ``{time}`` (see :func:`run_substitutions`) and
    any ``substitutions``; an unknown placeholder is an error naming the known ones."""
    values = run_substitutions(substitutions, now)
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError) as error:
        raise DefinitionError(
            f"The name {template!r} uses placeholder {error}, which has no value; known: "
            f"{', '.join(sorted(values))}. Add it to substitutions={{...}}."
        ) from None
