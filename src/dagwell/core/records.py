"""The read models of a run: PipelineRun, StepRun and Attempt, as DESIGN.md names them.

They are plain frozen data built from store rows (see :mod:`dagwell.store.views`), so the
engine, the client, the CLI and the dashboard all read the same shapes. Nothing here
writes a status; loading an output goes through the small ``ArtifactLoader`` protocol so this
module stays free of I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from dagwell.core.errors import DagwellError
from dagwell.core.failures import Failure, FailureKind
from dagwell.core.manifest import ArtifactRef
from dagwell.core.memory import MemorySeries
from dagwell.core.statuses import AttemptStatus, RunStatus, StepStatus


class ArtifactLoader(Protocol):
    """What a StepRun needs to load an output: the artifact store's ``get``."""

    def get(self, ref: ArtifactRef) -> Any: ...


def to_datetime(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)


@dataclass(frozen=True)
class Attempt:
    number: int
    status: AttemptStatus
    failure: Failure | None
    memory_limit: int | None
    memory_request: int | None
    peak_memory: int | None
    started_at: datetime | None
    ended_at: datetime | None
    exit_code: int | None = None
    signal: int | None = None
    budget: str | None = None  # which budget its retry drew on: "step" or "infra"
    backoff: float | None = None  # seconds before the next attempt
    node: str | None = None
    external_id: str | None = None
    memory: MemorySeries | None = None  # memory over time, when the runtime sampled it

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class StepRun:
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
    outputs: dict[str, ArtifactRef]
    _loader: ArtifactLoader | None = field(default=None, repr=False, compare=False)

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()

    @property
    def memory_limit(self) -> int | None:
        """The limit of the last attempt (the one that succeeded, if any did)."""
        return self.attempts[-1].memory_limit if self.attempts else None

    def output(self, name: str | None = None) -> Any:
        """Load an output's value (the only one when ``name`` is omitted)."""
        if not self.outputs:
            raise KeyError(f"Step {self.name!r} has no stored outputs (status {self.status}).")
        if name is None:
            if len(self.outputs) != 1:
                raise KeyError(
                    f"Step {self.name!r} has outputs {', '.join(self.outputs)}; "
                    "pass the name you want."
                )
            name = next(iter(self.outputs))
        if name not in self.outputs:
            raise KeyError(
                f"Step {self.name!r} has no output {name!r}; it has {', '.join(self.outputs)}."
            )
        if self._loader is None:
            raise KeyError(f"Step {self.name!r} was read without an artifact store to load from.")
        return self._loader.get(self.outputs[name])


@dataclass(frozen=True)
class RunTotals:
    """Counts over all of a run's steps and attempts: what a one-line summary needs, also
    when only a page of the steps was read (``runs show`` of a 100,000-step run)."""

    steps: int
    step_counts: dict[str, int]
    oom_kills: int
    oom_survivors: int  # completed steps that had an OOM-killed attempt
    retries: int

    @classmethod
    def of(cls, steps: dict[str, StepRun]) -> RunTotals:
        counts: dict[str, int] = {}
        ooms = survivors = retries = 0
        for s in steps.values():
            counts[s.status.value] = counts.get(s.status.value, 0) + 1
            killed = sum(
                1 for a in s.attempts if a.failure and a.failure.kind is FailureKind.OOM_KILLED
            )
            ooms += killed
            survivors += bool(killed and s.status is StepStatus.COMPLETED)
            retries += max(0, len(s.attempts) - 1)
        return cls(len(steps), counts, ooms, survivors, retries)


@dataclass(frozen=True)
class PipelineRun:
    id: str
    name: str
    pipeline: str
    status: RunStatus
    status_rule: str | None
    steps: dict[str, StepRun]
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    heartbeat_at: datetime | None
    params: dict[str, Any]
    orchestrator: dict[str, Any]
    orphaned: bool
    stop_requested: bool
    # Set when ``steps`` holds only a page (or none) of the run's steps: the whole run's counts.
    totals: RunTotals | None = None
    steps_offset: int = 0  # the position of the first step in ``steps``

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.ended_at or datetime.now(tz=UTC)
        return (end - self.started_at).total_seconds()

    @property
    def display_status(self) -> str:
        return "orphaned" if self.orphaned else self.status.value

    def all_totals(self) -> RunTotals:
        """The whole run's counts, whether ``steps`` is whole or a page."""
        return self.totals if self.totals is not None else RunTotals.of(self.steps)

    def summary(self) -> str:
        """One line: "completed: 10 steps, 7 OOM kills survived, 7 retries"."""
        totals = self.all_totals()
        parts = [f"{totals.steps} steps"]
        if self.status is not RunStatus.COMPLETED:
            parts.append(", ".join(f"{n} {k}" for k, n in totals.step_counts.items()))
        if totals.oom_kills:
            survived = totals.oom_survivors
            parts.append(
                f"{totals.oom_kills} OOM kills"
                + (f" ({survived} steps survived them)" if survived else "")
            )
        parts.append(f"{totals.retries} retries")
        return f"{self.display_status}: " + ", ".join(parts)


class RunFailedError(DagwellError):
    """A pipeline run ended failed or cancelled. ``.run`` holds the recorded run."""

    def __init__(self, message: str, run: PipelineRun) -> None:
        super().__init__(message)
        self.run = run
