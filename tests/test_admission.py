from dagwell.core.admission import Candidate, NodeView, admit

MB = 10**6


def node(
    memory=1400 * MB, reserved=0, observed=None, running=0, slots=10, cpu=None, reserved_cpu=0.0
):
    return NodeView(memory, cpu, reserved, observed, reserved_cpu, running, slots)


def cands(*requests, waited=0.0):
    return [Candidate(f"s{i}", r, 0.0, -waited) for i, r in enumerate(requests)]


def test_fits_by_memory():
    assert admit(cands(*[450 * MB] * 10), node(), now=0, starvation_grace=10) == ["s0", "s1", "s2"]


def test_slots_limit():
    assert admit(cands(*[MB] * 10), node(slots=4), now=0, starvation_grace=10) == [
        "s0",
        "s1",
        "s2",
        "s3",
    ]


def test_observed_usage_counts_when_larger_than_reservations():
    view = node(reserved=3 * 64 * MB, observed=1200 * MB, running=3)
    assert admit(cands(300 * MB, 150 * MB), view, now=0, starvation_grace=10) == ["s1"]


def test_nothing_running_admits_a_step_that_fits_the_node():
    view = node(observed=1300 * MB, running=0)
    assert admit(cands(1000 * MB), view, now=0, starvation_grace=10) == ["s0"]


def test_first_fit_backfills_until_starvation_grace():
    view = node(reserved=1000 * MB, running=1)
    assert admit(cands(900 * MB, 100 * MB), view, now=0, starvation_grace=10) == ["s1"]
    assert admit(cands(900 * MB, 100 * MB, waited=11), view, now=0, starvation_grace=10) == []


def test_unknown_memory_admits_by_count():
    assert admit(cands(10**15, 10**15), node(memory=None), now=0, starvation_grace=1) == [
        "s0",
        "s1",
    ]


def test_cpu_admission():
    view = node(cpu=2.0, reserved_cpu=1.5, running=1)
    big = [Candidate("a", MB, 1.0, 0.0), Candidate("b", MB, 0.5, 0.0)]
    assert admit(big, view, now=0, starvation_grace=10) == ["b"]


def test_higher_priority_first_when_memory_is_short():
    queue = [
        Candidate("low", 800 * MB, 0.0, 0.0, priority=0),
        Candidate("high", 800 * MB, 0.0, 1.0, priority=5),
    ]
    assert admit(queue, node(), now=2.0, starvation_grace=10) == ["high"]
    # equal priorities keep the queue's order
    same = [Candidate("a", 800 * MB, 0.0, 0.0), Candidate("b", 800 * MB, 0.0, 1.0)]
    assert admit(same, node(), now=2.0, starvation_grace=10) == ["a"]


def test_starvation_guard_lets_a_low_priority_that_waited_too_long_go_first():
    queue = [
        Candidate("low", 800 * MB, 0.0, 0.0, priority=0),
        Candidate("high", 800 * MB, 0.0, 14.0, priority=5),
    ]
    assert admit(queue, node(), now=15.0, starvation_grace=10) == ["low"]
    # and while it cannot fit, nothing jumps ahead of it
    busy = node(reserved=1000 * MB, running=1)
    assert admit(queue, busy, now=15.0, starvation_grace=10) == []
