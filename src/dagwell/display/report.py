"""How runs look to people (rich tables) and to programs (JSON): one place for both.

The CLI only reads the store through :class:`~dagwell.client.Client` and renders with
these functions; ``--json`` output is built from the same fields as the tables.
"""

from __future__ import annotations

from typing import Any

from dagwell.core.records import Attempt, PipelineRun, StepRun
from dagwell.core.statuses import RunStatus, StepStatus
from dagwell.core.units import format_bytes, format_seconds
from dagwell.display.live import STYLE

RUN_STYLE = {
    RunStatus.RUNNING: "blue",
    RunStatus.COMPLETED: "green",
    RunStatus.FAILED: "red",
    RunStatus.CANCELLED: "magenta",
}


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def attempt_json(a: Attempt) -> dict[str, Any]:
    return {
        "number": a.number,
        "status": a.status.value,
        "failure": None
        if a.failure is None
        else {
            "kind": a.failure.kind.value,
            "message": a.failure.message,
            "exit_code": a.failure.exit_code,
            "signal": a.failure.signal,
            "reason": a.failure.reason,
            "oom_scope": a.failure.oom_scope.value if a.failure.oom_scope else None,
        },
        "memory_limit": a.memory_limit,
        "memory_request": a.memory_request,
        "peak_memory": a.peak_memory,
        "started_at": _iso(a.started_at),
        "ended_at": _iso(a.ended_at),
        "duration": a.duration,
        "exit_code": a.exit_code,
        "signal": a.signal,
        "budget": a.budget,
        "backoff": a.backoff,
        "node": a.node,
        "external_id": a.external_id,
    }


def step_json(s: StepRun) -> dict[str, Any]:
    return {
        "name": s.name,
        "step_name": s.step_name,
        "status": s.status.value,
        "attempts": [attempt_json(a) for a in s.attempts],
        "started_at": _iso(s.started_at),
        "ended_at": _iso(s.ended_at),
        "duration": None if s.duration is None else s.duration.total_seconds(),
        "note": s.note,
        "cached_from": s.cached_from,
        "upstream": s.upstream,
        "params": s.params,
        "memory_limit": s.memory_limit,
        "outputs": {k: v.to_json() for k, v in s.output_refs.items()},
    }


def run_json(run: PipelineRun, *, with_steps: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": run.id,
        "name": run.name,
        "pipeline": run.pipeline,
        "status": run.status.value,
        "orphaned": run.orphaned,
        "status_rule": run.status_rule,
        "summary": run.summary(),
        "created_at": _iso(run.created_at),
        "started_at": _iso(run.started_at),
        "ended_at": _iso(run.ended_at),
        "duration": run.duration,
        "params": run.params,
        "orchestrator": run.orchestrator,
        "step_counts": _counts(run),
    }
    if with_steps:
        data["steps"] = {name: step_json(s) for name, s in run.steps.items()}
        if run.totals is not None:  # a page of the steps: say which
            data["steps_offset"] = run.steps_offset
            data["steps_total"] = run.totals.steps
    return data


def _counts(run: PipelineRun) -> dict[str, int]:
    return run.all_totals().step_counts


def _peak(s: StepRun) -> int | None:
    peaks = [a.peak_memory for a in s.attempts if a.peak_memory]
    return max(peaks) if peaks else None


def _last_failure(s: StepRun) -> str:
    for a in reversed(s.attempts):
        if a.failure is not None:
            scope = (
                f" ({a.failure.oom_scope.value.replace('_', ' ')})" if a.failure.oom_scope else ""
            )
            return f"{a.failure.kind.value}{scope}"
    return ""


def runs_table(runs: list[PipelineRun]) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="dagwell runs", title_justify="left")
    for column in ("id", "name", "status", "steps", "started", "duration"):
        table.add_column(column, no_wrap=column in ("id", "name", "status", "started"))
    for run in runs:
        counts = ", ".join(f"{n} {k}" for k, n in _counts(run).items())
        style = "yellow" if run.orphaned else RUN_STYLE[run.status]
        table.add_row(  # a user's name is text, never markup: "a[/b]" is a name, not a tag
            run.id,
            Text(run.name),
            f"[{style}]{run.display_status}[/]",
            counts,
            run.started_at.strftime("%Y-%m-%d %H:%M:%S") if run.started_at else "-",
            format_seconds(run.duration),
        )
    return table


def run_view(run: PipelineRun) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    style = "yellow" if run.orphaned else RUN_STYLE[run.status]
    header = Text.assemble(
        ("run ", "bold"),
        (f"{run.name} ", "bold"),
        f"({run.id})  ",
        (run.display_status, f"bold {style}"),
    )
    node = run.orchestrator.get("node_memory")
    backend = (run.orchestrator.get("runtime") or {}).get("backend", "")
    where = Text(
        f"orchestrator: {run.orchestrator.get('kind', '?')}"
        + (f", node memory {format_bytes(node)}" if node else "")
        + (f", {backend}" if backend else ""),
        style="dim",
    )
    table = Table(show_edge=False)
    for column in (
        "step",
        "status",
        "attempts",
        "failure",
        "duration",
        "memory limit",
        "peak memory",
    ):
        table.add_column(
            column,
            no_wrap=column in ("step", "status", "failure"),
            justify="right"
            if column in ("attempts", "duration", "memory limit", "peak memory")
            else "left",
        )
    for s in run.steps.values():
        table.add_row(
            Text(s.name),
            f"[{STYLE[s.status]}]{s.status.value}[/]",
            str(len(s.attempts)),
            _last_failure(s),
            format_seconds(None if s.duration is None else s.duration.total_seconds()),
            format_bytes(s.memory_limit),
            format_bytes(_peak(s)),
        )
    parts: list[Any] = [header, where, table]
    total = run.all_totals().steps
    if len(run.steps) < total:
        first = run.steps_offset + 1
        shown = f"steps {first}-{first + len(run.steps) - 1}" if run.steps else "no steps"
        parts.append(
            Text(
                f"{shown} of {total}; page with --offset/--limit, filter with --status",
                style="dim",
            )
        )
    stories = [_story(s) for s in run.steps.values() if _needs_story(s)]
    if stories:
        parts.append(Text("attempts:", style="bold"))
        parts.extend(stories)
    if run.orphaned:
        parts.append(
            Text(
                f"The orchestrator of this run is gone. Continue it with "
                f"`dagwell runs resume {run.id}` or end it with "
                f"`dagwell runs stop {run.id}`.",
                style="yellow",
            )
        )
    rule = (
        f" ({run.status_rule})" if run.status_rule and run.status is not RunStatus.RUNNING else ""
    )
    parts.append(Text(run.summary() + rule, style=f"bold {style}"))
    return Group(*parts)


def _needs_story(s: StepRun) -> bool:
    return (
        len(s.attempts) > 1
        or any(a.failure for a in s.attempts)
        or (
            s.status in (StepStatus.FAILED, StepStatus.SKIPPED, StepStatus.CANCELLED)
            and bool(s.note)
        )
    )


def _story(s: StepRun) -> Any:
    from rich.text import Text

    text = Text(f"  {s.name}", style="bold")
    for a in s.attempts:
        line = f"\n    {a.number}. {a.status.value}"
        if a.failure is not None:
            scope = (
                f" ({a.failure.oom_scope.value.replace('_', ' ')})" if a.failure.oom_scope else ""
            )
            line += f": {a.failure.kind.value}{scope}"
        line += f"  limit {format_bytes(a.memory_limit)}, peak {format_bytes(a.peak_memory)}"
        line += f", {format_seconds(a.duration)}"
        if a.backoff is not None:
            line += f"; retried from the {a.budget} budget after {format_seconds(a.backoff)}"
        text.append(line)
        if a.failure is not None:
            text.append(f"\n       {a.failure.message}", style="dim")
    if not s.attempts and s.note:
        text.append(f"\n    {s.status.value}: {s.note}", style="dim")
    return text
