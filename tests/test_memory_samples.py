"""Memory over time: each local attempt's cgroup is sampled while it runs (issue 13)."""

import time

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
        workloads.hog(150, 3.0)  # room for samples after the allocation on a loaded machine
        workloads.hog(1, 0.0)

    run = two.with_options(orchestrator=LocalOrchestrator(memory="1400MB"))()
    long, short = run.steps["hog"].attempts[0], run.steps["hog_2"].attempts[0]
    assert long.memory is not None, "a 3 s attempt is sampled"
    assert len(long.memory.times) >= 4
    assert 140 * MB <= max(long.memory.anon) <= 200 * MB  # anonymous memory, its own
    assert all(n is not None and n >= 0 for n in long.memory.node)
    assert max(n for n in long.memory.node if n is not None) >= 140 * MB
    assert long.memory.kill_at is None
    assert long.started_at.timestamp() <= long.memory.times[0] <= long.ended_at.timestamp()
    if short.duration is not None and short.duration < 0.15:  # (a loaded machine is slower)
        assert short.memory is None, "an attempt ended before its first sample has none"


class _CountingGroup:
    """An attempt cgroup that counts how often its memory is read."""

    def __init__(self) -> None:
        self.reads = 0

    def anon_memory(self) -> int:
        self.reads += 1
        return 5 * MB


def test_an_attempt_shorter_than_the_first_sample_costs_no_read():
    from dagwell.runtimes.sampler import MemorySampler

    node_reads = []
    sampler = MemorySampler(lambda: node_reads.append(1) or 9 * MB)
    quick, slow = _CountingGroup(), _CountingGroup()
    sampler.add(("quick", 1), quick)
    sampler.sample()  # woken before anything is due
    assert sampler.pop(("quick", 1), None) is None
    assert quick.reads == 0 and not node_reads
    sampler.add(("slow", 1), slow)
    assert 0.1 < sampler.timeout(5.0) <= 0.2  # the wait wakes for the first sample
    time.sleep(0.21)
    sampler.sample()
    series = sampler.pop(("slow", 1), killed_at=123.0)
    assert slow.reads == 1 and len(node_reads) == 1
    assert series is not None and series.anon == [5 * MB] and series.node == [9 * MB]
    assert series.kill_at == 123.0


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
