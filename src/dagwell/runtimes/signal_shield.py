"""Moments a stop signal must not cut: between knowing of an attempt's end and handing it on.

A stop signal (Ctrl-C, SIGTERM, SIGHUP) raises in the engine's thread at whatever line it
lands on. The local runtime learns of an attempt's end (its pidfd, the zygote's report)
and builds the event from the evidence; raised in between, the end was dropped: the
attempt was no longer followed, nor reported, so the stop waited its whole grace for it and
recorded the step 'cancelled; not reaped' though it had completed. The same held between
the runtime's return of its events and the engine's keeping of them, and between a fork
and the attempt's entry among those the runtime follows.

Code in :func:`shielded` defers the stop: dagwell's signal handlers (``engine.signals``)
hand it to :func:`defer`, and it is acted on when the outermost shielded block ends, or
at once where a block opens :func:`unshielded` (a runtime's blocking wait, which consumes
nothing: a stop there loses nothing). Signals reach the main thread only, so only its
blocks count.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_depth = [0]  # the main thread's shielded blocks, nested
_deferred: list[int] = []
_deliver: list[Callable[[list[int]], None]] = []


def _main() -> bool:
    return threading.current_thread() is threading.main_thread()


def defer(signum: int, deliver: Callable[[list[int]], None]) -> bool:
    """From a signal handler: whether the signal is deferred (the main thread is in a
    shielded block); ``deliver`` then acts on the deferred signals, in order, later."""
    if _depth[0] == 0:
        return False
    _deferred.append(signum)
    _deliver[:] = [deliver]
    return True


def forget() -> None:
    """Outside every shielded block, drop what one deferred and nobody acted on (a second
    signal raised before the first's turn came): a run's stop handling ends, and its
    signals must not stop the next run in this process."""
    if _depth[0] == 0:
        _deferred.clear()


def _act() -> None:
    if _deferred:
        signums = list(_deferred)
        _deferred.clear()
        _deliver[0](signums)  # (raises the stop)


@contextmanager
def shielded() -> Iterator[None]:
    """A stop signal within the block acts when the outermost such block ends."""
    if not _main():
        yield
        return
    _depth[0] += 1
    try:
        yield
    finally:
        _depth[0] -= 1
        if _depth[0] == 0:
            _act()


@contextmanager
def unshielded() -> Iterator[None]:
    """Within a shielded block, a part a stop may cut (it consumes nothing): a stop
    deferred before acts as it begins, and one that lands in it acts at once."""
    if not _main():
        yield
        return
    saved, _depth[0] = _depth[0], 0
    try:
        _act()
        yield
    finally:
        _depth[0] = saved
