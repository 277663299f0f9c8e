"""What the store is told for each scheduler change, and what an attempt is handed.

The engine loop decides *when* to write and what else a change sets off (progress lines,
alerts, hooks); these functions only translate: a scheduler change and the evidence of
its attempt into the rows to write, and a step of the plan with its resolved inputs into
the :class:`AttemptSpec` a runtime launches. They read no clock and touch no store, so each
is a plain function of its arguments.
"""

from __future__ import annotations

from typing import Any

from dagwell.core.manifest import ArtifactRef
from dagwell.core.plan import Plan, StepSpec
from dagwell.core.scheduler import AttemptEnded, AttemptStarted, StepChange
from dagwell.core.statuses import TERMINAL_STEP_STATUSES, StepStatus
from dagwell.runtimes.base import AttemptExited, AttemptSpec
from dagwell.store import AttemptWrite, PutCache, RecordArtifacts, UpdateStep

Inputs = tuple[dict[str, ArtifactRef], dict[str, Any]]


def attempt_started(
    run_id: str, change: AttemptStarted, now: float, external_id: str | None
) -> AttemptWrite:
    return AttemptWrite(
        run_id,
        change.step_id,
        change.attempt,
        {
            "status": "running",
            "memory_limit": change.memory_limit,
            "memory_request": change.request,
            "started_at": now,
            "external_id": external_id,
        },
        mode="insert",
    )


def attempt_ended(
    run_id: str, change: AttemptEnded, ev: AttemptExited | None, now: float
) -> AttemptWrite:
    """The attempt's end: its status, the runtime's evidence, and why it failed."""
    failure = change.failure
    values: dict[str, Any] = {
        "status": change.status.value,
        "budget": change.budget,
        "backoff": change.backoff,
        "ended_at": ev.ended_at if ev and ev.ended_at else now,
    }
    if ev is not None:
        values.update(
            exit_code=ev.exit_code, signal=ev.signal, peak_memory=ev.peak_memory, node=ev.node
        )
        if ev.external_id is not None:
            values["external_id"] = ev.external_id
        if ev.memory is not None:
            values["memory_samples"] = ev.memory
        if ev.started_at:
            values["started_at"] = ev.started_at
        if ev.memory_limit is not None:  # (a limit the cluster set: a LimitRange default)
            values["memory_limit"] = ev.memory_limit
    if failure is not None:
        values.update(
            failure_kind=failure.kind.value,
            failure_message=failure.message,
            reason=failure.reason,
            traceback=failure.traceback,
            oom_scope=failure.oom_scope.value if failure.oom_scope else None,
        )
        if failure.exit_code is not None:
            values["exit_code"] = failure.exit_code
        if failure.signal is not None:
            values["signal"] = failure.signal
    return AttemptWrite(run_id, change.step_id, change.attempt, values)


def step_changed(
    run_id: str,
    change: StepChange,
    now: float,
    outputs: dict[str, ArtifactRef] | None,
    cache_key: str | None,
) -> list[UpdateStep | RecordArtifacts | PutCache]:
    """The step's new status; for a completed step also its artifacts and cache entry
    (``outputs`` are its outputs then)."""
    new = change.new
    values: dict[str, Any] = {"status": new.value, "note": change.note or None}
    at = change.at or now
    # (a cache hit starts and ends at once: ZenML gives a cached step both times too)
    if (new is StepStatus.RUNNING and change.attempt == 1) or new is StepStatus.CACHED:
        values["started_at"] = at
    if new in TERMINAL_STEP_STATUSES:
        values["ended_at"] = at
    writes: list[UpdateStep | RecordArtifacts | PutCache] = []
    if new is StepStatus.COMPLETED:
        assert outputs is not None
        values["outputs"] = {k: r.to_json() for k, r in outputs.items()}
        writes.append(RecordArtifacts([r.to_json() for r in outputs.values()], now))
        if cache_key is not None:
            values["cache_key"] = cache_key
            writes.append(PutCache(cache_key, run_id, change.step_id, values["outputs"], now))
    writes.append(UpdateStep(run_id, change.step_id, values))
    return writes


def resolve_inputs(spec: StepSpec, outputs: dict[str, dict[str, ArtifactRef]]) -> Inputs:
    """The step's artifact inputs (from upstream ``outputs`` or given artifacts) and its
    parameters; a model artifact input is looked up by the attempt when it starts."""
    refs: dict[str, ArtifactRef] = {}
    params: dict[str, Any] = {}
    for name, item in spec.inputs.items():
        if item.source == "output":
            assert item.step is not None and item.output is not None
            refs[name] = outputs[item.step][item.output]
        elif item.source == "artifact":
            assert item.artifact is not None
            refs[name] = item.artifact
        elif item.source == "model_artifact":
            pass
        else:
            params[name] = item.value
    return refs, params


def attempt_spec(
    run_id: str,
    plan: Plan,
    step_id: str,
    attempt: int,
    inputs: Inputs,
    *,
    cached_from: dict[str, tuple[str, str]],
    lazy: dict[str, Any],
    artifact_store: str,
    manifest_key: str,
    log_path: str,
    memory_limit: int | None,
    request: int,
    tags: dict[str, bool] | None = None,
) -> AttemptSpec:
    spec = plan.steps[step_id]
    refs, params = inputs
    # Which run/step/output each input was registered by: the step's inputs are shown
    # as those artifact versions (their names), as ZenML shows them.
    sources = {
        name: [*cached_from.get(item.step, (run_id, item.step)), item.output]
        for name, item in spec.inputs.items()
        if item.source == "output" and item.step is not None
    }
    # A pydantic-model constant is an artifact input and also one of the parameters the
    # step sees in get_step_context().step_run.config.parameters (as its fields).
    shown = {k: v for k, v in spec.params.items() if k not in params}
    return AttemptSpec(
        run_id=run_id,
        step_id=step_id,
        step_name=spec.name,
        attempt=attempt,
        locator=spec.locator,
        inputs=refs,
        params=params,
        outputs=spec.outputs,
        artifact_store=artifact_store,
        manifest_key=manifest_key,
        memory_limit=memory_limit,
        request=request,
        cpu=spec.cpu,
        gpu=spec.gpu,
        pod=spec.pod,
        log_path=log_path,
        context={
            "pipeline": plan.pipeline,
            "run_name": plan.run_name,
            "run_params": plan.params,
            **({"input_sources": sources} if sources else {}),
            **({"shown_params": shown} if shown else {}),
            **({"lazy_inputs": lazy} if lazy else {}),
            **({"known_tags": tags} if tags else {}),  # (see engine.known_tags)
            **({"config": spec.config} if _configured(spec.config) else {}),
            **({"run_config": plan.config} if _configured(plan.config) else {}),
            **(spec.context or {}),
        },
    )


def _configured(config: dict[str, Any] | None) -> bool:
    """Whether a step's recorded config says more than the defaults (then its attempts
    carry it, for ``get_step_context().step_run.config``)."""
    if not config:
        return False
    said = ("settings", "substitutions", "extra")
    return any(config.get(k) for k in said) or config.get("enable_cache") is not None
