"""Taking over a run whose orchestrator died: resume it, or stop it for good.

An orchestrator that is alive but frozen (stopped, or hung with a silent heartbeat) is
killed first (see :mod:`.frozen_owner`). The new orchestrator claims the run in the store
(so two people cannot both resume it), rebuilds the scheduler from the record, reuses
completed steps' outputs, asks the runtime to recover each attempt that was running (a
pod still running is adopted; a local process that outlived its parent is killed and
retried as ``lost``, from the infrastructure budget), and continues, or stops everything
and records the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from dagwell.artifact_store.store import open_artifact_store
from dagwell.core.errors import PermanentError
from dagwell.core.home import Home
from dagwell.core.hooks import Hooks
from dagwell.core.plan import Plan
from dagwell.core.progress import NullProgress, Progress
from dagwell.core.records import PipelineRun
from dagwell.core.statuses import RunStatus
from dagwell.engine.frozen_owner import end_frozen_owner, frozen_owner, unidentified
from dagwell.engine.loop import Engine, EngineOptions
from dagwell.engine.orchestrators import from_description
from dagwell.engine.outcome import finished_run
from dagwell.engine.restore import RunningAttempt, restore
from dagwell.engine.runner import alert_watch
from dagwell.engine.signals import stop_on_signals
from dagwell.runtimes.base import Orchestrator
from dagwell.runtimes.locator import resolve
from dagwell.runtimes.steady_clock import steady_time
from dagwell.store import Store
from dagwell.store.ownership import owner_tag
from dagwell.store.views import read_run


class CannotTakeOver(PermanentError):
    """The run ended already, or its orchestrator is still alive."""


def take_over(
    store: Store,
    home: Home,
    run_ref: str,
    progress: Progress,
    *,
    dead_owner: str | None = None,
    orchestrator: Orchestrator | None = None,
    owner: str | None = None,
) -> tuple[Engine, list[RunningAttempt]]:
    """Claim an orphaned run and rebuild its engine. ``dead_owner``: the caller has
    established that this owner is gone (a detached run's orchestrator pod, per the API);
    ``orchestrator``: use this one instead of rebuilding the recorded one; ``owner``: the
    tag to claim the run as (default: this process)."""
    run_id = store.resolve_run_id(run_ref)
    run = read_run(store, run_id)
    if run.status is not RunStatus.RUNNING:
        raise CannotTakeOver(
            f"Run {run.id} already ended {run.status.value}; there is nothing to resume. Run "
            "the pipeline again (steps with the cache on reuse their outputs)."
        )
    row = store.run_row(run_id)
    if dead_owner is not None and row["owner"] != dead_owner:
        raise CannotTakeOver(f"Run {run.id} was just taken over by {row['owner']}.")
    if dead_owner is None and not run.orphaned:
        raise CannotTakeOver(
            f"Run {run.id} still has a live orchestrator ({row['owner']}); stop it with "
            f"`dagwell runs stop {run.id}` or wait for it."
        )
    owner = owner or owner_tag()
    if not store.claim_run(run_id, row["owner"], owner, time.time()):
        raise CannotTakeOver(f"Run {run.id} was just taken over by another process.")
    plan = Plan.from_json(store.run_plan(run_id))
    orchestrator = orchestrator or from_description(dict(row["orchestrator"] or {}))
    functions: dict[str, Callable[..., Any] | None] = {}
    hooks: dict[str, Hooks] = {}
    for step_id, spec in plan.steps.items():
        try:
            found = resolve(spec.locator)
        except PermanentError:
            found = None  # each attempt will report the import problem as config_error
        functions[step_id] = getattr(found, "func", None)
        hooks[step_id] = getattr(found, "hooks", Hooks())
    runtime = orchestrator.open_runtime(run_id, home, functions)
    try:
        config = replace(
            orchestrator.scheduler_config(runtime),
            infra_retries=plan.infra_retries,
            failure_mode=plan.failure_mode,
        )
        learned = store.learned_peaks(plan.pipeline, {s.name for s in plan.steps.values()})
        scheduler, running, outputs = restore(
            plan,
            config,
            store.step_rows(run_id),
            store.attempt_rows(run_id),
            learned=learned,
            now=steady_time(),
        )
    except BaseException:
        runtime.close()
        raise
    artifacts = open_artifact_store(orchestrator.artifact_store or home.artifacts)
    engine = Engine(
        run_id=run_id,
        plan=plan,
        store=store,
        artifacts=artifacts,
        runtime=runtime,
        scheduler=scheduler,
        home=home,
        functions=functions,
        hooks=hooks,
        progress=progress,
        alerts=alert_watch((), run_id, plan.pipeline, row["started_at"] or row["created_at"]),
        options=EngineOptions(owner=owner),
        outputs=outputs,
    )
    return engine, running


def end_if_frozen(store: Store, run_id: str, notify: Callable[[str], None] | None) -> bool:
    """Kill the run's orchestrator if it is frozen (see :mod:`.frozen_owner`), so that the
    run counts as orphaned; say so through ``notify``. True if it was killed."""
    frozen = frozen_owner(store.run_row(run_id))
    if frozen is None:
        return False
    if not frozen.identified:  # (an older dagwell's tag: the pid may be another's now)
        if notify is not None:
            notify(unidentified(frozen, run_id))
        return False
    end_frozen_owner(frozen, run_id)
    if notify is not None:
        notify(
            f"Run {run_id}'s orchestrator (pid {frozen.pid}) was {frozen.why}, so it could "
            "not act on the run: it was killed (SIGKILL) and the run is taken over here."
        )
    return True


def resume_run(
    store: Store,
    home: Home,
    run_ref: str,
    *,
    progress: Progress | None = None,
    notify: Callable[[str], None] | None = None,
) -> PipelineRun:
    """Continue an orphaned run (or one whose orchestrator is frozen, which is killed
    first) in this process until it ends."""
    run_id = store.resolve_run_id(run_ref)
    end_if_frozen(store, run_id, notify)
    with stop_on_signals(), steady_time.run():
        engine, running = take_over(store, home, run_id, progress or NullProgress())
        try:
            engine.recover(running)
        except BaseException:
            engine.runtime.close()
            raise
        status = engine.run()
    return finished_run(store, engine.run_id, status, engine.artifacts)


def stop_orphan(store: Store, home: Home, run_ref: str, *, died_first: bool) -> None:
    """Stop an orphaned run here: recover what is left, kill it, record the end.
    ``died_first=False``: this stop killed its (frozen) orchestrator."""
    with steady_time.run():
        engine, running = take_over(store, home, run_ref, NullProgress())
        why = (
            "stopped by `dagwell runs stop` after its orchestrator died"
            if died_first
            else "stopped by `dagwell runs stop`, which killed its frozen orchestrator"
        )
        engine.recover_and_stop(running, why, died_first=died_first)


def stop_run(
    store: Store, home: Home, run_ref: str, *, notify: Callable[[str], None] | None = None
) -> PipelineRun:
    """Stop a run. A live orchestrator is asked through the store and does the killing;
    a frozen one is killed (said through ``notify``), and a run whose orchestrator is gone
    is stopped here (see :func:`stop_orphan`).
    """
    run_id = store.resolve_run_id(run_ref)
    run = read_run(store, run_id)
    if run.status is not RunStatus.RUNNING:
        return run
    store.request_stop(run_id)
    killed_here = False
    if not run.orphaned:
        killed_here = end_if_frozen(store, run_id, notify)
        run = read_run(store, run_id)
    if run.orphaned:
        stop_orphan(store, home, run_id, died_first=not killed_here)
    return read_run(store, run_id)
