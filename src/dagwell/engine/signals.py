"""SIGTERM and SIGHUP stop a run the way Ctrl-C does.

``timeout``, a cancelled CI job, ``docker stop`` and a closed SSH session send SIGTERM or
SIGHUP, whose default action kills the orchestrator at once and leaves attempts, cgroups
and a "running" run behind. While a run is driven, both raise :class:`SignalStop` (a
KeyboardInterrupt, so the engine's Ctrl-C path kills the attempts and records the run
``cancelled``). Once the run is recorded and its runtime closed, the previous disposition
is restored and, when that would have killed the process, the signal is delivered again,
so the process still ends as the sender expects (exit status 128+N: 143, 129). A signal
the process ignored (``nohup``) stays ignored. A further signal while the stop is under
way only hurries it: the wait for killed attempts is cut short, the cleanup still runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
Handlers = dict[int, Any]


class SignalStop(KeyboardInterrupt):
    """The orchestrator received a termination signal while driving a run."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(f"stopped by {self.name}")

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _raise_stop(signum: int, _frame: Any) -> None:
    raise SignalStop(signum)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into SignalStop for the duration; re-deliver afterwards."""
    if not _main_thread():  # only the main thread can have signal handlers
        yield
        return
    previous: Handlers = {}
    for sig in STOP_SIGNALS:
        current = signal.getsignal(sig)
        if current is signal.SIG_IGN:
            continue
        previous[sig] = current
        signal.signal(sig, _raise_stop)
    try:
        yield
    except SignalStop as stop:
        restore(previous)
        _redeliver(stop.signum, previous.get(stop.signum))
        raise
    finally:
        restore(previous)


def _redeliver(signum: int, handler: Any) -> None:
    if handler in (signal.SIG_DFL, None):
        with contextlib.suppress(Exception):
            import sys

            sys.stdout.flush()
            sys.stderr.flush()
        os.kill(os.getpid(), signum)  # default action: the process ends by this signal
    elif callable(handler):
        handler(signum, None)


def hurry_on_signals(hurry: Callable[[], None]) -> Handlers:
    """During a stop: Ctrl-C, SIGTERM and SIGHUP call ``hurry`` instead of interrupting the
    cleanup. Returns the handlers to :func:`restore` once the cleanup is done."""
    if not _main_thread():
        return {}
    saved: Handlers = {}
    for sig in (signal.SIGINT, *STOP_SIGNALS):
        current = signal.getsignal(sig)
        if current is signal.SIG_IGN:
            continue
        saved[sig] = current
        signal.signal(sig, lambda *_: hurry())
    return saved


def restore(saved: Handlers) -> None:
    if not _main_thread():
        return
    for sig, handler in saved.items():
        if handler is not None:
            signal.signal(sig, handler)
