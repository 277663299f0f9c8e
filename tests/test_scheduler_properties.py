"""Property tests: random DAGs and random failure stories, driven through the scheduler.

Whatever happens, every run terminates, its status is the rules applied to its steps,
no budget is overspent, no step starts before its upstream steps are done, and every
kill names a running attempt and is handed out once.
"""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dagwell.core.failures import Failure, FailureKind, OomScope
from dagwell.core.plan import InputSpec, Locator, StepSpec
from dagwell.core.run_rules import run_status
from dagwell.core.scheduler import AttemptEnded, Outcome, Scheduler, SchedulerConfig, StepChange
from dagwell.core.settings import StepRetryConfig
from dagwell.core.statuses import (
    DONE_STEP_STATUSES,
    STEP_TRANSITIONS,
    TERMINAL_STEP_STATUSES,
    StepStatus,
)

MB = 10**6
KINDS = [
    FailureKind.USER_ERROR,
    FailureKind.OOM_KILLED,
    FailureKind.EVICTED,
    FailureKind.LOST,
    FailureKind.CONFIG_ERROR,
    FailureKind.TIMEOUT,
    FailureKind.NODE_LOST,
    FailureKind.PREEMPTED,
]


@st.composite
def dags(draw):
    n = draw(st.integers(1, 9))
    specs = []
    for i in range(n):
        ups = draw(st.sets(st.integers(0, i - 1), max_size=3)) if i else set()
        memory = draw(st.sampled_from([None, None, 100 * MB, 600 * MB, 1500 * MB]))
        retry = StepRetryConfig(
            max_retries=draw(st.integers(0, 3)),
            memory_factor=draw(st.sampled_from([None, 2.0])),
            delay=draw(st.sampled_from([0.0, 0.5])),
        )
        inputs = {f"x{u}": InputSpec("output", step=f"s{u}", output="output") for u in ups}
        specs.append(
            StepSpec(
                f"s{i}",
                f"n{i % 3}",
                Locator("m", "f"),
                inputs,
                memory=memory,
                retry=retry,
                timeout=draw(st.sampled_from([None, 3.0])),
            )
        )
    return specs


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=dags(),
    seed=st.integers(0, 2**32 - 1),
    mode=st.sampled_from(["stop", "continue", "fail_fast"]),
    infra=st.integers(0, 2),
    stop_at=st.one_of(st.none(), st.floats(0, 20)),
)
def test_every_run_terminates_with_the_rules_status(specs, seed, mode, infra, stop_at):
    rnd = random.Random(seed)
    config = SchedulerConfig(
        node_memory=1000 * MB,
        max_parallelism=rnd.randint(1, 4),
        infra_retries=infra,
        failure_mode=mode,
        queue_timeout=50,
    )
    s = Scheduler(specs, config, rng=random.Random(seed))
    by_id = {sp.id: sp for sp in specs}
    running: dict[str, tuple[int, float]] = {}
    killed: set[str] = set()
    kills_sent: set[tuple[str, int]] = set()
    history: dict[str, list[StepStatus]] = {sp.id: [StepStatus.PENDING] for sp in specs}
    launches: dict[str, int] = {}
    now = 0.0
    for _ in range(2000):
        while ready := s.take_ready():
            for sid in ready:
                if rnd.random() < 0.1:
                    s.cached(sid)
                else:
                    s.enqueue(sid, now)
        stop_first = rnd.random() < 0.5  # a stop lands before or after the turn's tick
        for turn in ("stop", "tick") if stop_first else ("tick", "stop"):
            if turn == "tick":
                for kill in s.tick(now):  # each names a live attempt, killed once
                    state = s.steps[kill.step_id]
                    assert state.status is StepStatus.RUNNING
                    assert state.attempt == kill.attempt
                    assert (kill.step_id, kill.attempt) not in kills_sent
                    kills_sent.add((kill.step_id, kill.attempt))
                    killed.add(kill.step_id)
            elif stop_at is not None and now >= stop_at and not s.stop_requested:
                for kill in s.stop():
                    kills_sent.add((kill.step_id, kill.attempt))
                    killed.add(kill.step_id)
        may = s.may_admit()  # the engine reads the node's memory only when it is True
        admitted = s.admit(now, observed_memory=rnd.choice([None, 0, 500 * MB]))
        assert may or not admitted
        for launch in admitted:
            for up in by_id[launch.step_id].upstream:  # never before upstream is done
                assert s.steps[up].status in DONE_STEP_STATUSES
            if launch.memory_limit is not None:
                assert launch.memory_limit <= config.node_memory
            launches[launch.step_id] = launches.get(launch.step_id, 0) + 1
            running[launch.step_id] = (launch.attempt, now + rnd.choice([0.5, 1.0, 4.0]))
        for change in s.drain_changes():
            if isinstance(change, StepChange):
                assert change.new in STEP_TRANSITIONS[history[change.step_id][-1]]
                history[change.step_id].append(change.new)
        statuses = [st_.status for st_ in s.steps.values()]
        assert s.run_status() is run_status(statuses, s.stop_requested)
        if s.finished:
            break
        times = [end for _, end in running.values()]
        wake = s.next_wakeup()
        if wake is not None:
            times.append(wake)
        assert times, "a run that cannot finish has nothing left to wait for"
        now = max(now, min(times))
        for sid, (attempt, end) in list(running.items()):
            if end <= now:
                del running[sid]
                if sid in killed:
                    killed.discard(sid)
                    outcome = Outcome(False, Failure(FailureKind.LOST, "killed"))
                elif rnd.random() < 0.5:
                    outcome = Outcome(True, peak_memory=rnd.randint(1, 900) * MB)
                else:
                    kind = rnd.choice(KINDS)
                    scope = rnd.choice(list(OomScope)) if kind is FailureKind.OOM_KILLED else None
                    outcome = Outcome(
                        False,
                        Failure(kind, "x", oom_scope=scope),
                        peak_memory=rnd.randint(1, 900) * MB,
                    )
                s.attempt_ended(sid, attempt, outcome, now)
    assert s.finished, "the run did not terminate"
    for change in s.drain_changes():
        if isinstance(change, AttemptEnded):
            pass
    for sp in specs:
        state = s.steps[sp.id]
        assert state.status in TERMINAL_STEP_STATUSES
        assert state.step_retries <= sp.retry.max_retries
        assert state.infra_retries <= infra
        assert launches.get(sp.id, 0) == state.attempt
        assert state.attempt <= 1 + sp.retry.max_retries + infra
        if state.status is StepStatus.COMPLETED:
            assert state.attempt >= 1
        if state.status in (StepStatus.SKIPPED, StepStatus.CACHED):
            assert state.attempt == 0
