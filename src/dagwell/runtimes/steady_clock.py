"""The orchestrator's clock: wall-clock time that a wall-clock jump does not move.

An NTP step, a resumed VM or ``date -s`` moves ``time.time`` by any amount at any moment.
Every duration the orchestrator decides on (timeouts, retry backoffs, queue timeouts,
wake-ups, the heartbeat's pace) and every time it records (an attempt's start and end, a
step's, the run's) is read from one clock, :data:`steady_time`: the wall-clock time read
when the process's runs in flight began, plus the monotonic time since. So a jump during a
run neither kills a running step as timed out, nor fails a queued one, nor stretches a
backoff, nor records a 3 s step as an hour long (or negative); records stay wall-clock
readings, in the frame the run started in, and a jump between two runs (a laptop's sleep
under a notebook) is not carried into the next one's. It lives here, below the engine, so
that the runtimes stamp the attempts they see in the engine's frame. Only what other
processes compare with their own wall clock (the heartbeat's stamp) is written with
``time.time`` itself.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator


class SteadyClock:
    """Wall-clock time moved by ``ticks`` (a monotonic clock) only, re-read from ``wall``
    when a run begins while no other run of the process is in flight."""

    def __init__(
        self, wall: Callable[[], float] = time.time, ticks: Callable[[], float] = time.monotonic
    ) -> None:
        self._wall, self._ticks = wall, ticks
        self._offset = wall() - ticks()
        self._runs = 0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self._offset + self._ticks()

    @contextlib.contextmanager
    def run(self) -> Iterator[None]:
        """Around one run, from its first stamp to its last. (Runs in flight together share
        one frame: re-reading the wall clock under one would move its deadlines.)"""
        with self._lock:
            if not self._runs:
                self._offset = self._wall() - self._ticks()
            self._runs += 1
        try:
            yield
        finally:
            with self._lock:
                self._runs -= 1


steady_time = SteadyClock()  # one frame for the process (and the zygote it forks)
