"""The run's state machine: statuses, attempts, budgets and admission. Pure, no I/O.

The engine feeds it facts (a step is ready and not cached; an attempt ended with this
outcome; the clock moved; stop was requested) and it answers with decisions (start these
attempts, kill that one) while appending every status change to ``changes``. It is the
only writer of step statuses, through :func:`dagwell.statuses.step_transition`, and it
reads time only as an argument, so the property tests can drive it through any story.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dagwell.core.admission import Candidate, NodeView, admit
from dagwell.core.dag import Dag
from dagwell.core.failures import Failure, FailureKind, OomScope
from dagwell.core.plan import FailureMode, StepSpec
from dagwell.core.retry import RetryPolicy, decide_retry
from dagwell.core.run_rules import run_status
from dagwell.core.statuses import (
    DONE_STEP_STATUSES,
    TERMINAL_STEP_STATUSES,
    AttemptStatus,
    RunStatus,
    StepStatus,
    attempt_transition,
    step_transition,
)
from dagwell.core.units import format_bytes, format_seconds

MiB = 2**20


@dataclass(frozen=True)
class SchedulerConfig:
    node_memory: int | None = None  # what the run may use at once (the node, or a budget)
    largest_node: int | None = None  # the most one attempt can get (Kubernetes); None: node_memory
    node_cpu: float | None = None
    max_parallelism: int = 16
    infra_retries: int = 2
    failure_mode: FailureMode = "stop"
    default_request: int = 64 * MiB
    queue_timeout: float | None = 3600.0
    headroom: float = 1.2
    starvation_grace: float = 10.0


@dataclass(frozen=True)
class Launch:
    step_id: str
    attempt: int
    memory_limit: int | None  # the attempt's own limit, None when undeclared
    request: int  # what admission reserved for it


@dataclass(frozen=True)
class Kill:
    step_id: str
    attempt: int
    reason: FailureKind


@dataclass(frozen=True)
class Outcome:
    ok: bool
    failure: Failure | None = None
    peak_memory: int | None = None
    # the memory limit the attempt ran under, as the runtime saw it: for an undeclared
    # step, one dagwell did not set (a Kubernetes LimitRange default), which an OOM kill
    # at that limit grows from under memory_factor
    memory_limit: int | None = None


@dataclass(frozen=True)
class StepChange:
    step_id: str
    old: StepStatus
    new: StepStatus
    note: str = ""
    failure: Failure | None = None
    retry_in: float | None = None
    attempt: int = 0  # the step's latest attempt number when the change happened
    at: float = 0.0  # when it happened (the time of the call that caused it)


@dataclass(frozen=True)
class AttemptStarted:
    step_id: str
    attempt: int
    memory_limit: int | None
    request: int


@dataclass(frozen=True)
class AttemptEnded:
    step_id: str
    attempt: int
    status: AttemptStatus
    failure: Failure | None
    budget: str | None  # which budget its retry drew on, if it was retried
    backoff: float | None


Change = StepChange | AttemptStarted | AttemptEnded


@dataclass
class StepState:
    id: str
    name: str
    upstream: tuple[str, ...]
    declared_memory: int | None
    cpu: float
    retry: RetryPolicy
    timeout: float | None
    priority: int = 0
    status: StepStatus = StepStatus.PENDING
    attempt: int = 0
    step_retries: int = 0
    infra_retries: int = 0
    limit: int | None = None  # own limit for the next/current attempt
    oom_estimate: int = 0  # raised after node-pressure OOM kills
    request: int = 0  # reserved while running
    queued_at: float = 0.0
    retry_at: float | None = None
    started_at: float | None = None
    stopping: FailureKind | None = None
    handed_out: bool = False


class Scheduler:
    def __init__(
        self,
        steps: Iterable[StepSpec],
        config: SchedulerConfig,
        *,
        learned: Mapping[str, int] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.rng = rng or random.Random()
        self.steps: dict[str, StepState] = {}
        for spec in steps:
            self.steps[spec.id] = StepState(
                id=spec.id,
                name=spec.name,
                upstream=spec.upstream,
                declared_memory=spec.memory,
                cpu=spec.cpu or 0.0,
                retry=spec.retry,
                timeout=spec.timeout,
                priority=spec.priority,
                limit=spec.memory,
            )
        self.dag = Dag.from_upstream({sid: s.upstream for sid, s in self.steps.items()})
        self.downstream = self.dag.downstream()
        self.learned: dict[str, int] = dict(learned or {})
        self._index: dict[StepStatus, dict[str, StepState]] = {st: {} for st in StepStatus}
        self._unmet: dict[str, int] = {}
        self._ready: list[str] = []
        self.reindex()
        self.changes: list[Change] = []
        self.stop_requested = False
        self.orchestrator_lost = False  # stopped because a detached run's orchestrator is gone
        self.halted_by: str | None = None  # the failed step that stopped the run
        self._kills: list[Kill] = []  # decided outside tick() (fail_fast), handed out by it
        self.slots = config.max_parallelism
        self.now = 0.0  # the latest time any call told the scheduler about

    def reindex(self) -> None:
        """Rebuild the status index and the ready list from the states (after a restore)."""
        for group in self._index.values():
            group.clear()
        for state in self.steps.values():
            self._index[state.status][state.id] = state
        self._ready = []
        for state in self.steps.values():
            done = {up for up in state.upstream if self.steps[up].status in DONE_STEP_STATUSES}
            self._unmet[state.id] = len(state.upstream) - len(done)
            if self._unmet[state.id] == 0 and state.status is StepStatus.PENDING:
                self._ready.append(state.id)

    def _group(self, *statuses: StepStatus) -> list[StepState]:
        return [state for status in statuses for state in self._index[status].values()]

    # -- queries ---------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return not any(
            group for status, group in self._index.items() if status not in TERMINAL_STEP_STATUSES
        )

    def run_status(self) -> RunStatus:
        present = [status for status, group in self._index.items() if group]
        return run_status(
            present, self.stop_requested, self.orchestrator_lost
        )  # the rules only ask "is any ..."

    def running(self) -> list[StepState]:
        return list(self._index[StepStatus.RUNNING].values())

    def counts(self) -> dict[StepStatus, int]:
        return {status: len(group) for status, group in self._index.items()}

    def _oldest_queued(self) -> StepState | None:
        """The queue is the QUEUED index, in the order steps entered it."""
        return next(iter(self._index[StepStatus.QUEUED].values()), None)

    def next_wakeup(self) -> float | None:
        times: list[float] = [self.now] if self._kills else []  # kills to hand out: now
        for s in self._index[StepStatus.RETRYING].values():
            if s.retry_at is not None:
                times.append(s.retry_at)
        for s in self._index[StepStatus.RUNNING].values():
            if s.timeout and s.started_at is not None and s.stopping is None:
                times.append(s.started_at + s.timeout)
        oldest = self._oldest_queued()
        if oldest is not None and self.config.queue_timeout is not None:
            times.append(oldest.queued_at + self.config.queue_timeout)
        return min(times) if times else None

    def request_of(self, state: StepState) -> int:
        """Memory to reserve: the own limit, else what was learned, else the default."""
        if state.limit is not None:
            return state.limit
        learned = self.learned.get(state.name)
        estimate = max(
            self.config.default_request,
            int(learned * self.config.headroom) if learned else 0,
            state.oom_estimate,
        )
        if self.config.node_memory is not None:
            estimate = min(estimate, self.config.node_memory)
        return estimate

    # -- transitions -----------------------------------------------------------------
    def _move(
        self,
        state: StepState,
        new: StepStatus,
        note: str = "",
        *,
        failure: Failure | None = None,
        retry_in: float | None = None,
    ) -> None:
        old = state.status
        state.status = step_transition(old, new)
        del self._index[old][state.id]
        self._index[new][state.id] = state
        if new in DONE_STEP_STATUSES:
            for down in self.downstream[state.id]:
                self._unmet[down] -= 1
                if self._unmet[down] == 0:
                    self._ready.append(down)
        self.changes.append(
            StepChange(state.id, old, new, note, failure, retry_in, state.attempt, self.now)
        )

    def take_ready(self) -> list[str]:
        """Pending steps whose upstream steps are all done; each is handed out once.

        The engine answers each with :meth:`cached` or :meth:`enqueue`.
        """
        if self.stop_requested or self.halted_by:
            return []
        ready = []
        for step_id in self._ready:
            state = self.steps[step_id]
            if state.status is StepStatus.PENDING and not state.handed_out:
                state.handed_out = True
                ready.append(step_id)
        self._ready = []
        return ready

    def cached(self, step_id: str) -> None:
        state = self.steps[step_id]
        if state.status is StepStatus.PENDING:
            self._move(state, StepStatus.CACHED, "outputs reused from the cache")

    def enqueue(self, step_id: str, now: float) -> None:
        self.now = now
        state = self.steps[step_id]
        if state.status is StepStatus.PENDING:  # not skipped by a failure meanwhile
            self._queue(state, now)

    def _queue(self, state: StepState, now: float, note: str = "") -> None:
        """Into the queue, unless no node could ever hold it: then it fails at once."""
        state.queued_at = now
        self._move(state, StepStatus.QUEUED, note)
        too_big = self._too_big(state)
        if too_big:
            self._fail(state, Failure(FailureKind.UNSCHEDULABLE, too_big, retryable=False))

    def may_admit(self) -> bool:
        """Whether :meth:`admit` could start anything now (no stop, a free slot, a queued
        step): a caller reads the node's memory for it only then."""
        if self.stop_requested or self.halted_by:
            return False
        slots = min(self.slots, self.config.max_parallelism)
        return len(self._index[StepStatus.RUNNING]) < slots and bool(self._index[StepStatus.QUEUED])

    def admit(self, now: float, observed_memory: int | None = None) -> list[Launch]:
        self.now = now
        if not self.may_admit():
            return []
        running = self.running()
        slots = min(self.slots, self.config.max_parallelism)
        window = itertools.islice(self._index[StepStatus.QUEUED].values(), 4 * slots + 64)
        candidates = [
            Candidate(s.id, self.request_of(s), s.cpu, s.queued_at, s.priority) for s in window
        ]
        node = NodeView(
            memory=self.config.node_memory,
            cpu=self.config.node_cpu,
            reserved_memory=sum(s.request for s in running),
            observed_memory=observed_memory,
            reserved_cpu=sum(s.cpu for s in running),
            running=len(running),
            slots=slots,
        )
        launches = []
        requests = {c.step_id: c.request for c in candidates}
        for step_id in admit(
            candidates, node, now=now, starvation_grace=self.config.starvation_grace
        ):
            state = self.steps[step_id]
            state.attempt += 1
            state.request = requests[step_id]
            state.started_at = now
            state.stopping = None
            self._move(state, StepStatus.RUNNING)
            self.changes.append(AttemptStarted(step_id, state.attempt, state.limit, state.request))
            launches.append(Launch(step_id, state.attempt, state.limit, state.request))
        return launches

    def _too_big(self, state: StepState) -> str | None:
        node = self.config.node_memory
        largest = self.config.largest_node
        if largest is not None and state.limit is not None and state.limit > largest:
            return (
                f"Step {state.id!r} needs {format_bytes(state.limit)} but the largest node "
                f"offers {format_bytes(largest)}: lower ResourceSettings(memory=...) or add a "
                "bigger node."
            )
        if node is not None and state.limit is not None and state.limit > node:
            return (
                f"Step {state.id!r} needs {format_bytes(state.limit)} but the node has only "
                f"{format_bytes(node)}: lower ResourceSettings(memory=...) or give the "
                "orchestrator more memory."
            )
        cpu = self.config.node_cpu
        if cpu is not None and state.cpu > cpu:
            return (
                f"Step {state.id!r} needs {state.cpu:g} CPUs but the node has {cpu:g}: lower "
                "ResourceSettings(cpu_count=...) or give the orchestrator more CPUs."
            )
        return None

    def attempt_ended(self, step_id: str, attempt: int, outcome: Outcome, now: float) -> None:
        self.now = now
        state = self.steps[step_id]
        if state.status is not StepStatus.RUNNING or attempt != state.attempt:
            return  # a late duplicate report of an attempt already recorded
        if outcome.ok:
            self._completed(state, outcome)
            return
        failure = outcome.failure or Failure(FailureKind.LOST, "the attempt ended without a result")
        if state.stopping is not None:  # dagwell killed it: say why, keep the evidence
            said = _stop_message(state, self.halted_by, self.config.failure_mode)
            if failure.kind is state.stopping:  # the runtime's words on the kill itself
                said = _then(said, failure.message)  # (a pod the API refused to delete)
            failure = Failure(
                state.stopping,
                said,
                failure.exit_code,
                failure.signal,
                failure.reason,
                None,
                True,
                failure.node,
                failure.traceback,
            )
        if failure.kind is FailureKind.OOM_KILLED and failure.oom_scope is OomScope.NODE_PRESSURE:
            self._after_node_pressure(state, outcome)
        if failure.kind is FailureKind.CANCELLED:
            self._attempt_ended(state, AttemptStatus.CANCELLED, failure)
            self._move(state, StepStatus.CANCELLED, failure.message, failure=failure)
            return
        decision = decide_retry(
            failure=failure,
            policy=state.retry,
            step_retries_used=state.step_retries,
            infra_retries_used=state.infra_retries,
            infra_budget=self.config.infra_retries,
            memory_limit=state.limit if state.limit is not None else _imposed(outcome),
            node_memory=self.config.node_memory,
            jitter_sample=self.rng.random(),
        )
        if decision.retry and self.stop_requested:  # (it ended before the stop reached it)
            failure = failure.with_message(
                _then(failure.message, "Not retried: the run was stopped.")
            )
            self._attempt_ended(state, AttemptStatus.FAILED, failure)
            self._move(state, StepStatus.CANCELLED, "retry not started: the run was stopped")
            return
        message = _then(failure.message, decision.note)
        failure = failure.with_message(message)
        if decision.retry and not self.halted_by:
            if decision.budget == "infra":
                state.infra_retries += 1
            else:
                state.step_retries += 1
            state.limit = decision.memory_limit
            state.retry_at = now + decision.delay
            self._attempt_ended(
                state, AttemptStatus.FAILED, failure, decision.budget, decision.delay
            )
            self._move(
                state, StepStatus.RETRYING, message, failure=failure, retry_in=decision.delay
            )
            return
        if decision.retry:
            message = f"{message} Not retried: the run is stopping."
            failure = failure.with_message(message)
        self._attempt_ended(state, AttemptStatus.FAILED, failure)
        state.limit = decision.memory_limit if decision.memory_limit else state.limit
        self._fail(state, failure)

    def _attempt_ended(
        self,
        state: StepState,
        status: AttemptStatus,
        failure: Failure | None = None,
        budget: str | None = None,
        backoff: float | None = None,
    ) -> None:
        """An attempt ends: its status passes the attempt transition table too."""
        status = attempt_transition(AttemptStatus.RUNNING, status)
        self.changes.append(AttemptEnded(state.id, state.attempt, status, failure, budget, backoff))

    def _completed(self, state: StepState, outcome: Outcome) -> None:
        self._attempt_ended(state, AttemptStatus.COMPLETED)
        if outcome.peak_memory:
            self.learned[state.name] = max(self.learned.get(state.name, 0), outcome.peak_memory)
        self.slots = min(self.config.max_parallelism, self.slots + 1)
        self._move(state, StepStatus.COMPLETED)

    def _after_node_pressure(self, state: StepState, outcome: Outcome) -> None:
        """Learn from a node-pressure OOM kill so the same pile-up does not repeat."""
        peak = outcome.peak_memory or state.request
        state.oom_estimate = max(state.oom_estimate, 2 * peak, state.request)
        still_running = sum(1 for s in self.running() if s.id != state.id)
        self.slots = max(1, min(self.slots, still_running))

    def _fail(self, state: StepState, failure: Failure) -> None:
        self._move(state, StepStatus.FAILED, failure.message, failure=failure)
        if self.config.failure_mode == "continue":
            for sid in self.dag.descendants(state.id, self.downstream):
                down = self.steps[sid]
                if down.status is StepStatus.PENDING:
                    self._move(down, StepStatus.SKIPPED, f"upstream step {state.id!r} failed")
            return
        self.halt(state.id)

    def halt(self, step_id: str) -> None:
        """Step ``step_id`` failed and stops the run (modes ``stop`` and ``fail_fast``):
        nothing new starts, and under fail_fast the attempts still running are killed
        (the kills are handed out by :meth:`tick`). Only the first failure halts, and not
        once a stop was requested. Restoring a run calls it for a failure recorded before
        the crash, so the attempts the dead orchestrator left running are killed too."""
        if self.config.failure_mode == "continue" or self.halted_by is not None:
            return
        if self.stop_requested:  # the stop winds the run down already
            return
        self.halted_by = step_id
        self._wind_down(f"the run is stopping: step {step_id!r} failed")
        if self.config.failure_mode == "fail_fast":  # ZenML's FAIL_FAST: stop the rest
            for running in self.running():
                if running.stopping is None:
                    running.stopping = FailureKind.CANCELLED
                    self._kills.append(Kill(running.id, running.attempt, FailureKind.CANCELLED))

    def _wind_down(self, why: str) -> None:
        for state in self._group(StepStatus.PENDING, StepStatus.QUEUED, StepStatus.RETRYING):
            if state.status is StepStatus.PENDING or (
                state.status is StepStatus.QUEUED and state.attempt == 0
            ):
                self._move(state, StepStatus.SKIPPED, why)
            elif state.status in (StepStatus.RETRYING, StepStatus.QUEUED):
                self._move(state, StepStatus.CANCELLED, f"retry not started: {why}")

    def tick(self, now: float) -> list[Kill]:
        """Let time pass: due retries queue up, deadlines kill, queue bounds fail."""
        self.now = now
        kills = [  # (an attempt that ended since its kill was decided needs none)
            kill
            for kill in self._kills
            if self.steps[kill.step_id].status is StepStatus.RUNNING
            and self.steps[kill.step_id].attempt == kill.attempt
        ]
        self._kills = []
        for state in self._group(StepStatus.RUNNING):
            if (
                state.timeout
                and state.started_at is not None
                and state.stopping is None
                and now >= state.started_at + state.timeout
            ):
                state.stopping = FailureKind.TIMEOUT
                kills.append(Kill(state.id, state.attempt, FailureKind.TIMEOUT))
        timeout = self.config.queue_timeout
        while timeout is not None:  # the oldest queued steps first; stop at one still in time
            oldest = self._oldest_queued()
            if oldest is None or now - oldest.queued_at < timeout:
                break
            waited = format_seconds(now - oldest.queued_at)
            wanted = format_bytes(self.request_of(oldest))
            self._fail(
                oldest,
                Failure(
                    FailureKind.UNSCHEDULABLE,
                    f"Step {oldest.id!r} waited {waited} for {wanted} of memory that never "
                    f"became free (node: {format_bytes(self.config.node_memory)}). Lower its "
                    "memory, raise the node's, or raise queue_timeout.",
                ),
            )
        for state in self._group(StepStatus.RETRYING):
            if (
                state.status is StepStatus.RETRYING
                and state.retry_at is not None
                and state.retry_at <= now
            ):
                state.retry_at = None
                self._queue(state, now, f"attempt {state.attempt + 1} queued")
        return kills

    def stop(self, kind: FailureKind = FailureKind.CANCELLED) -> list[Kill]:
        """Stop the run: kill running attempts, skip what has not started. ``kind`` is why
        the killed attempts end: ``cancelled``, or ``orchestrator_lost`` (which fails the run)."""
        if self.stop_requested:
            return []
        self.stop_requested = True
        self.orchestrator_lost = kind is FailureKind.ORCHESTRATOR_LOST
        self._kills = []  # fail_fast's pending kills: every running attempt is killed below
        kills = []
        for state in self.running():
            state.stopping = kind
            kills.append(Kill(state.id, state.attempt, kind))
        self._wind_down("the run was stopped")
        return kills

    def ended_before_stop(self, step_id: str, attempt: int) -> None:
        """Attempt ``attempt`` of ``step_id`` ended before the kill dagwell decided for it
        (a stop, a timeout) reached it: the step's exception was already raised, or its
        orchestrator died first and took it along. Its report is its own end, not the
        kill's: a failure no retry is left for fails the step (and so the run); a retry it
        would have earned is not started once the run is stopping, and the step is
        cancelled."""
        state = self.steps[step_id]
        if state.status is StepStatus.RUNNING and state.attempt == attempt:
            state.stopping = None

    def drain_changes(self) -> list[Change]:
        changes, self.changes = self.changes, []
        return changes


def _stop_message(state: StepState, halted_by: str | None, mode: FailureMode) -> str:
    if state.stopping is FailureKind.TIMEOUT:
        return f"Attempt {state.attempt} ran past its timeout of {format_seconds(state.timeout)}."
    if state.stopping is FailureKind.ORCHESTRATOR_LOST:
        return (
            f"Attempt {state.attempt} was stopped: the run's orchestrator died and its "
            "restarts ran out (see the orchestrator Job's pods for why)."
        )
    if mode == "fail_fast" and halted_by is not None and halted_by != state.id:
        return (
            f"Attempt {state.attempt} was stopped: step {halted_by!r} failed, and the run "
            "fails fast (execution_mode=FAIL_FAST)."
        )
    return f"Attempt {state.attempt} was stopped."


def _then(message: str, note: str) -> str:
    """``message`` and the retry decision's ``note`` after it, as two sentences."""
    message, note = message.strip(), note.strip()
    if not message or not note:
        return message or note
    if not message.endswith((".", "!", "?")):
        message += "."
    return f"{message} {note}"


def _imposed(outcome: Outcome) -> int | None:
    """The limit an undeclared step was OOM-killed at, set by someone other than dagwell
    (a LimitRange default): the next attempt's limit grows from it, as from a declared one."""
    failure = outcome.failure
    if failure is None or failure.kind is not FailureKind.OOM_KILLED:
        return None
    return outcome.memory_limit if failure.oom_scope is OomScope.OWN_LIMIT else None
