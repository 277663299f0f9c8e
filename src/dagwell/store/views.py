"""Store rows turned into the read models of :mod:`dagwell.core.records`.

One function builds a PipelineRun from a run row with its step and attempt rows, so every
reader (engine results, Client, CLI, dashboard) sees the same thing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from dagwell.core.failures import Failure, FailureKind, OomScope
from dagwell.core.manifest import ArtifactRef
from dagwell.core.memory import MemorySeries
from dagwell.core.records import (
    ArtifactLoader,
    Attempt,
    PipelineName,
    PipelineRun,
    PlanSource,
    RunTotals,
    StepRun,
    to_datetime,
)
from dagwell.core.statuses import AttemptStatus, RunStatus, StepStatus
from dagwell.store.ownership import is_orphaned

if TYPE_CHECKING:
    from dagwell.store.store import Store


def _failure(row: dict[str, Any]) -> Failure | None:
    if not row.get("failure_kind"):
        return None
    return Failure(
        kind=FailureKind(row["failure_kind"]),
        message=row.get("failure_message") or "",
        exit_code=row.get("exit_code"),
        signal=row.get("signal"),
        reason=row.get("reason"),
        oom_scope=OomScope(row["oom_scope"]) if row.get("oom_scope") else None,
        node=row.get("node"),
        traceback=row.get("traceback"),
    )


def run_totals(values: dict[str, Any]) -> RunTotals:
    """The store's :meth:`Store.run_totals` as the read model."""
    return RunTotals(
        steps=values["steps"],
        step_counts=dict(values["step_counts"]),
        oom_kills=values["oom_kills"],
        oom_survivors=values["oom_survivors"],
        retries=values["retries"],
    )


def build_run(
    row: dict[str, Any],
    step_rows: list[dict[str, Any]],
    attempt_rows: list[dict[str, Any]],
    loader: ArtifactLoader | None = None,
    plan: PlanSource | None = None,
) -> PipelineRun:
    """``plan`` reads the recorded plan when a ``.config`` asks for it (shared by the run
    and its steps, read at most once)."""
    plan = plan or PlanSource()
    by_step: dict[str, list[Attempt]] = {}
    for a in attempt_rows:
        by_step.setdefault(a["step_id"], []).append(
            Attempt(
                number=a["number"],
                status=AttemptStatus(a["status"]),
                failure=_failure(a),
                memory_limit=a["memory_limit"],
                memory_request=a["memory_request"],
                peak_memory=a["peak_memory"],
                started_at=to_datetime(a["started_at"]),
                ended_at=to_datetime(a["ended_at"]),
                exit_code=a["exit_code"],
                signal=a["signal"],
                budget=a["budget"],
                backoff=a["backoff"],
                node=a["node"],
                external_id=a["external_id"],
                memory=MemorySeries.from_json(a["memory_samples"])
                if a.get("memory_samples")
                else None,
            )
        )
    steps = {}
    for s in step_rows:
        steps[s["step_id"]] = StepRun(
            name=s["step_id"],
            step_name=s["name"],
            status=StepStatus(s["status"]),
            attempts=sorted(by_step.get(s["step_id"], []), key=lambda a: a.number),
            started_at=to_datetime(s["started_at"]),
            ended_at=to_datetime(s["ended_at"]),
            note=s["note"],
            cached_from=s["cached_from"],
            cached_step=s.get("cached_step"),
            cache_key=s.get("cache_key"),
            upstream=list(s["upstream"] or []),
            params=dict(s["params"] or {}),
            output_refs={k: ArtifactRef.from_json(v) for k, v in (s["outputs"] or {}).items()},
            run_id=row["id"],
            pipeline_name=row["pipeline"],
            _loader=loader,
            _plan=plan,
        )
    plan.steps = steps
    return PipelineRun(
        id=row["id"],
        name=row["name"],
        pipeline=PipelineName(row["pipeline"]),
        status=RunStatus(row["status"]),
        status_rule=row["status_rule"],
        steps=steps,
        created_at=to_datetime(row["created_at"]) or datetime.now(tz=UTC),
        started_at=to_datetime(row["started_at"]),
        ended_at=to_datetime(row["ended_at"]),
        heartbeat_at=to_datetime(row["heartbeat_at"]),
        params=dict(row["params"] or {}),
        orchestrator=dict(row["orchestrator"] or {}),
        orphaned=is_orphaned(row["status"], row["heartbeat_at"], row["owner"]),
        stop_requested=bool(row["stop_requested"]),
        _loader=loader,
        _plan=plan,
    )


def read_run(store: Store, run_ref: str, loader: ArtifactLoader | None = None) -> PipelineRun:
    """The recorded run ``run_ref`` (an id, a prefix or ``latest``) as a PipelineRun, whose
    ``.config`` reads its recorded plan on first use."""
    run_id = store.resolve_run_id(run_ref)
    row = store.run_row(run_id)
    plan = PlanSource(lambda: store.run_plan(run_id))
    return build_run(row, store.step_rows(run_id), store.attempt_rows(run_id), loader, plan)
