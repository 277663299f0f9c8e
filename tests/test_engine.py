"""Engine behaviour on real local runs: timeouts, parallelism, bounds, progress, hooks."""

import io
import time

import pytest

import workloads
from dagwell import LocalOrchestrator, ResourceSettings, StepRetryConfig, pipeline
from dagwell import step as dagwell_step
from dagwell.core.failures import FailureKind
from dagwell.core.statuses import RunStatus, StepStatus
from helpers import outcome


def test_timeout_kills_the_attempt_and_retries(home):
    slow = workloads.nap.with_options(timeout=0.5, retry=StepRetryConfig(max_retries=1))

    @pipeline(enable_cache=False)
    def p():
        slow(30)

    started = time.monotonic()
    run = outcome(p)
    assert time.monotonic() - started < 10
    attempts = run.steps["nap"].attempts
    assert [a.failure.kind for a in attempts] == [FailureKind.TIMEOUT, FailureKind.TIMEOUT]
    assert "timeout of 500ms" in attempts[0].failure.message
    assert run.status is RunStatus.FAILED


def test_parallelism_is_bounded_by_max_parallelism(home):
    @pipeline(enable_cache=False)
    def p():
        for _ in range(6):
            workloads.nap(0.5)

    run = p.with_options(orchestrator=LocalOrchestrator(max_parallelism=2))()
    spans = [(a.started_at, a.ended_at) for s in run.steps.values() for a in s.attempts]
    most = max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)
    assert most == 2
    elapsed = (max(e for _, e in spans) - min(s for s, _ in spans)).total_seconds()
    assert 1.4 < elapsed < 5


def test_a_request_larger_than_the_node_fails_fast_with_the_numbers(home):
    huge = workloads.nap.with_options(resources=ResourceSettings(memory="2GB"))

    @pipeline(enable_cache=False)
    def p():
        huge(0)

    run = outcome(p.with_options(orchestrator=LocalOrchestrator(memory="1GB")))
    s = run.steps["nap"]
    assert s.status is StepStatus.FAILED and s.attempts == []
    assert "needs 2.0 GB but the node has only 1.0 GB" in s.note


def test_cascading_cache_hits_do_not_wait_for_a_heartbeat(home):
    """Regression: a step made ready by a cache hit used to wait for the next loop tick."""

    @dagwell_step
    def inc(x: int) -> int:
        return x + 1

    @pipeline
    def chain():
        x = inc(0)
        for _ in range(5):
            x = inc(x)

    chain()
    started = time.monotonic()
    second = chain()
    assert all(s.status is StepStatus.CACHED for s in second.steps.values())
    # Waiting for a tick, the five steps after the first took >= 5 heartbeats (1 s each);
    # a bound of 1 s also failed a correct engine on a loaded machine (three test workers
    # beside other work).
    assert time.monotonic() - started < 3.0


def test_on_retry_hook_and_continue_mode(home):
    events = []

    @dagwell_step(
        retry=StepRetryConfig(max_retries=2),
        on_retry=lambda e: events.append((e.step, e.attempt, e.retry_in)),
    )
    def flaky() -> None:
        raise RuntimeError("always")

    @pipeline(enable_cache=False, on_failure="continue")
    def p():
        flaky()
        workloads.load(2)

    run = outcome(p)
    assert [(s, a) for s, a, _ in events] == [("flaky", 1), ("flaky", 2)]
    assert run.steps["load"].status is StepStatus.COMPLETED
    assert len(run.steps["flaky"].attempts) == 3


def test_live_progress_renders(home, monkeypatch):
    from rich.console import Console

    from dagwell.display import live as progress_module

    buffer = io.StringIO()
    original = progress_module.RichProgress.__init__

    def init(self, events=6):
        original(self, events)
        self.console = Console(file=buffer, force_terminal=True, width=100)

    monkeypatch.setattr(progress_module.RichProgress, "__init__", init)
    monkeypatch.setenv("DAGWELL_PROGRESS", "1")
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)

    @pipeline(enable_cache=False)
    def p():
        flaky_once()

    @dagwell_step(retry=StepRetryConfig(max_retries=1))
    def flaky_once() -> None:
        raise RuntimeError("x")

    outcome(p)
    text = buffer.getvalue()
    assert "dagwell p (" in text and "flaky_once attempt 1: user_error" in text
    assert "failed 1" in text


def test_progress_is_quiet_without_a_terminal(home, capsys):
    workloads.ml(n=1)
    captured = capsys.readouterr()
    assert "dagwell ml" not in captured.err


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_start_methods_report_the_same_failures(home, method):
    run = outcome(
        workloads.failing.with_options(orchestrator=LocalOrchestrator(start_method=method))
    )
    assert run.steps["explode"].attempts[0].failure.message.startswith("ValueError: boom")


def test_a_node_cpu_limit_applies_to_every_attempt(home, cgroups):
    """Regression: attempts without a cpu limit of their own escaped the node's cpu cgroup."""
    if cgroups != "v1":
        pytest.skip("checks the cgroup v1 cpu hierarchy")
    run = workloads.where_am_i.with_options(orchestrator=LocalOrchestrator(cpu=0.5))()
    lines = run.steps["my_cgroups"].output.load().splitlines()
    cpu_line = next(line for line in lines if ":cpu:" in line or ":cpu," in line)
    memory_line = next(line for line in lines if ":memory:" in line)
    assert f"/run-{run.id}" in cpu_line and f"/run-{run.id}/my_cgroups.1" in memory_line


def test_dagwell_local_memory_sets_the_default_node(home, monkeypatch):
    monkeypatch.setenv("DAGWELL_LOCAL_MEMORY", "900MB")
    run = workloads.ml(n=1)
    assert run.orchestrator["node_memory"] == 900 * 10**6
    explicit = workloads.ml.with_options(orchestrator=LocalOrchestrator(memory="1GB"))(n=2)
    assert explicit.orchestrator["node_memory"] == 10**9  # the code wins over the environment


def test_an_orchestrator_killed_before_recording_its_run_leaves_no_cgroup(home, cgroups):
    """Regression: the node cgroup was created with the runtime, before the run record;
    an orchestrator killed in between leaked it, with no run to resume or stop."""
    from pathlib import Path

    from dagwell.core.home import resolve_home

    runtime = LocalOrchestrator().open_runtime("notrecorded1", resolve_home(), {})
    try:
        assert not Path(runtime.info.details["node_cgroup"]).exists()
    finally:
        runtime.close()


def test_the_loop_freezes_the_heap_and_leaves_the_collector_as_it_found_it(home, tmp_path):
    """The engine moves the heap alive before its loop out of the collector's reach
    (gc.freeze) and back after it: nothing stays uncollectable, and a caller's own freeze
    is not undone."""
    import gc

    seen: list[int] = []
    gate = tmp_path / "gate"

    def look() -> None:  # an on_success hook runs in the orchestrator, during the loop
        seen.append(gc.get_freeze_count())
        gate.touch()  # (only now may the run's last step end: the loop surely still runs)

    nap = workloads.nap.with_options(on_success=look, enable_cache=False)

    @pipeline(enable_cache=False)
    def p() -> None:
        nap(0, id="first")
        workloads.gated(str(gate), 60.0, after="first")

    assert gc.get_freeze_count() == 0
    assert p().status is RunStatus.COMPLETED
    assert seen and seen[0] > 0  # frozen while the loop ran
    assert gc.get_freeze_count() == 0  # and unfrozen at its end
    gc.freeze()
    try:
        assert p().status is RunStatus.COMPLETED
        assert gc.get_freeze_count() > 0  # left frozen: the caller's, not the engine's
    finally:
        gc.unfreeze()
