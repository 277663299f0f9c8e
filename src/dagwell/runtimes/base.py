"""The one narrow interface between the engine and any place attempts run.

A runtime launches an attempt, reports what happened to it as events, stops it on
request, recovers one it did not launch (after the orchestrator died and a new one took
over the run), and releases its evidence once the engine has recorded it. It never
retries and never writes the store.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from dagwell.core.failures import Failure, FailureKind
from dagwell.core.manifest import ArtifactRef, ResultManifest
from dagwell.core.plan import Locator

if TYPE_CHECKING:
    from dagwell.core.home import Home
    from dagwell.core.scheduler import SchedulerConfig


@dataclass(frozen=True)
class AttemptSpec:
    """Everything an attempt process needs; JSON-serializable for spawned workers and pods."""

    run_id: str
    step_id: str
    step_name: str
    attempt: int
    locator: Locator
    inputs: dict[str, ArtifactRef]
    params: dict[str, Any]
    outputs: tuple[str, ...]
    artifact_store: str
    manifest_key: str
    memory_limit: int | None = None
    request: int = 0
    cpu: float | None = None
    gpu: int | None = None
    pod: dict[str, Any] | None = None
    log_path: str | None = None  # the orchestrator's copy of the attempt's output
    context: dict[str, Any] | None = None  # for get_step_context(): run name, model, ...
    scratch: str | None = None  # its TMPDIR, removed when it ends (see attempt_scratch)

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "step_id": self.step_id,
            "step_name": self.step_name,
            "attempt": self.attempt,
            "locator": self.locator.to_json(),
            "inputs": {k: v.to_json() for k, v in self.inputs.items()},
            "params": self.params,
            "outputs": list(self.outputs),
            "artifact_store": self.artifact_store,
            "manifest_key": self.manifest_key,
            "memory_limit": self.memory_limit,
            "request": self.request,
            "cpu": self.cpu,
            "gpu": self.gpu,
            "pod": self.pod,
            "log_path": self.log_path,
            "context": self.context,
            "scratch": self.scratch,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AttemptSpec:
        return cls(
            run_id=data["run_id"],
            step_id=data["step_id"],
            step_name=data["step_name"],
            attempt=int(data["attempt"]),
            locator=Locator.from_json(data["locator"]),
            inputs={k: ArtifactRef.from_json(v) for k, v in data["inputs"].items()},
            params=dict(data["params"]),
            outputs=tuple(data["outputs"]),
            artifact_store=data["artifact_store"],
            manifest_key=data["manifest_key"],
            memory_limit=data.get("memory_limit"),
            request=int(data.get("request") or 0),
            cpu=data.get("cpu"),
            gpu=data.get("gpu"),
            pod=data.get("pod"),
            log_path=data.get("log_path"),
            context=data.get("context"),
            scratch=data.get("scratch"),
        )


@dataclass(frozen=True)
class AttemptExited:
    """An attempt reached a terminal state; ``failure`` is None when it succeeded."""

    step_id: str
    attempt: int
    failure: Failure | None
    manifest: ResultManifest | None = None
    exit_code: int | None = None
    signal: int | None = None
    peak_memory: int | None = None
    memory_limit: int | None = None
    started_at: float | None = None
    ended_at: float | None = None
    node: str | None = None
    memory: dict[str, Any] | None = None  # MemorySeries.to_json(): memory over time, if sampled
    # its pod (or process), for a record that may not have it: a pod found by its labels
    # after its orchestrator died, before that one recorded its name
    external_id: str | None = None
    # recover() found it still running and killed it: its end is the takeover's doing
    killed_at_takeover: bool = False
    # dagwell stopped it (a stop, a timeout), but the evidence shows it had ended on its own
    # first (exited, crashed, or wrote its own failure): that end is the truth, not the stop
    ended_before_stop: bool = False


@dataclass(frozen=True)
class AttemptRunning:
    """An attempt is executing (a pod left Pending); ``external_id`` names it."""

    step_id: str
    attempt: int
    external_id: str
    node: str | None = None


@dataclass(frozen=True)
class AttemptWaiting:
    """A launched attempt cannot start yet for a capacity reason that is not a failure
    (e.g. a namespace quota refused its pod): ``reason`` becomes the step's note; None
    when it no longer waits."""

    step_id: str
    attempt: int
    reason: str | None


RuntimeEvent = AttemptExited | AttemptRunning | AttemptWaiting


@dataclass
class RuntimeInfo:
    """What the scheduler must know about where attempts run."""

    kind: str
    node_memory: int | None
    node_cpu: float | None
    details: dict[str, Any] = field(default_factory=dict)
    release_after_record: bool = False  # release() drops evidence: record the end first
    # Its attempts run on when the orchestrator dies, for the next one to adopt (pods): each
    # attempt's start is recorded before its launch, so that none runs unknown to the store.
    outlives_orchestrator: bool = False
    # launch() runs the attempt to its end in the orchestrator's own thread (in-process):
    # its start is recorded before, else the store shows it queued for as long as it runs
    blocks_loop: bool = False


class Runtime(Protocol):
    info: RuntimeInfo

    def launch(self, spec: AttemptSpec, func: Callable[..., Any] | None) -> str:
        """Start an attempt; return its external id (pid, pod name)."""

    def wait(self, timeout: float) -> list[RuntimeEvent]:
        """Block up to ``timeout`` seconds for events; return those that happened."""

    def stop(self, step_id: str, attempt: int, reason: FailureKind) -> None:
        """Kill an attempt; its AttemptExited follows with ``reason`` as its kind."""

    def observed_memory(self) -> int | None:
        """Memory the node really uses now, when the runtime can tell."""

    def recover(
        self, spec: AttemptSpec, external_id: str | None, started_at: float | None
    ) -> AttemptExited | None:
        """Take over an attempt launched by an orchestrator that died.

        Return its end (with whatever evidence is left) when it is over or cannot be
        followed, or None when the runtime adopted it and will report its end as usual.
        """

    def sweep(self, recorded: Collection[tuple[str, int]]) -> int:
        """At takeover, kill attempts of this run that the store never recorded (launched
        just before the old orchestrator died); return how many there were."""

    def release(self, step_id: str, attempt: int) -> None:
        """The engine recorded the attempt's end: drop its evidence (finalizers, cgroups)."""

    def close(self) -> None:
        """Stop everything still running and clean up (cgroups, watches)."""


class Orchestrator(Protocol):
    artifact_store: str | None

    def open_runtime(
        self, run_id: str, home: Home, functions: Mapping[str, Callable[..., Any] | None]
    ) -> Runtime: ...
    def scheduler_config(self, runtime: Runtime) -> SchedulerConfig: ...
    def describe(self) -> dict[str, Any]: ...
