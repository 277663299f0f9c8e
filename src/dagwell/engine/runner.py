"""Starting, stopping and resuming runs: the glue between a traced pipeline and the engine.

``execute`` records a new run and drives it to its end; ``stop_run`` stops a run from
anywhere (asks its orchestrator through the store, or, when the orchestrator is gone,
stops it on the spot); ``resume_run`` continues an orphaned run in this process.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dagwell.artifact_store.store import ArtifactStore, open_artifact_store
from dagwell.core.home import Home, resolve_home
from dagwell.core.hooks import Hooks
from dagwell.core.manifest import ArtifactRef
from dagwell.core.plan import InputSpec, Plan, shown_as_parameter
from dagwell.core.progress import NullProgress, Progress
from dagwell.core.records import PipelineRun
from dagwell.core.scheduler import Scheduler
from dagwell.core.statuses import RunStatus, StepStatus
from dagwell.engine.orchestrators import default_orchestrator
from dagwell.engine.outcome import finished_run
from dagwell.engine.signals import HeldStops, stop_on_signals
from dagwell.runtimes.base import Orchestrator
from dagwell.runtimes.steady_clock import steady_time
from dagwell.store.ownership import owner_tag

if TYPE_CHECKING:
    from dagwell.engine.alerts import AlertWatch
    from dagwell.store.tags import ChangeTags

log = logging.getLogger("dagwell.engine.runner")


@dataclass
class TracedPipeline:
    """A traced pipeline call: the plan plus what cannot be stored (functions, hooks)."""

    plan: Plan
    functions: dict[str, Callable[..., Any] | None] = field(default_factory=dict)
    hooks: dict[str, Hooks] = field(default_factory=dict)
    alerters: tuple[Any, ...] = ()  # engine.alerts.WebhookAlerter: the pipeline's alerters=
    started: datetime = field(default_factory=datetime.now)  # for {date}/{time} in names
    steps: dict[str, Any] = field(default_factory=dict)  # invocation id -> its @step object


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def materialize_constants(plan: Plan, artifacts: ArtifactStore) -> tuple[Plan, list[ArtifactRef]]:
    """Store non-JSON constants passed to steps as artifacts, so the plan is pure JSON."""
    refs: list[ArtifactRef] = []
    steps = {}
    for step_id, spec in plan.steps.items():
        inputs = dict(spec.inputs)
        for name, item in spec.inputs.items():
            if item.source == "object":
                ref, _warnings = artifacts.put(item.value)
                refs.append(ref)
                shown = shown_as_parameter(item.value)
                inputs[name] = InputSpec("artifact", artifact=ref, value=shown)
        steps[step_id] = spec.with_inputs(inputs) if inputs != spec.inputs else spec
    return replace(plan, steps=steps), refs


def run_record(
    plan: Plan, run_id: str, owner: str, orchestrator: dict[str, Any], now: float
) -> tuple[dict[str, Any], list[dict[str, Any]], list[ChangeTags]]:
    """The rows of a new run (status running) and of its steps (pending), and its tags
    (its pipeline's: ZenML's run request carries the pipeline configuration's tags)."""
    from dagwell.store.tags import ChangeTags, TagSpec  # (SQLAlchemy: not before the fork)

    run = {
        "id": run_id,
        "pipeline": plan.pipeline,
        "status": RunStatus.RUNNING.value,
        "name": plan.run_name or plan.named(run_id, datetime.now()).run_name,
        "plan": plan.to_json(),
        "params": plan.params,
        "owner": owner,
        "orchestrator": orchestrator,
        "created_at": now,
        "started_at": now,
        "heartbeat_at": now,
        "stop_requested": False,
    }
    steps = [
        {
            "run_id": run_id,
            "step_id": s.id,
            "name": s.name,
            "position": i,
            "status": StepStatus.PENDING.value,
            "upstream": list(s.upstream),
            "params": s.params,
        }
        for i, s in enumerate(plan.steps.values())
    ]
    specs = tuple(TagSpec.from_json(t) for t in plan.config.get("tags") or [])
    tags = [ChangeTags("run", run_id, plan.pipeline, now, add=specs)] if specs else []
    return run, steps, tags


def execute(
    traced: TracedPipeline,
    orchestrator: Orchestrator | None = None,
    *,
    progress: Progress | None = None,
    home: Home | None = None,
) -> PipelineRun:
    """Record a new run of ``traced`` in ``home`` (default: the one the environment names),
    drive it to its end, return what was recorded.

    SIGTERM and SIGHUP meanwhile stop the run like Ctrl-C (see :mod:`.signals`)."""
    with stop_on_signals(), steady_time.run():
        return _execute(traced, orchestrator, progress, home or resolve_home())


def _execute(
    traced: TracedPipeline,
    orchestrator: Orchestrator | None,
    progress: Progress | None,
    home: Home,
) -> PipelineRun:
    orchestrator = orchestrator or default_orchestrator()
    artifacts = open_artifact_store(orchestrator.artifact_store or home.artifacts)
    run_id = new_run_id()
    plan, constant_refs = materialize_constants(
        traced.plan.named(run_id, traced.started), artifacts
    )
    # The runtime first: a local one forks its zygote now, before the store is loaded.
    runtime = orchestrator.open_runtime(run_id, home, traced.functions)
    try:
        from dagwell.engine.loop import Engine, EngineOptions
        from dagwell.store import RecordArtifacts, Store

        store = Store.open(home.store_url)
    except BaseException:
        runtime.close()
        raise
    held = HeldStops()
    try:
        try:
            config = replace(
                orchestrator.scheduler_config(runtime),
                infra_retries=plan.infra_retries,
                failure_mode=plan.failure_mode,
            )
            learned = store.learned_peaks(plan.pipeline, {s.name for s in plan.steps.values()})
            scheduler = Scheduler(plan.steps.values(), config, learned=learned)
            now = steady_time()  # (the run's records share the engine's clock)
            owner = owner_tag()
            # Everything that can refuse a setting (alerters, DAGWELL_STEP_LOGS, the store's
            # retry window) does so here, before the run is recorded: a refused run is no
            # run, never one left 'running' behind.
            engine = Engine(
                run_id=run_id,
                plan=plan,
                store=store,
                artifacts=artifacts,
                runtime=runtime,
                scheduler=scheduler,
                home=home,
                functions=traced.functions,
                hooks=traced.hooks,
                progress=progress or NullProgress(),
                alerts=alert_watch(
                    [*traced.alerters, *getattr(orchestrator, "alerters", ())],
                    run_id,
                    plan.pipeline,
                    now,
                ),
                options=EngineOptions(owner=owner),
            )
            # From the run's record until the engine's loop, a stop is held: acted on
            # there, it ends the run cancelled instead of leaving it "running".
            held.hold()
            store.create_run(
                *run_record(
                    plan,
                    run_id,
                    owner,
                    {
                        **orchestrator.describe(),
                        "runtime": runtime.info.details,
                        "node_memory": runtime.info.node_memory,
                    },
                    now,
                )
            )
            if constant_refs:
                store.write([RecordArtifacts([r.to_json() for r in constant_refs], now)])
        except BaseException:
            held.release(deliver=False)
            runtime.close()
            raise
        status = engine.run(held)
        return finished_run(store, run_id, status, artifacts)
    finally:
        store.close()


def alert_watch(
    alerters: Sequence[Any], run_id: str, pipeline: str, started_at: float
) -> AlertWatch | None:
    """The run's alerters (its own plus the machine's ``DAGWELL_ALERT_*``), if it has any."""
    from dagwell.engine.alerts import AlertWatch, alerters_from_env, check_alerters

    every = [*check_alerters(f"run {run_id}", list(alerters)), *alerters_from_env()]
    return AlertWatch(every, run_id, pipeline, started_at) if every else None


def hooks_by_step(traced_steps: Mapping[str, Any], pipeline_hooks: Hooks) -> dict[str, Hooks]:
    """Each step's own hooks; a pipeline's hooks apply to steps that set none of that kind."""
    result = {}
    for step_id, step in traced_steps.items():
        own: Hooks = getattr(step, "hooks", Hooks())
        result[step_id] = Hooks(
            on_failure=own.on_failure or pipeline_hooks.on_failure,
            on_retry=own.on_retry or pipeline_hooks.on_retry,
            on_success=own.on_success or pipeline_hooks.on_success,
        )
    return result
