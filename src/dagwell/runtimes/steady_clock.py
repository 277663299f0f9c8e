"""The orchestrator's clock: wall-clock time that a wall-clock jump does not move.

An NTP step, a resumed VM or ``date -s`` moves ``time.time`` by any amount at any moment.
Every duration the orchestrator decides on (timeouts, retry backoffs, queue timeouts,
wake-ups, the heartbeat's pace) and every time it records (an attempt's start and end, a
step's, the run's) is read from one clock, :func:`steady_time`: the wall-clock time when
this process first read it plus the monotonic time since. So a jump neither kills a
running step as timed out, nor fails a queued one, nor stretches a backoff, nor records
a 3 s step as an hour long (or negative); records stay wall-clock readings, in the frame
the process started in. It lives here, below the engine, so that the runtimes stamp the
attempts they see in the engine's frame. Only what other processes compare with their own
wall clock (the heartbeat's stamp) is written with ``time.time`` itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def steady_clock(
    wall: Callable[[], float] = time.time, ticks: Callable[[], float] = time.monotonic
) -> Callable[[], float]:
    """A clock that reads ``wall`` once, now, and moves with ``ticks`` from then on."""
    offset = wall() - ticks()
    return lambda: offset + ticks()


steady_time = steady_clock()  # one frame for the whole process (and the zygote it forks)
