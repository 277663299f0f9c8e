"""The engine loop: runtime events in, scheduler decisions out, everything recorded.

One loop per run, in the orchestrator's main thread. Each turn it hands ready steps to the
cache or the queue, lets time pass (backoffs, deadlines), polls the stop flag with the
heartbeat, starts what admission allows, waits for runtime events, and writes the turn's
changes to the store in one short transaction (the ends of attempts seen in one turn are
written with the starts of the next turn's attempts). Evidence is released (pod
finalizers dropped) only after that transaction committed. Hooks are then started in
their own threads, bounded by the pipeline's ``hook_timeout``: they never delay the loop,
a stop, or the record of the run's end, and never change an outcome (the last ones are
waited for after the run's status is written). While the store is out, the loop keeps
watching its attempts and holds their records (see :mod:`.outage`).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dagwell.artifact_store.store import ArtifactStore, manifest_key
from dagwell.core.cache import cache_key
from dagwell.core.errors import (
    ArtifactError,
    DagwellError,
    RunTakenOver,
    StoreUnavailable,
    StoreUnusable,
    TemporaryError,
)
from dagwell.core.failures import Failure, FailureKind
from dagwell.core.home import Home
from dagwell.core.hooks import HookEvent, Hooks
from dagwell.core.manifest import ArtifactRef
from dagwell.core.plan import Plan
from dagwell.core.progress import NullProgress, Progress, live_view
from dagwell.core.run_rules import explain_run_status
from dagwell.core.scheduler import (
    AttemptEnded,
    AttemptStarted,
    Change,
    Outcome,
    Scheduler,
    StepChange,
)
from dagwell.core.statuses import RunStatus, StepStatus, run_transition
from dagwell.core.units import format_bytes, format_seconds
from dagwell.engine import writes
from dagwell.engine.display_guard import guarded
from dagwell.engine.hook_runner import HookRunner
from dagwell.engine.known_tags import KnownTags
from dagwell.engine.log_echo import LogEcho, slots_from_env
from dagwell.engine.outage import Outage
from dagwell.engine.restore import RunningAttempt
from dagwell.engine.signals import (
    Handlers,
    HeldStops,
    SignalStop,
    hurry_on_signals,
    raise_noted,
    restore,
)
from dagwell.runtimes.base import (
    AttemptExited,
    AttemptRunning,
    AttemptSpec,
    AttemptWaiting,
    Runtime,
)
from dagwell.runtimes.exit_guard import driving
from dagwell.runtimes.signal_shield import shielded
from dagwell.runtimes.steady_clock import steady_time
from dagwell.store import (
    AttemptWrite,
    Batch,
    Store,
    UpdateRun,
    UpdateStep,
    retry_window,
)

if TYPE_CHECKING:
    from pathlib import Path

    from dagwell.engine.alerts import AlertWatch

log = logging.getLogger("dagwell.engine.loop")
ECHO_EVERY = 0.1  # seconds: how soon a running step's output line reaches the terminal


@dataclass
class EngineOptions:
    heartbeat_interval: float = 1.0
    flush_interval: float = 0.02  # batch store writes of a busy run over this many seconds
    stop_grace: float = 10.0  # how long a stop waits for killed attempts to be reaped
    owner: str | None = None
    alive_file: Path | None = None  # stamped at every heartbeat (an orchestrator pod's probe)


@dataclass
class Engine:
    run_id: str
    plan: Plan
    store: Store
    artifacts: ArtifactStore
    runtime: Runtime
    scheduler: Scheduler
    home: Home
    functions: Mapping[str, Callable[..., Any] | None] = field(default_factory=dict)
    hooks: Mapping[str, Hooks] = field(default_factory=dict)
    progress: Progress = field(default_factory=NullProgress)
    alerts: AlertWatch | None = None  # webhook/Slack alerts (engine.alerts); never blocks
    options: EngineOptions = field(default_factory=EngineOptions)
    clock: Callable[[], float] = steady_time  # decisions and records (see its module)
    wall: Callable[[], float] = time.time  # the heartbeat's stamp, read by other processes
    outputs: dict[str, dict[str, ArtifactRef]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.progress = guarded(self.progress)  # (a broken display must not end the run)
        self._batch = Batch()
        self._evidence: dict[tuple[str, int], AttemptExited] = {}
        self._cache_keys: dict[str, str] = {}
        self._inputs: dict[str, tuple[dict[str, ArtifactRef], dict[str, Any]]] = {}
        # step id -> the run and step whose outputs it reuses
        self._cached_from: dict[str, tuple[str, str]] = {}
        self._hook_calls: list[tuple[Any, HookEvent, str]] = []
        self._hooks = HookRunner(self.plan.hook_timeout, self.progress.event)
        self._to_release: list[tuple[str, int]] = []
        self._external: dict[tuple[str, int], str] = {}
        self._unnamed: set[tuple[str, int]] = set()  # start recorded before its launch
        self._last_beat = 0.0
        self._last_write = 0.0
        self._hurry = False  # a second signal during a stop: stop waiting for reaps
        # a stop through the store (`dagwell runs stop`): its attempts' ends are waited
        # for until then (stop_grace), as a signal's stop waits for them
        self._stop_deadline: float | None = None
        # admitted attempts a stop cut off before their launch: they end with the stop
        self._unlaunched: list[tuple[str, int]] = []
        # the runtime's events not handled yet: a stop landing among them loses none (its
        # wind-down handles them first: they happened before it)
        self._arrived: list[AttemptExited | AttemptRunning | AttemptWaiting] = []
        self._outage = Outage(retry_window())
        self._tags = KnownTags()  # the run store's tags, for the attempts' add_tags
        self._echo = LogEcho(
            self.progress.output,
            slots_from_env(os.environ.get("DAGWELL_STEP_LOGS")),
            f"dagwell logs {self.run_id} <step>",
        )

    # -- the loop -----------------------------------------------------------------------------
    def run(self, held: HeldStops | None = None) -> RunStatus:
        """Drive the run to its end and record it; ``held``: the stops its caller has held
        since it recorded the run (see :class:`HeldStops`), acted on here, inside the loop's
        stop handling. From the loop's end until the run's end is recorded, a stop is held
        again: the run ends as its steps did, and the signal acts after."""
        with driving(self.run_id):  # (another thread's os._exit waits for the run's end)
            return self._run(held)

    def _run(self, held: HeldStops | None) -> RunStatus:
        calmed: Handlers = {}
        frozen = False
        ending = HeldStops()
        try:
            try:
                if held is not None:
                    held.release()
                self.progress.start(self.run_id, self.plan.pipeline, len(self.plan.steps))
                frozen = _freeze_long_lived()
                self._loop()
                ending.hold()
            except SignalStop as stop:
                calmed = self._stop_now(f"stopped by {stop.name}")
                raise
            except KeyboardInterrupt:
                calmed = self._stop_now("interrupted (Ctrl-C)")
                raise
            except StoreUnavailable as error:
                # An outage that outlasted the window is nobody's stop: record nothing (the
                # store is not there anyway), let the attempts die with the runtime, and
                # leave the run to `runs resume`, which reuses what finished (its manifests
                # are in the artifact store).
                raise self._left_for_resume(error) from error
            except RunTakenOver as error:  # its attempts die with the runtime; none recorded
                log.error("%s", error)
                raise
            except StoreUnusable as error:  # named with its fix: a traceback adds nothing
                log.error("run %s: %s; stopping the run's attempts", self.run_id, error)
                calmed = self._stop_now("the run store failed")
                raise
            except BaseException:
                log.exception("the engine failed; stopping the run's attempts")
                calmed = self._stop_now("the orchestrator failed")
                raise
            finally:
                if frozen:
                    gc.unfreeze()  # back to the oldest generation: collectable as before
                try:
                    self.runtime.close()
                finally:
                    self._echo.close()
                    restore(calmed)
            try:
                status = self._record_end()
            except StoreUnavailable as error:
                raise self._left_for_resume(error) from error
        except BaseException:
            ending.release(deliver=False)
            raise
        ending.release()  # the end is recorded: a signal held meanwhile acts now
        try:
            self._await_hooks(status)
        finally:
            self.progress.finish(status.value)
        return status

    def _await_hooks(self, status: RunStatus) -> None:
        """Give the hooks still running (the last step's on_success, say) until their
        deadlines (hook_timeout). The run's status is recorded already, so a signal or
        Ctrl-C meanwhile only abandons them: the run stays what it is."""
        try:
            self._hooks.drain()
        except KeyboardInterrupt as stop:
            log.warning(
                "run %s: %s while its hooks ran; they are abandoned, the run stays %s",
                self.run_id,
                str(stop) or "interrupted (Ctrl-C)",
                status.value,
            )
            raise

    def _left_for_resume(self, error: StoreUnavailable) -> StoreUnavailable:
        log.error("run %s: %s; it is left for `dagwell runs resume`", self.run_id, error)
        return StoreUnavailable(
            f"{error} The run {self.run_id} was not stopped: once the store is back, "
            f"`dagwell runs resume {self.run_id}` finishes it, reusing finished steps."
        )

    def _loop(self) -> None:
        while True:
            raise_noted()  # (a stop whose first signal user code swallowed)
            now = self.clock()
            if not self._outage.active:  # while the store is out, nothing new starts
                self._handle_ready(now)
            for kill in self.scheduler.tick(now):
                self.runtime.stop(kill.step_id, kill.attempt, kill.reason)
            self._heartbeat(now)
            if self._stop_deadline is not None and time.monotonic() >= self._stop_deadline:
                self._stop_deadline = None  # a stop through the store waits no longer
                self._end_unreaped("dagwell runs stop", FailureKind.CANCELLED)
            observed: int | None = None
            observed_read = False  # (the node's memory is read only for a use of it)
            if not self._outage.active and self.scheduler.may_admit():
                observed, observed_read = self.runtime.observed_memory(), True
                launches = self.scheduler.admit(now, observed)
                if launches and (
                    self.runtime.info.outlives_orchestrator
                    or self.runtime.info.blocks_loop
                    or any(self.plan.steps[launch.step_id].after for launch in launches)
                ):
                    # A step ordered by after= (ZenML's way for a step that reads the steps
                    # before it through the Client) starts once their ends are recorded.
                    # An attempt that outlives its orchestrator (a pod) starts once its own
                    # start is: else a SIGKILL right after its launch leaves it unknown to
                    # the next orchestrator, which would kill it (done or not) and run the
                    # step again. An attempt run in this thread is recorded running before
                    # it runs. Otherwise the write keeps overlapping the next start.
                    self._flush(force=True)
                for n, launch in enumerate(launches):
                    try:
                        self._launch(
                            launch.step_id, launch.attempt, launch.memory_limit, launch.request
                        )
                    except BaseException:  # (a stop: the rest of the batch never starts)
                        self._unlaunched = [(x.step_id, x.attempt) for x in launches[n + 1 :]]
                        raise
            self._flush(force=self.scheduler.finished)
            if self.scheduler.finished or self.progress.wants_detail():  # a terminal, <= 4/s
                if not observed_read:
                    observed = self.runtime.observed_memory()
                self.progress.detail(live_view(self.scheduler, observed))
            if self.scheduler.finished and not self._batch:  # ended, and all of it recorded
                return  # (its last hooks are waited for once the run's status is recorded)
            wake = self.scheduler.next_wakeup()
            timeout = self.options.heartbeat_interval
            if wake is not None:
                timeout = min(timeout, max(0.0, wake - self.clock()))
            if self._batch:  # a deferred write is due soon (or the store's next try)
                timeout = min(timeout, max(self.options.flush_interval, self._outage.wait()))
            self._echo.poll()
            if self._echo.active:  # a step's output shows within ECHO_EVERY
                timeout = min(timeout, ECHO_EVERY)
            with shielded():  # (a stop between the runtime's hand-over and this loses none)
                self._arrived.extend(self.runtime.wait(timeout))
            self._handle_arrived()  # recorded by the next turn's single flush

    def _handle_arrived(self, *, forgive: bool = False) -> None:
        """Handle the runtime's events in order, each dropped once handled (one a stop cut
        short is handled again by the stop: a duplicate end is ignored). One whose handling
        raised is dropped too; ``forgive`` (a stop): logged, the stop goes on."""
        while self._arrived:
            try:
                self._on_event(self._arrived[0])
            except Exception:
                del self._arrived[0]
                if not forgive:
                    raise
                log.exception("run %s: an attempt's end could not be handled", self.run_id)
                continue
            del self._arrived[0]

    def _heartbeat(self, now: float) -> None:
        if now - self._last_beat < self.options.heartbeat_interval:
            return
        self._last_beat = now
        if self.options.alive_file is not None:  # the loop turns, whatever the store does
            self.options.alive_file.touch()
        if self.alerts is not None:
            self.alerts.tick(now)
        if not self._outage.due():
            return
        try:
            stop = self.store.heartbeat(self.run_id, self.wall(), self.options.owner, window=0)
        except StoreUnavailable as error:
            self._store_failed(error)
            return
        self._store_back()
        if stop and not self.scheduler.stop_requested:
            self.progress.event("stop requested: killing running attempts")
            self._stop_deadline = time.monotonic() + self.options.stop_grace
            for kill in self.scheduler.stop():
                self.runtime.stop(kill.step_id, kill.attempt, kill.reason)

    def recover(self, attempts: list[RunningAttempt], *, died_first: bool = False) -> None:
        """Take over attempts a dead orchestrator left running (see :mod:`.resume`).
        ``died_first``: the run is stopping, but its orchestrator died before the stop, so
        an attempt found ended went with it (or on its own): its own end is recorded."""
        for item in attempts:
            spec = self.attempt_spec(item.step_id, item.attempt, item.memory_limit, item.request)
            ended = self.runtime.recover(spec, item.external_id, item.started_at)
            if ended is not None:
                if died_first and not ended.killed_at_takeover:
                    self.scheduler.ended_before_stop(item.step_id, item.attempt)
                self._on_event(ended)
            else:
                self.progress.event(f"{item.step_id} attempt {item.attempt}: adopted")
        ghosts = self.runtime.sweep({(item.step_id, item.attempt) for item in attempts})
        if ghosts:
            log.warning(
                "killed %d attempt(s) of run %s that were launched but never recorded",
                ghosts,
                self.run_id,
            )
        self._flush(force=True)

    def recover_and_stop(
        self,
        attempts: list[RunningAttempt],
        why: str,
        kind: FailureKind = FailureKind.CANCELLED,
        *,
        died_first: bool = False,
    ) -> RunStatus:
        """Stop a run whose orchestrator is gone and record its end. The scheduler stops
        before recovery, so no attempt the dead orchestrator left is retried: they end as
        stopped by ``kind`` however recovery finds them (still running and killed here,
        ended since, or their pod gone); one that completed stays completed.
        ``orchestrator_lost`` fails the run. ``died_first``: a stop asked for after the
        orchestrator died (``dagwell runs stop`` of an orphan) came too late for an
        attempt found ended: that one keeps its own end (``lost`` with its orchestrator,
        OOM-killed...) and its step is cancelled unless that end failed it for good."""
        kills = self.scheduler.stop(kind)
        try:
            self.recover(attempts, died_first=died_first)
            for kill in kills:
                self.runtime.stop(kill.step_id, kill.attempt, kill.reason)
        except BaseException:
            self.runtime.close()
            raise
        return self.stop_and_finish(why, kind)

    def stop_and_finish(self, why: str, kind: FailureKind = FailureKind.CANCELLED) -> RunStatus:
        """Stop the run now and record its end (for a run whose orchestrator is gone);
        ``kind`` is why its attempts end (``orchestrator_lost`` fails the run)."""
        calmed: Handlers = {}
        try:
            calmed = self._stop_now(why, kind)
        finally:
            try:
                self.runtime.close()
            finally:
                restore(calmed)
        return self.scheduler.run_status()

    def _stop_now(self, why: str, kind: FailureKind = FailureKind.CANCELLED) -> Handlers:
        """Stop everything, wait briefly for the kills to land, record what happened.

        A further Ctrl-C or termination signal meanwhile only cuts the wait short; the
        returned handlers are restored by the caller once the runtime is closed too."""
        self._hurry = False
        calmed = hurry_on_signals(self._hurry_stop)
        try:
            self._wind_down(why, kind)
        except StoreUnavailable as error:  # the attempts are stopped; the record must wait
            log.error("%s", self._left_for_resume(error))
        except StoreUnusable as error:
            log.error("recording the stop of run %s failed: %s", self.run_id, error)
        except Exception:
            log.exception("recording the stop of run %s failed", self.run_id)
        return calmed

    def _hurry_stop(self) -> None:
        self._hurry = True

    def _wind_down(self, why: str, kind: FailureKind) -> None:
        self.progress.event(f"stopping: {why}")
        self._handle_arrived(forgive=True)  # (they came before the stop)
        unlaunched = set(self._unlaunched)
        for kill in self.scheduler.stop(kind):
            if (kill.step_id, kill.attempt) not in unlaunched:
                self.runtime.stop(kill.step_id, kill.attempt, kill.reason)
        for step_id, attempt in self._unlaunched:  # (admitted, never launched: nothing to reap)
            self.scheduler.ended_before_stop(step_id, attempt)  # (its own words, not a kill's)
            self.scheduler.attempt_ended(
                step_id,
                attempt,
                Outcome(False, Failure(kind, f"stopped ({why}) before it started")),
                self.clock(),
            )
        self._unlaunched = []
        deadline = time.monotonic() + self.options.stop_grace
        while self.scheduler.running() and time.monotonic() < deadline and not self._hurry:
            for event in self.runtime.wait(0.2):
                self._on_event(event)
        self._end_unreaped(why, kind)
        self._flush(force=True)
        # a stop waits for an unavailable store no longer than for its attempts: then the
        # run is left for `runs resume` (see _stop_now)
        status = self._record_end(min(self._outage.remaining(), self.options.stop_grace))
        self.progress.finish(status.value)

    def _end_unreaped(self, why: str, kind: FailureKind) -> None:
        """The stop's grace is over: record the attempts still running as stopped anyway
        (the runtime could not confirm their kill; it lets go of what is left at close)."""
        for state in self.scheduler.running():
            self.scheduler.attempt_ended(
                state.id,
                state.attempt,
                Outcome(
                    False,
                    Failure(
                        kind,
                        f"Not reaped within {self.options.stop_grace:g}s of the stop ({why}).",
                    ),
                ),
                self.clock(),
            )

    def _record_end(self, window: float | None = None) -> RunStatus:
        """Record the run's status, from the rules, with whatever writes are still held."""
        statuses = [s.status for s in self.scheduler.steps.values()]
        rule = explain_run_status(
            statuses, self.scheduler.stop_requested, self.scheduler.orchestrator_lost
        )
        if rule.status is RunStatus.RUNNING:
            raise DagwellError(
                f"Run {self.run_id} was to be finished with steps still live; "
                "this is a bug in dagwell, please report it."
            )
        status = run_transition(RunStatus.RUNNING, rule.status)
        values: dict[str, Any] = {
            "status": status.value,
            "status_rule": rule.name,
            "ended_at": self.clock(),
        }
        if self.scheduler.stop_requested:  # (a signal's stop too: the record states its facts)
            values["stop_requested"] = True
        end = UpdateRun(self.run_id, values)
        # with what an outage still holds, and within what is left of its window
        self.store.write(
            [*self._batch.ops, end], window=self._outage.remaining() if window is None else window
        )
        self._batch = Batch()
        if self.alerts is not None:
            self.alerts.run_ended(status, rule.name, self.clock())
        return status

    # -- ready steps: cache or queue -----------------------------------------------------------
    def _handle_ready(self, now: float) -> None:
        while ready := self.scheduler.take_ready():  # a cache hit can make more steps ready
            for step_id in ready:
                self._cache_or_queue(step_id, now)

    def _cache_or_queue(self, step_id: str, now: float) -> None:
        if self.scheduler.steps[step_id].status is not StepStatus.PENDING:
            return  # skipped by a failure found earlier in this batch
        spec = self.plan.steps[step_id]
        refs, params = writes.resolve_inputs(spec, self.outputs)
        self._inputs[step_id] = (refs, params)
        # A model artifact looked up when the step starts is not known yet: never a cache hit.
        # Otherwise the step has a key even with its cache off, so that (as in ZenML) what it
        # makes is there for a later run that has the cache on.
        if not any(i.source == "model_artifact" for i in spec.inputs.values()):
            key = cache_key(spec, refs, params)
            self._cache_keys[step_id] = key
            hit = self.store.cache_get(key) if spec.enable_cache else None
            if hit is not None:
                outputs = {k: ArtifactRef.from_json(v) for k, v in hit["outputs"].items()}
                if set(outputs) == set(spec.outputs) and all(
                    self.artifacts.verify(r) for r in outputs.values()
                ):
                    self.outputs[step_id] = outputs
                    self._cached_from[step_id] = (hit["run_id"], hit["step_id"])
                    cascade = (spec.context or {}).get("cascade_tags")
                    if cascade:  # the pipeline's Tag(cascade=True), on reused outputs too
                        from dagwell.artifact_store.registry import tag_outputs

                        tag_outputs(self.artifacts, hit["run_id"], hit["step_id"], outputs, cascade)
                    self._batch.add(
                        UpdateStep(
                            self.run_id,
                            step_id,
                            {
                                "cache_key": key,
                                "cached_from": hit["run_id"],
                                "cached_step": hit["step_id"],
                                "outputs": {k: r.to_json() for k, r in outputs.items()},
                            },
                        )
                    )
                    self.scheduler.cached(step_id)
                    return
                log.warning(
                    "cache entry of %s is unusable (an output is missing or corrupt); "
                    "running the step again",
                    step_id,
                )
        self.scheduler.enqueue(step_id, now)

    # -- launching -----------------------------------------------------------------------------
    def attempt_spec(
        self, step_id: str, attempt: int, memory_limit: int | None, request: int
    ) -> AttemptSpec:
        spec = self.plan.steps[step_id]
        if step_id not in self._inputs:
            self._inputs[step_id] = writes.resolve_inputs(spec, self.outputs)
        lazy = {
            n: self._lazy_input(spec.context or {}, i.value)
            for n, i in spec.inputs.items()
            if i.source == "model_artifact"
        }
        return writes.attempt_spec(
            self.run_id,
            self.plan,
            step_id,
            attempt,
            self._inputs[step_id],
            cached_from=self._cached_from,
            lazy=lazy,
            artifact_store=self.artifacts.url,
            manifest_key=manifest_key(self.run_id, step_id, attempt),
            log_path=str(self.home.log_path(self.run_id, step_id, attempt)),
            memory_limit=memory_limit,
            request=request,
            tags=self._tags.snapshot(self.store),
        )

    def _lazy_input(self, context: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
        """A model-artifact input, looked up now that its step starts (ZenML's lazy loader),
        through the run store too (unnamed outputs, cached steps' links); the attempt is
        handed its ref, or looks it up itself and fails with ZenML's error."""
        from dagwell.artifact_store.registry import find_model_version
        from dagwell.engine import unnamed

        self._flush(force=True)  # the upstream steps' records, for the lookup
        if self._outage.active:  # they could not be written: the attempt starts later
            raise StoreUnavailable(
                "The run store is unavailable, so the model artifact "
                f"{wanted['name']!r} cannot be looked up yet; the step starts again once the "
                "store is back."
            )
        try:
            run_model = context.get("model") or {}
            if wanted["model_version"] is None and run_model.get("name") == wanted["model"]:
                number = int(run_model["number"])
            else:
                doc = find_model_version(self.artifacts, wanted["model"], wanted["model_version"])
                number = int(doc["number"])
            reader = _EngineReader(self.store, self.artifacts)
            with self.store.one_try():  # (an outage is the loop's to ride out, not a wait)
                found = unnamed.model_artifact(
                    reader, wanted["model"], number, wanted["name"], wanted["version"]
                )
        except KeyError:
            return wanted
        except StoreUnavailable as error:
            self._store_failed(error)  # nothing new starts until the store is back
            raise
        return wanted if found is None else {**wanted, "ref": found["ref"]}

    def _launch(self, step_id: str, attempt: int, memory_limit: int | None, request: int) -> None:
        try:
            # (the spec too: a model artifact's lookup in it reads the store, which may be out)
            aspec = self.attempt_spec(step_id, attempt, memory_limit, request)
            external_id = self.runtime.launch(aspec, self.functions.get(step_id))
        except Exception as error:
            if isinstance(error, DagwellError):  # says what is wrong: no traceback to read
                log.error("launching %s attempt %d failed: %s", step_id, attempt, error)
            else:
                log.exception("launching %s attempt %d failed", step_id, attempt)
            temporary = isinstance(error, OSError | TemporaryError) or getattr(
                error, "temporary", False
            )
            kind = FailureKind.LOST if temporary else FailureKind.CONFIG_ERROR
            self._flush()  # record the attempt's start before its end
            self._unnamed.discard((step_id, attempt))
            self.scheduler.attempt_ended(
                step_id,
                attempt,
                Outcome(
                    False,
                    Failure(kind, f"Could not start the attempt: {type(error).__name__}: {error}"),
                ),
                self.clock(),
            )
            return
        key = (step_id, attempt)
        if key in self._unnamed:  # its start is recorded already (an after= step): name it
            self._unnamed.discard(key)
            named = AttemptWrite(self.run_id, step_id, attempt, {"external_id": external_id})
            self._batch.add(named)
        else:
            self._external[key] = external_id
        if self.runtime.info.kind != "inprocess":  # that one tees its output itself
            self._echo.started(step_id, attempt, str(aspec.log_path))

    # -- runtime events ------------------------------------------------------------------------
    def _on_event(self, event: AttemptExited | AttemptRunning | AttemptWaiting) -> None:
        if isinstance(event, AttemptWaiting):
            self._batch.add(UpdateStep(self.run_id, event.step_id, {"note": event.reason}))
            if event.reason:
                self.progress.event(f"{event.step_id} attempt {event.attempt}: {event.reason}")
            return
        if isinstance(event, AttemptRunning):
            self._batch.add(
                AttemptWrite(
                    self.run_id,
                    event.step_id,
                    event.attempt,
                    {"external_id": event.external_id, "node": event.node},
                )
            )
            return
        key = (event.step_id, event.attempt)
        if event.ended_before_stop:
            self.scheduler.ended_before_stop(event.step_id, event.attempt)
        self._evidence[key] = event
        self._to_release.append(key)
        changes = (
            event.manifest.tag_changes
            if event.manifest is not None
            else self._journaled_tags(event.step_id, event.attempt)
        )
        if changes:
            self._record_tags(changes)
        failure = event.failure
        if failure is None:
            failure = self._check_outputs(event)
        self._echo.ended(event.step_id, event.attempt, failed=failure is not None)
        if failure is None:
            assert event.manifest is not None
            outputs = {
                name: event.manifest.outputs[name]
                for name in self.plan.steps[event.step_id].outputs
            }
            self.outputs[event.step_id] = outputs
        self.scheduler.attempt_ended(
            event.step_id,
            event.attempt,
            Outcome(failure is None, failure, event.peak_memory, event.memory_limit),
            self.clock(),
        )

    def _journaled_tags(self, step_id: str, attempt: int) -> list[dict[str, Any]]:
        """The tag changes an attempt that left no result wrote as it made them."""
        from dagwell.artifact_store.tag_journal import journal_key, read_changes

        try:
            return read_changes(self.artifacts, journal_key(self.run_id, step_id, attempt))
        except (OSError, ArtifactError) as error:  # (unreadable: the tags alone are lost)
            log.warning("run %s: %s's tag changes are lost: %s", self.run_id, step_id, error)
            return []

    def _record_tags(self, changes: list[dict[str, Any]]) -> None:
        """Record the tags an attempt put on or took off runs and pipelines. Not strict:
        a Tag given with another ``exclusive=`` than the recorded tag's leaves that one
        as it is (no step's mistake may fail the run's record); a change that is not one
        is left out, saying so."""
        from dagwell.store.tags import ChangeTags, TagSpec

        self._tags.note(changes)
        for change in changes:
            try:
                op = ChangeTags(
                    str(change["kind"]),
                    str(change["id"]),
                    change.get("scope"),
                    self.clock(),
                    add=tuple(TagSpec.from_json(t) for t in change.get("add") or []),
                    remove=tuple(str(n) for n in change.get("remove") or []),
                    strict=False,
                )
            except (KeyError, TypeError, ValueError) as error:
                log.warning("run %s: a tag change %r is left out: %s", self.run_id, change, error)
                continue
            self._batch.add(op)

    def _check_outputs(self, event: AttemptExited) -> Failure | None:
        """Invariant: completed only if the process exited cleanly AND its outputs exist."""
        manifest = event.manifest
        if manifest is None or not manifest.ok:
            return Failure(
                FailureKind.LOST,
                "The attempt exited cleanly but left no result "
                "manifest in the artifact store; its outputs are not trusted.",
                event.exit_code,
                node=event.node,
            )
        wanted = self.plan.steps[event.step_id].outputs
        missing = [
            n
            for n in wanted
            if n not in manifest.outputs or not self.artifacts.exists(manifest.outputs[n])
        ]
        if missing:
            return Failure(
                FailureKind.LOST,
                f"Outputs {', '.join(missing)} are missing from the "
                "artifact store after the attempt ended.",
                event.exit_code,
                node=event.node,
            )
        return None

    # -- recording -----------------------------------------------------------------------------
    def _flush(self, force: bool = False) -> None:
        """Record the scheduler's changes; write them at most every ``flush_interval``
        unless something must see them recorded first (hooks, evidence the runtime
        keeps until recorded, the end of the run)."""
        for change in self.scheduler.drain_changes():
            self._record(change)
        must_write = (
            force
            or bool(self._hook_calls)
            or (bool(self._to_release) and self.runtime.info.release_after_record)
        )
        now = time.monotonic()
        if self._batch and (must_write or now - self._last_write >= self.options.flush_interval):
            if not self._write_held():  # the store is out: evidence and hooks wait for it
                self._hooks.poll()
                self.progress.update(self.scheduler.counts())
                return
            self._last_write = now
        for key in self._to_release:
            with contextlib.suppress(Exception):
                self.runtime.release(*key)
        self._to_release.clear()
        calls, self._hook_calls = self._hook_calls, []
        for hooks, event, what in calls:
            self._hooks.submit(hooks, event, what)
        self._hooks.poll()
        self.progress.update(self.scheduler.counts())

    def _write_held(self) -> bool:
        """Write the held batch with one try; False (batch kept) while the store is out."""
        if not self._outage.due():
            return False
        try:
            self.store.write(self._batch, window=0)
        except StoreUnavailable as error:
            self._store_failed(error)
            return False
        self._batch = Batch()
        self._store_back()
        return True

    def _store_failed(self, error: StoreUnavailable) -> None:
        """Count a failed store call; raises once the outage outlasted the window."""
        if self._outage.failed(error):
            self.progress.event(
                f"the run store is unavailable ({error}); attempts keep running and their "
                f"records are held, retrying for up to {format_seconds(self._outage.window)}"
            )
            log.warning("run %s: the store is unavailable: %s", self.run_id, error)

    def _store_back(self) -> None:
        lasted = self._outage.recovered()
        if lasted is not None:
            self.progress.event(
                f"the run store is back after {format_seconds(lasted)}; held records written"
            )
            log.warning("run %s: the store is back after %.1fs", self.run_id, lasted)

    def _record(self, change: Change) -> None:
        now = self.clock()
        if isinstance(change, AttemptStarted):
            key = (change.step_id, change.attempt)
            external = self._external.pop(key, None)
            if external is None:  # recorded before its launch: _launch names it
                self._unnamed.add(key)
            self._batch.add(writes.attempt_started(self.run_id, change, now, external))
        elif isinstance(change, AttemptEnded):
            self._record_attempt_end(change)
        else:
            self._record_step(change, now)

    def _record_attempt_end(self, change: AttemptEnded) -> None:
        ev = self._evidence.pop((change.step_id, change.attempt), None)
        failure = change.failure
        self._batch.add(writes.attempt_ended(self.run_id, change, ev, self.clock()))
        if failure is not None and self.alerts is not None:
            self.alerts.attempt_ended(change.step_id, change.attempt, failure, self.clock())
        if failure is not None:
            peak = f", peak {format_bytes(ev.peak_memory)}" if ev and ev.peak_memory else ""
            self.progress.event(
                f"{change.step_id} attempt {change.attempt}: {failure.kind.value}{peak}"
            )

    def _record_step(self, change: StepChange, now: float) -> None:
        step_id, new = change.step_id, change.new
        outputs = self.outputs[step_id] if new is StepStatus.COMPLETED else None
        for write in writes.step_changed(
            self.run_id, change, now, outputs, self._cache_keys.get(step_id)
        ):
            self._batch.add(write)
        if new is StepStatus.RETRYING:
            self.progress.event(f"{step_id}: retry in {format_seconds(change.retry_in)}")
        elif new is StepStatus.FAILED:
            self.progress.event(f"{step_id}: failed")
        self._queue_hooks(change)

    def _queue_hooks(self, change: StepChange) -> None:
        hooks = self.hooks.get(change.step_id)
        if hooks is None:
            return
        event = HookEvent(
            self.run_id,
            self.plan.pipeline,
            change.step_id,
            change.attempt,
            change.failure,
            change.retry_in,
            run_name=self.plan.run_name,
            params=self.plan.steps[change.step_id].params,
            artifact_store=self.artifacts.url,
            context={
                **(self.plan.steps[change.step_id].context or {}),
                "run_params": self.plan.params,
                "run_config": self.plan.config,
            },
        )
        if change.new is StepStatus.RETRYING and hooks.on_retry:
            self._hook_calls.append((hooks.on_retry, event, f"on_retry hook of {change.step_id}"))
        elif change.new is StepStatus.FAILED and hooks.on_failure:
            self._hook_calls.append(
                (hooks.on_failure, event, f"on_failure hook of {change.step_id}")
            )
        elif change.new is StepStatus.COMPLETED and hooks.on_success:
            self._hook_calls.append(
                (hooks.on_success, event, f"on_success hook of {change.step_id}")
            )


def _freeze_long_lived() -> bool:
    """Move everything alive before the loop (modules, the plan, the scheduler's states,
    SQLAlchemy's caches) out of the collector's reach for the run: a full collection
    then scans only what the run allocated since, not the whole heap (cyclic GC was ~7%
    of the orchestrator's CPU on a fan-out). Undone by ``gc.unfreeze()`` when the loop
    ends, so nothing stays uncollectable. Not done when the collector is off or someone
    else froze objects (unfreezing would undo theirs)."""
    if not gc.isenabled() or gc.get_freeze_count():
        return False
    gc.freeze()
    return True


class _EngineReader:
    """The engine's own store and artifact store as what engine.unnamed reads through."""

    def __init__(self, store: Any, artifacts: ArtifactStore) -> None:
        self._store = store
        self._artifacts = artifacts

    def store(self) -> Any:
        return self._store

    def artifacts(self, url: str | None = None) -> Any:
        return self._artifacts
