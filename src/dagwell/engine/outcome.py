"""How a finished run is handed back to the caller: the recorded run, or RunFailedError.

New runs and resumed runs end the same way, so both go through :func:`finished_run`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dagwell.artifact_store.store import ArtifactStore, manifest_key
from dagwell.core.errors import ArtifactError
from dagwell.core.exception_state import decode_state
from dagwell.core.records import PipelineRun, RunFailedError
from dagwell.core.run_errors import first_failed_step
from dagwell.core.statuses import RunStatus, StepStatus

if TYPE_CHECKING:
    from dagwell.engine.unnamed import RunLoader
    from dagwell.store import Store


def _failure_text(run: PipelineRun) -> str:
    failed = [s for s in run.steps.values() if s.status is StepStatus.FAILED]
    if not failed:
        return run.summary()
    first = failed[0]
    why = first.note or (
        first.attempts[-1].failure.message if first.attempts and first.attempts[-1].failure else ""
    )
    more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
    return f"{run.summary()}. Step {first.name!r} failed{more}: {why}"


def finished_run(
    store: Store, run_id: str, status: RunStatus, artifacts: ArtifactStore
) -> PipelineRun:
    """The recorded run; raises RunFailedError (with ``.run``) unless it completed."""
    from dagwell.store.views import read_run  # (not at import: see dagwell.store)

    run = read_run(store, run_id, run_loader(store, artifacts))
    if status is not RunStatus.COMPLETED:
        message = f"Run {run.name} ({run.id}) {_failure_text(run)}"
        raise RunFailedError.of(message, run, _step_error_state(run, artifacts))
    return run


def _step_error_state(run: PipelineRun, artifacts: ArtifactStore) -> dict[str, Any]:
    """The attributes of the exception that failed the run, from its attempt's manifest,
    for FAIL_FAST's error (ZenML raises that exception itself); {} in other modes."""
    step = first_failed_step(run)
    if step is None or run._plan.plan().get("failure_mode") != "fail_fast":
        return {}
    try:
        manifest = artifacts.read_manifest(
            manifest_key(run.id, step.name, step.attempts[-1].number)
        )
    except ArtifactError:  # (unreadable: the error still has the step's class and message)
        return {}
    return decode_state(manifest.error_state if manifest is not None else None)


def run_loader(store: Store, artifacts: ArtifactStore) -> RunLoader:
    """Reads the run's outputs as the artifact versions a Client lists (see engine.unnamed)."""
    from dagwell.engine.unnamed import RunLoader, StoreReader

    return RunLoader(StoreReader(store.url, lambda: artifacts), None)
