"""Reading runs back: the PipelineRun / StepRun / Attempt models and the Client.

These are the names DESIGN.md fixes. They are read models built from store rows: nothing
here writes a status. A run whose orchestrator stopped heart-beating (or whose process is
gone on this host) is reported as ``orphaned``; ``dagwell runs resume`` continues it.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dagwell.failures import Failure, FailureKind, OomScope
from dagwell.home import Home, resolve_home
from dagwell.manifest import ArtifactRef
from dagwell.statuses import AttemptStatus, RunStatus, StepStatus

ORPHAN_AFTER = 30.0  # seconds without a heartbeat before a running run counts as orphaned


def _dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)


def _duration(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else max(0.0, end - start)


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
    _client: Client | None = field(default=None, repr=False, compare=False)

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
        assert self._client is not None
        return self._client.artifacts().get(self.outputs[name])


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

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.ended_at or datetime.now(tz=UTC)
        return (end - self.started_at).total_seconds()

    @property
    def display_status(self) -> str:
        return "orphaned" if self.orphaned else self.status.value

    def summary(self) -> str:
        """One line: "completed: 10 steps, 7 OOM kills survived, 7 retries"."""
        attempts = [a for s in self.steps.values() for a in s.attempts]
        ooms = sum(1 for a in attempts if a.failure and a.failure.kind is FailureKind.OOM_KILLED)
        retries = sum(max(0, len(s.attempts) - 1) for s in self.steps.values())
        counts: dict[str, int] = {}
        for s in self.steps.values():
            counts[s.status.value] = counts.get(s.status.value, 0) + 1
        parts = [f"{len(self.steps)} steps"]
        if self.status is not RunStatus.COMPLETED:
            parts.append(", ".join(f"{n} {k}" for k, n in counts.items()))
        if ooms:
            survived = sum(
                1
                for s in self.steps.values()
                if s.status is StepStatus.COMPLETED
                and any(a.failure and a.failure.kind is FailureKind.OOM_KILLED for a in s.attempts)
            )
            parts.append(
                f"{ooms} OOM kills" + (f" ({survived} steps survived them)" if survived else "")
            )
        parts.append(f"{retries} retries")
        return f"{self.display_status}: " + ", ".join(parts)


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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def boot_id() -> str:
    try:
        return open("/proc/sys/kernel/random/boot_id").read().strip()
    except OSError:
        return "unknown"


def owner_tag() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{boot_id()}"


def is_orphaned(
    status: str,
    heartbeat_at: float | None,
    owner: str | None,
    now: float | None = None,
    after: float = ORPHAN_AFTER,
) -> bool:
    """A running run whose orchestrator is gone: dead pid on this host, or a stale heartbeat."""
    if status != RunStatus.RUNNING.value:
        return False
    now = time.time() if now is None else now
    if owner:
        host, _, rest = owner.partition(":")
        pid_text, _, boot = rest.partition(":")
        if host == socket.gethostname() and boot == boot_id() and pid_text.isdigit():
            return not _pid_alive(int(pid_text))
    return heartbeat_at is None or now - heartbeat_at > after


class Client:
    """Read runs from the store: ``Client().get_run(id)``, ``Client().list_runs()``."""

    def __init__(
        self,
        home: str | os.PathLike[str] | None = None,
        *,
        store_url: str | None = None,
        artifact_store: str | None = None,
    ) -> None:
        self.home: Home = resolve_home(home, store_url=store_url, artifacts=artifact_store)
        self._store: Any = None
        self._artifacts: Any = None

    def store(self) -> Any:
        if self._store is None:
            from dagwell.store import Store

            self._store = Store.open(self.home.store_url)
        return self._store

    def artifacts(self) -> Any:
        if self._artifacts is None:
            from dagwell.artifacts import open_artifact_store

            self._artifacts = open_artifact_store(self.home.artifacts)
        return self._artifacts

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def resolve(self, run: str) -> str:
        return str(self.store().resolve_run_id(run))

    def get_run(self, run_id: str) -> PipelineRun:
        store = self.store()
        run_id = store.resolve_run_id(run_id)
        row = store.run_row(run_id)
        return self._build(row, store.step_rows(run_id), store.attempt_rows(run_id))

    def list_runs(
        self, *, limit: int = 20, pipeline: str | None = None, status: str | None = None
    ) -> list[PipelineRun]:
        store = self.store()
        runs = []
        for row in store.list_runs(limit=limit, pipeline=pipeline, status=status):
            runs.append(self._build(row, store.step_rows(row["id"]), store.attempt_rows(row["id"])))
        return runs

    def stop_run(self, run_id: str) -> PipelineRun:
        """Ask a run to stop; an orphaned run is stopped here and now (see runner.stop)."""
        from dagwell.runner import stop_run

        return stop_run(self, run_id)

    def logs(self, run_id: str, step: str | None = None, attempt: int | None = None) -> str:
        run = self.get_run(run_id)
        chunks = []
        steps = [run.steps[step]] if step else list(run.steps.values())
        if step and step not in run.steps:
            raise KeyError(f"Run {run.id} has no step {step!r}; it has {', '.join(run.steps)}.")
        for s in steps:
            for a in s.attempts:
                if attempt is not None and a.number != attempt:
                    continue
                path = self.home.log_path(run.id, s.name, a.number)
                text = path.read_text(errors="replace") if path.exists() else "(no log)\n"
                chunks.append(f"==> {s.name} attempt {a.number} ({a.status.value}) <==\n{text}")
        return "\n".join(chunks)

    def _build(
        self,
        row: dict[str, Any],
        step_rows: list[dict[str, Any]],
        attempt_rows: list[dict[str, Any]],
    ) -> PipelineRun:
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
                    started_at=_dt(a["started_at"]),
                    ended_at=_dt(a["ended_at"]),
                    exit_code=a["exit_code"],
                    signal=a["signal"],
                    budget=a["budget"],
                    backoff=a["backoff"],
                    node=a["node"],
                    external_id=a["external_id"],
                )
            )
        steps = {}
        for s in step_rows:
            steps[s["step_id"]] = StepRun(
                name=s["step_id"],
                step_name=s["name"],
                status=StepStatus(s["status"]),
                attempts=sorted(by_step.get(s["step_id"], []), key=lambda a: a.number),
                started_at=_dt(s["started_at"]),
                ended_at=_dt(s["ended_at"]),
                note=s["note"],
                cached_from=s["cached_from"],
                upstream=list(s["upstream"] or []),
                params=dict(s["params"] or {}),
                outputs={k: ArtifactRef.from_json(v) for k, v in (s["outputs"] or {}).items()},
                _client=self,
            )
        return PipelineRun(
            id=row["id"],
            name=row["name"],
            pipeline=row["pipeline"],
            status=RunStatus(row["status"]),
            status_rule=row["status_rule"],
            steps=steps,
            created_at=_dt(row["created_at"]) or datetime.now(tz=UTC),
            started_at=_dt(row["started_at"]),
            ended_at=_dt(row["ended_at"]),
            heartbeat_at=_dt(row["heartbeat_at"]),
            params=dict(row["params"] or {}),
            orchestrator=dict(row["orchestrator"] or {}),
            orphaned=is_orphaned(row["status"], row["heartbeat_at"], row["owner"]),
            stop_requested=bool(row["stop_requested"]),
        )
