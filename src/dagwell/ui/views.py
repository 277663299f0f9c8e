"""Run read models turned into what the pages draw: the DAG, the attempts timeline, the
memory chart's data, a runs-list row. Pure functions of a PipelineRun (no I/O), so the
pages and their live updates show the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dagwell.core.failures import FailureKind
from dagwell.core.records import Attempt, PipelineRun, StepRun
from dagwell.core.units import format_bytes, format_seconds

NODE_W, NODE_H, GAP_X, GAP_Y, PER_ROW = 176, 44, 20, 40, 5
LANE_H, LANE_GAP, LABEL_W, CHART_W = 18, 4, 130, 760


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def failure_kind(s: StepRun) -> str | None:
    """The failure kind to show on a step: its last attempt's, else any OOM kill it survived."""
    last = s.attempts[-1] if s.attempts else None
    if last is not None and last.failure is not None:
        return last.failure.kind.value
    if any(_oom(a) for a in s.attempts):
        return "survived oom_killed"
    return None


def _oom(a: Attempt) -> bool:
    return a.failure is not None and a.failure.kind is FailureKind.OOM_KILLED


def _depths(run: PipelineRun) -> dict[str, int]:
    depths: dict[str, int] = {}

    def depth(name: str, seen: frozenset[str] = frozenset()) -> int:
        if name not in depths:
            ups = [u for u in run.steps[name].upstream if u in run.steps and u not in seen]
            depths[name] = 1 + max((depth(u, seen | {name}) for u in ups), default=-1)
        return depths[name]

    for name in run.steps:
        depth(name)
    return depths


def dag(run: PipelineRun) -> dict[str, Any]:
    """Nodes in layers top to bottom (a wide layer wraps every PER_ROW nodes), with edges."""
    depths = _depths(run)
    layers: dict[int, list[str]] = {}
    for name in run.steps:
        layers.setdefault(depths[name], []).append(name)
    nodes, where, row = [], {}, 0
    for d in sorted(layers):
        for i, name in enumerate(layers[d]):
            if i and i % PER_ROW == 0:
                row += 1
            x = GAP_X + (i % PER_ROW) * (NODE_W + GAP_X)
            y = GAP_Y // 2 + row * (NODE_H + GAP_Y)
            where[name] = (x, y)
            s = run.steps[name]
            nodes.append(
                {
                    "name": name,
                    "x": x,
                    "y": y,
                    "status": s.status.value,
                    "failure": failure_kind(s),
                    "attempts": len(s.attempts),
                }
            )
        row += 1
    edges = [
        {
            "x1": where[u][0] + NODE_W // 2,
            "y1": where[u][1] + NODE_H,
            "x2": where[n][0] + NODE_W // 2,
            "y2": where[n][1],
        }
        for n, s in run.steps.items()
        for u in s.upstream
        if u in where
    ]
    columns = min(PER_ROW, max((len(v) for v in layers.values()), default=1))
    return {
        "nodes": nodes,
        "edges": edges,
        "w": NODE_W,
        "h": NODE_H,
        "width": GAP_X + columns * (NODE_W + GAP_X),
        "height": max(row, 1) * (NODE_H + GAP_Y),
    }


def _outcome(a: Attempt) -> str:
    return a.failure.kind.value if a.failure is not None else a.status.value


def timeline(run: PipelineRun, now: float) -> dict[str, Any]:
    """One lane per attempt, in start order: a bar coloured by outcome, OOM kills marked,
    and each retry linked to the attempt it follows."""
    attempts = [(s, a) for s in run.steps.values() for a in s.attempts if a.started_at]
    attempts.sort(key=lambda sa: (_ts(sa[1].started_at) or 0, sa[0].name, sa[1].number))
    start = _ts(run.started_at) or min((_ts(a.started_at) or now for _, a in attempts), default=now)
    end = max([_ts(run.ended_at) or now] + [_ts(a.ended_at) or now for _, a in attempts])
    span = max(end - start, 1e-3)
    scale = CHART_W / span
    lanes = []
    for i, (s, a) in enumerate(attempts):
        t0 = (_ts(a.started_at) or start) - start
        t1 = (_ts(a.ended_at) or now) - start
        lanes.append(
            {
                "step": s.name,
                "attempt": a.number,
                "outcome": _outcome(a),
                "oom": _oom(a),
                "retry": a.number > 1,
                "y": i * (LANE_H + LANE_GAP),
                "x": LABEL_W + t0 * scale,
                "width": max(2.0, (t1 - t0) * scale),
                "title": f"{s.name} attempt {a.number}: {_outcome(a)}, "
                f"{format_seconds(t1 - t0)} (from {t0:.1f} s)",
            }
        )
    ticks = [{"x": LABEL_W + t * scale, "label": format_seconds(t)} for t in _tick_values(span)]
    return {
        "lanes": lanes,
        "ticks": ticks,
        "lane_h": LANE_H,
        "label_w": LABEL_W,
        "width": LABEL_W + CHART_W + 10,
        "height": len(lanes) * (LANE_H + LANE_GAP) + 24,
    }


def _tick_values(span: float) -> list[float]:
    step = next((s for s in (0.5, 1, 2, 5, 10, 30, 60, 300, 600, 3600) if span / s <= 8), 7200)
    return [i * step for i in range(int(span // step) + 1)]


def memory(run: PipelineRun) -> dict[str, Any]:
    """The memory chart: each sampled attempt's anonymous memory (and limit), the node's
    usage from every sample, the node's capacity, and the kill moments. Times are seconds
    from the run's start."""
    start = _ts(run.started_at) or _ts(run.created_at) or 0.0
    series: list[dict[str, Any]] = []
    node_points: list[tuple[float, int]] = []
    kills: list[dict[str, Any]] = []
    for s in run.steps.values():
        for a in s.attempts:
            m = a.memory
            if m is None:
                continue
            times = [round(t - start, 3) for t in m.times]
            series.append(
                {"label": f"{s.name} #{a.number}", "t": times, "v": m.anon, "limit": a.memory_limit}
            )
            node_points.extend((t, v) for t, v in zip(times, m.node, strict=True) if v is not None)
            if m.kill_at is not None:
                kills.append({"label": f"{s.name} #{a.number}", "t": round(m.kill_at - start, 3)})
    node_points.sort()
    return {
        "series": series,
        "node": {"t": [t for t, _ in node_points], "v": [v for _, v in node_points]},
        "capacity": run.orchestrator.get("node_memory"),
        "kills": sorted(kills, key=lambda k: k["t"]),
    }


@dataclass(frozen=True)
class RunRow:
    id: str
    name: str
    pipeline: str
    status: str
    started: str
    duration: str
    steps: int
    oom_kills: int
    retries: int


def run_row(run: PipelineRun) -> RunRow:
    """A runs-list row; ``run`` may be read without its steps (its totals suffice)."""
    totals = run.all_totals()
    return RunRow(
        id=run.id,
        name=run.name,
        pipeline=run.pipeline,
        status=run.display_status,
        started=(run.started_at or run.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        duration=format_seconds(run.duration),
        steps=totals.steps,
        oom_kills=totals.oom_kills,
        retries=totals.retries,
    )


def attempt_facts(a: Attempt) -> dict[str, Any]:
    """An attempt's evidence as label -> text, for the step page."""
    f = a.failure
    return {
        "status": a.status.value,
        "failure": f"{f.kind.value}" + (f" ({f.oom_scope.value})" if f and f.oom_scope else "")
        if f
        else "",
        "message": f.message if f else "",
        "exit code": "" if a.exit_code is None else str(a.exit_code),
        "signal": "" if a.signal is None else str(a.signal),
        "memory limit": format_bytes(a.memory_limit),
        "peak memory": format_bytes(a.peak_memory),
        "duration": format_seconds(a.duration),
        "retry budget": a.budget or "",
        "backoff": format_seconds(a.backoff) if a.backoff is not None else "",
        "node": a.node or "",
        "samples": str(len(a.memory.times)) if a.memory else "no samples",
    }
