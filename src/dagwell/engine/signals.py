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
One that comes in the instant before the stop began (after the first signal's exception,
before the stop's own handlers) is noted and hurries it too; it never interrupts it.

Two moments must not be cut by a signal at all: between the run's record and the engine's
loop, and between the loop's end and the record of the run's end. A signal there would end
the process with the run recorded "running" and nobody to end it. :class:`HeldStops`
holds Ctrl-C, SIGTERM and SIGHUP across them and acts on the first one after. Shorter
moments inside the loop (an attempt's end known but not yet handed on) defer a stop to
their end instead (see :mod:`dagwell.runtimes.signal_shield`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

from dagwell.runtimes import signal_shield

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


#: Stop signals that came after the first one of a run, before the engine's stop took over
#: the handlers (:func:`hurry_on_signals`): they hurry that stop once it begins.
_later: list[int] = []


def _note_later(signum: int, _frame: Any) -> None:
    _later.append(signum)


def _first_stop() -> None:
    """The first stop signal of a run: from now on the others are only noted. Raising again
    in the instant between the first one's exception and the engine's stop handlers (two
    signals 50 ms apart on a loaded machine) interrupted the stop itself: the process ended
    by the signal with its run recorded "running"."""
    _later.clear()
    for sig in (signal.SIGINT, *STOP_SIGNALS):
        if signal.getsignal(sig) in (_raise_stop, _raise_interrupt):
            signal.signal(sig, _note_later)


def _raise_stop(signum: int, _frame: Any) -> None:
    if signal_shield.defer(signum, _act_on_deferred):
        return
    _first_stop()
    raise SignalStop(signum)


def _act_on_deferred(signums: list[int]) -> None:
    """Stop signals that landed in a shielded moment (see runtimes.signal_shield), acted on
    as they would have been: the first stops the run, the others hurry that stop."""
    first, *rest = signums
    _first_stop()
    _later.extend(rest)
    if first == signal.SIGINT:
        raise KeyboardInterrupt
    raise SignalStop(first)


def raise_noted() -> None:
    """At the engine loop's turn: a stop signal noted after the first while no stop took
    it over means the first one's exception was swallowed (an in-process step caught its
    KeyboardInterrupt): this one stops the run, as it would have without the first."""
    if _later:
        signum = _later.pop(0)
        _later.clear()
        for sig in (signal.SIGINT, *STOP_SIGNALS):  # (the first-signal handlers again)
            if signal.getsignal(sig) is _note_later:
                signal.signal(sig, _raise_interrupt if sig == signal.SIGINT else _raise_stop)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SignalStop(signum)


def _raise_interrupt(signum: int, _frame: Any) -> None:
    """Ctrl-C while a run is driven: Python's KeyboardInterrupt, once."""
    if signal_shield.defer(signum, _act_on_deferred):
        return
    _first_stop()
    raise KeyboardInterrupt


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
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # (not a user's own)
        previous[signal.SIGINT] = signal.default_int_handler
        signal.signal(signal.SIGINT, _raise_interrupt)
    try:
        yield
    except SignalStop as stop:
        restore(previous)
        signal_shield.forget()
        _redeliver(stop.signum, previous.get(stop.signum))
        raise
    finally:
        restore(previous)
        signal_shield.forget()  # (a signal deferred and left: not the next run's stop)


def _redeliver(signum: int, handler: Any) -> None:
    if handler in (signal.SIG_DFL, None):
        with contextlib.suppress(Exception):
            import sys

            sys.stdout.flush()
            sys.stderr.flush()
        os.kill(os.getpid(), signum)  # default action: the process ends by this signal
    elif callable(handler):
        handler(signum, None)


class HeldStops:
    """Ctrl-C, SIGTERM and SIGHUP noted, not acted on, from :meth:`hold` to :meth:`release`.

    Each moment held is short and bounded (a store write, the runtime's close), so a held
    signal waits milliseconds; :meth:`release` then hands it to the handler it would have
    met, as if it had just arrived."""

    def __init__(self) -> None:
        self._saved: Handlers = {}
        self._pending: list[int] = []

    def hold(self) -> None:
        if not _main_thread():  # signals reach only the main thread
            return
        for sig in (signal.SIGINT, *STOP_SIGNALS):
            current = signal.getsignal(sig)
            if current is signal.SIG_IGN or current is None:
                continue
            self._saved.setdefault(sig, current)
            signal.signal(sig, self._note)

    def _note(self, signum: int, _frame: Any) -> None:
        self._pending.append(signum)

    def release(self, *, deliver: bool = True) -> None:
        """Put the handlers back; with ``deliver``, act on the first signal held."""
        saved, self._saved = self._saved, {}
        restore(saved)
        pending, self._pending = self._pending, []
        if deliver and pending:
            signum = pending[0]
            handler = saved.get(signum)
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), signum)


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
    if _later:  # (a second signal came before these handlers: it hurries the stop too)
        _later.clear()
        hurry()
    return saved


def restore(saved: Handlers) -> None:
    if not _main_thread():
        return
    for sig, handler in saved.items():
        if handler is not None:
            signal.signal(sig, handler)
