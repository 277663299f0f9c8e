"""User code run in the orchestrator's process: its ``os._exit`` raises instead.

Hooks run in the orchestrator's process (an ``on_failure`` hook must fire even when the
step's process was OOM-killed), and so do steps under ``isolation="inprocess"``.
``sys.exit`` there is an exception, caught like any other; ``os._exit(0)`` is not: it
ended the orchestrator on the spot, the steps still running died with it, and ``python
script.py`` exited 0 with its run orphaned. While such code runs, :func:`exit_raises`
makes ``os._exit`` raise :class:`ExitCalled` in that thread instead (a step's failure, a
hook's logged error). Every other thread, and every process forked from this one (a
hook's helper, an attempt forked directly), keeps the real ``os._exit``. Code that kills
its own process with a signal still can: the run is then orphaned, and ``dagwell runs
resume`` continues it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

_real_exit = os._exit
_guarded: set[int] = set()  # idents of the threads whose os._exit raises
_guarded_in: list[int] = []  # the pid those idents belong to, once installed
_lock = threading.Lock()


class ExitCalled(BaseException):
    """``os._exit(code)`` called where it must not end the process."""

    def __init__(self, code: int) -> None:
        super().__init__(f"os._exit({code}) was called; it cannot end dagwell's orchestrator")
        self.code = code


def _exit(status: int) -> NoReturn:
    if _guarded_in == [os.getpid()] and threading.get_ident() in _guarded:
        raise ExitCalled(status)
    _real_exit(status)


@contextmanager
def exit_raises() -> Iterator[None]:
    """Within this block, ``os._exit`` called in this thread raises :class:`ExitCalled`."""
    with _lock:
        if _guarded_in != [os.getpid()]:  # (first use here, or in a forked child: not its)
            _guarded.clear()
            _guarded_in[:] = [os.getpid()]
            os._exit = _exit
        _guarded.add(threading.get_ident())
    try:
        yield
    finally:
        with _lock:
            _guarded.discard(threading.get_ident())
