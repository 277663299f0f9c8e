"""Memory over time: each local attempt's cgroup is sampled while it runs (issue 13)."""

import pytest

import workloads
from dagwell import LocalOrchestrator, ResourceSettings, pipeline
from dagwell.core.failures import FailureKind
from dagwell.core.memory import MAX_POINTS, MemorySeries
from helpers import outcome

MB = 10**6


def test_a_long_series_stays_bounded_and_keeps_its_peak():
    series = MemorySeries()
    for i in range(10 * MAX_POINTS):
        series.add(float(i), 7 * MB if i == 1234 else MB, 2 * MB)
    assert MAX_POINTS // 2 <= len(series.times) < MAX_POINTS
    assert max(series.anon) == 7 * MB  # halving keeps the larger of each pair
    assert series.interval > 0.2 * 8  # a long step is sampled less often
    assert MemorySeries.from_json(series.to_json()).anon == series.anon


@pytest.mark.cgroups
def test_attempts_carry_their_memory_over_time_and_the_node_usage(home, cgroups):
    @pipeline(enable_cache=False)
    def two():
        workloads.hog(150, 1.5)
        workloads.hog(1, 0.0)

    run = two.with_options(orchestrator=LocalOrchestrator(memory="1400MB"))()
    long, short = run.steps["hog"].attempts[0], run.steps["hog_2"].attempts[0]
    assert long.memory is not None, "a 1.5 s attempt is sampled"
    assert len(long.memory.times) >= 4
    assert 140 * MB <= max(long.memory.anon) <= 200 * MB  # anonymous memory, its own
    assert all(n is not None and n >= 0 for n in long.memory.node)
    assert max(n for n in long.memory.node if n is not None) >= 140 * MB
    assert long.memory.kill_at is None
    assert long.started_at.timestamp() <= long.memory.times[0] <= long.ended_at.timestamp()
    assert short.memory is None, "an attempt that ends before its first sample costs nothing"


@pytest.mark.cgroups
def test_an_oom_killed_attempt_records_its_kill_moment(home, cgroups):
    step = workloads.creep.with_options(resources=ResourceSettings(memory="150MB"))

    @pipeline(enable_cache=False)
    def grow():
        step(60, 300, 0.8)

    run = outcome(grow.with_options(orchestrator=LocalOrchestrator(memory="1400MB")))
    attempt = run.steps["creep"].attempts[0]
    assert attempt.failure is not None and attempt.failure.kind is FailureKind.OOM_KILLED
    assert attempt.memory is not None and attempt.memory.kill_at is not None
    assert attempt.memory.times, "sampled while it held its first 60 MB"
    assert 50 * MB <= max(attempt.memory.anon) <= 150 * MB  # its own limit bounds it
    assert attempt.memory.times[-1] <= attempt.memory.kill_at <= attempt.ended_at.timestamp() + 1
