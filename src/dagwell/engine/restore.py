"""Rebuilding a run's scheduler state from what the store recorded. Pure, no I/O.

Used when a run is taken over after its orchestrator died (``dagwell runs resume`` and
``dagwell runs stop`` on an orphaned run). Recorded statuses are restored as they are,
not re-transitioned: this is the same history continuing. A recorded stop request is not
restored: the engine acts on it like on any stop request (it reads it with the
heartbeat), so the run winds down through the transition table. Budgets are recounted from the
attempts (which budget each retry drew on), and a pending memory escalation is recomputed
from the last failure, so a resumed run makes the decisions the dead one would have. A
recorded failure halts the restored run as it halted the dead one: nothing new starts, and
under fail_fast the attempts still running are killed at the engine's first turn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dagwell.core.failures import FailureKind, OomScope
from dagwell.core.manifest import ArtifactRef
from dagwell.core.plan import Plan
from dagwell.core.retry import next_memory_limit
from dagwell.core.scheduler import Scheduler, SchedulerConfig
from dagwell.core.statuses import DONE_STEP_STATUSES, StepStatus


@dataclass(frozen=True)
class RunningAttempt:
    step_id: str
    attempt: int
    memory_limit: int | None
    request: int
    external_id: str | None
    started_at: float | None


def restore(
    plan: Plan,
    config: SchedulerConfig,
    step_rows: Sequence[Mapping[str, Any]],
    attempt_rows: Sequence[Mapping[str, Any]],
    *,
    learned: Mapping[str, int],
    now: float,
) -> tuple[Scheduler, list[RunningAttempt], dict[str, dict[str, ArtifactRef]]]:
    scheduler = Scheduler(plan.steps.values(), config, learned=learned)
    attempts: dict[str, list[Mapping[str, Any]]] = {}
    for row in attempt_rows:
        attempts.setdefault(row["step_id"], []).append(row)
    running: list[RunningAttempt] = []
    outputs: dict[str, dict[str, ArtifactRef]] = {}
    failed: str | None = None  # the first failed step
    for row in step_rows:
        state = scheduler.steps[row["step_id"]]
        state.status = StepStatus(row["status"])
        mine = sorted(attempts.get(state.id, []), key=lambda a: a["number"])
        state.attempt = mine[-1]["number"] if mine else 0
        state.step_retries = sum(1 for a in mine if a["budget"] == "step")
        state.infra_retries = sum(1 for a in mine if a["budget"] == "infra")
        for a in mine:
            if a["oom_scope"] == OomScope.NODE_PRESSURE.value and a["peak_memory"]:
                state.oom_estimate = max(state.oom_estimate, 2 * a["peak_memory"])
        if mine:
            state.limit = mine[-1]["memory_limit"]
        if state.status in DONE_STEP_STATUSES:
            outputs[state.id] = {
                k: ArtifactRef.from_json(v) for k, v in (row["outputs"] or {}).items()
            }
        elif state.status is StepStatus.RUNNING:
            last = mine[-1]
            state.started_at = last["started_at"] or now
            state.request = last["memory_request"] or 0
            running.append(
                RunningAttempt(
                    state.id,
                    last["number"],
                    last["memory_limit"],
                    state.request,
                    last["external_id"],
                    last["started_at"],
                )
            )
        elif state.status is StepStatus.RETRYING:
            state.retry_at = now
            last = mine[-1]
            if (
                last["failure_kind"] == FailureKind.OOM_KILLED.value
                and last["oom_scope"] == OomScope.OWN_LIMIT.value
                and state.limit
            ):
                state.limit, _, _ = next_memory_limit(state.retry, state.limit, config.node_memory)
        elif state.status is StepStatus.QUEUED:
            state.queued_at = now
        elif state.status is StepStatus.FAILED:
            failed = failed or state.id
    scheduler.reindex()
    scheduler.now = now
    if failed is not None:  # the failure that stopped the run (not in mode "continue")
        scheduler.halt(failed)
    return scheduler, running, outputs
