"""The orchestrator's steady clock, with injected wall and monotonic clocks: a wall-clock
jump during a run does not move it, one between runs is not carried into the next run."""

from __future__ import annotations

import pytest

from dagwell.runtimes.steady_clock import SteadyClock


class Clocks:
    def __init__(self) -> None:
        self.wall = 1_000_000.0
        self.ticks = 50.0

    def pass_(self, seconds: float) -> None:
        self.wall += seconds
        self.ticks += seconds


@pytest.mark.parametrize("jump", [3600.0, -3600.0])
def test_a_jump_during_a_run_moves_only_the_wall_clock(jump: float) -> None:
    clocks = Clocks()
    clock = SteadyClock(lambda: clocks.wall, lambda: clocks.ticks)
    with clock.run():
        start = clock()
        assert start == clocks.wall
        clocks.pass_(1.0)
        clocks.wall += jump
        clocks.pass_(2.0)
        assert clock() - start == 3.0


def test_a_jump_between_runs_is_not_carried_into_the_next_run() -> None:
    clocks = Clocks()
    clock = SteadyClock(lambda: clocks.wall, lambda: clocks.ticks)
    with clock.run():
        clocks.pass_(1.0)
    clocks.wall += 8 * 3600.0  # a laptop's night asleep: the monotonic clock did not move
    with clock.run():
        assert clock() == clocks.wall


def test_runs_in_flight_together_share_one_frame() -> None:
    clocks = Clocks()
    clock = SteadyClock(lambda: clocks.wall, lambda: clocks.ticks)
    with clock.run():
        first = clock()
        clocks.wall -= 3600.0
        with clock.run():  # a second run (another thread) does not move the first's deadlines
            assert clock() == first
        assert clock() == first
