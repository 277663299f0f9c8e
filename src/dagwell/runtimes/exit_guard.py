"""User code cannot end dagwell's orchestrator while it drives a run.

Hooks run in the orchestrator's process (an ``on_failure`` hook must fire even when the
step's process was OOM-killed), and so do steps under ``isolation="inprocess"``.
``sys.exit`` there is an exception, caught like any other. ``os._exit``, ``os.abort``, an
``os.exec*`` (another program in the orchestrator's place) and a signal the process sends
itself that would end or freeze it (``os.kill(os.getpid(), SIGKILL)``, SIGSEGV, SIGTERM...,
also through ``os.killpg``, ``signal.raise_signal`` or ``signal.pthread_kill``, or later,
through a timer: ``signal.alarm(1)``, ``signal.setitimer``, whose SIGALRM ends a process
that has no handler for it) are not:
they ended the orchestrator on the spot, the steps still running died with it, and the run
was left orphaned, its record never finished. So:

- While such code runs (:func:`exit_raises`), the call raises :class:`ExitCalled` in that
  thread instead: a step's failure, a hook's logged error.
- In any other thread of a process that drives a run (:func:`driving`), say one a hook
  started that calls ``os._exit(0)`` a second later, a call that would end the process
  waits until the run's end is recorded, then takes effect: the process ends as asked, the
  run with the truth. (A SIGTERM, SIGHUP or SIGINT dagwell turns into a stop acts at once:
  the run is stopped, as when it comes from outside.)

The threads driving runs, and every process forked from this one (an attempt, the zygote),
keep the real calls; a signal the user handles or ignores is never held. What cannot be
intercepted (a real segfault in native code, a kill from another process) still ends the
orchestrator: ``dagwell runs list`` then shows the run ``orphaned`` at once, and ``dagwell
runs resume`` (or ``stop``) finishes it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from dagwell.runtimes.fd_guard import keeping_fds

_real_exit = os._exit
_real_abort = os.abort
_real_execv = os.execv
_real_execve = os.execve
_real_kill = os.kill
_real_killpg = os.killpg
_real_raise_signal = signal.raise_signal
_real_pthread_kill = signal.pthread_kill
_real_alarm = signal.alarm
_real_setitimer = signal.setitimer

_cond = threading.Condition()
_installed_in: list[int] = []  # the pid the state below belongs to, once installed
_guarded: set[int] = set()  # idents of the threads running user code: the call raises
_driving: dict[int, list[str]] = {}  # thread ident -> the runs it drives now

#: Signals whose default action neither ends nor stops a process.
_HARMLESS = frozenset({0, signal.SIGCHLD, signal.SIGCONT, signal.SIGURG, signal.SIGWINCH})


class ExitCalled(BaseException):
    """A call that would end the process, made where it must not end dagwell's orchestrator."""

    def __init__(self, what: str, code: int | None = None) -> None:
        super().__init__(f"{what} was called; it cannot end dagwell's orchestrator")
        self.what = what
        self.code = code


def _ours() -> bool:
    """Installed in this very process (a forked child inherits the patch, not the guard)."""
    return _installed_in == [os.getpid()]


def _install() -> None:
    """Replace the calls in this process (first use here, or in a forked child: not its)."""
    if _ours():
        return
    _guarded.clear()
    _driving.clear()
    _installed_in[:] = [os.getpid()]
    os._exit = _exit
    os.abort = _abort
    os.execv = _execv  # (os.execl, execlp, execvp... call these two)
    os.execve = _execve
    os.kill = _kill
    os.killpg = _killpg
    signal.raise_signal = _raise_signal
    signal.pthread_kill = _pthread_kill
    signal.alarm = _alarm
    signal.setitimer = _setitimer


def _effect(signum: int) -> str | None:
    """What ``signum`` sent to this process does: "end" (its default action ends or stops
    it), "stop" (dagwell, or Python's Ctrl-C, turns it into a stop of the run), or None
    (harmless, ignored, or handled by the user's own handler)."""
    if signum in _HARMLESS:
        return None
    try:
        handler: Any = signal.getsignal(signum)
    except (ValueError, OSError):
        return "end"
    if handler is None or handler == signal.SIG_DFL:
        return "end"
    if handler == signal.SIG_IGN:
        return None
    dagwells = str(getattr(handler, "__module__", "")).startswith("dagwell.")
    return "stop" if handler is signal.default_int_handler or dagwells else None


def _intercept(
    what: str, signum: int | None, act: Callable[[], None], code: int | None = None
) -> None:
    """Make the call ``act`` that may end this process (``signum`` None: it always does),
    raise instead, or hold it until no run of this process is being driven."""
    effect = "end" if signum is None else _effect(signum)
    ident = threading.get_ident()
    if effect is not None and _ours():
        with _cond:
            if ident in _guarded:
                raise ExitCalled(what, code)
            if effect == "end" and _driving and ident not in _driving:
                runs = sorted({run for ids in _driving.values() for run in ids})
                with contextlib.suppress(Exception):
                    print(
                        f"dagwell: {what} was called in thread "
                        f"{threading.current_thread().name!r} while run {', '.join(runs)} "
                        "was being driven in this process; it takes effect once the run's "
                        "end is recorded.",
                        file=sys.stderr,
                        flush=True,
                    )
                while _driving:
                    _cond.wait()
                act()  # (under the lock: no run is recorded before it takes effect)
                return
    act()


def _hits_us(pid: int) -> bool:
    """Whether ``os.kill(pid, ...)`` reaches this process (itself, its group, everyone)."""
    return pid in (os.getpid(), 0, -1) or pid == -os.getpgrp()


def _exit(status: int) -> NoReturn:
    _intercept(f"os._exit({status})", None, lambda: _real_exit(status), status)
    _real_exit(status)  # (reached only where the call was made: it ends the process)


def _abort() -> NoReturn:
    _intercept("os.abort()", None, _real_abort)
    _real_abort()


def _execv(path: Any, argv: Any) -> NoReturn:
    _intercept(f"os.execv({path!r}, ...)", None, lambda: _real_execv(path, argv))
    _real_execv(path, argv)


def _execve(path: Any, argv: Any, env: Any) -> NoReturn:
    _intercept(f"os.execve({path!r}, ...)", None, lambda: _real_execve(path, argv, env))
    _real_execve(path, argv, env)


def _name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return str(signum)


def _kill(pid: int, signum: int) -> None:
    if _hits_us(pid):
        _intercept(f"os.kill({pid}, {_name(signum)})", signum, lambda: _real_kill(pid, signum))
    else:
        _real_kill(pid, signum)


def _killpg(pgid: int, signum: int) -> None:
    if pgid in (0, os.getpgrp()):
        what = f"os.killpg({pgid}, {_name(signum)})"
        _intercept(what, signum, lambda: _real_killpg(pgid, signum))
    else:
        _real_killpg(pgid, signum)


def _raise_signal(signum: int) -> None:
    _intercept(f"signal.raise_signal({_name(signum)})", signum, lambda: _real_raise_signal(signum))


def _pthread_kill(thread_id: int, signum: int) -> None:
    _intercept(
        f"signal.pthread_kill({thread_id}, {_name(signum)})",
        signum,
        lambda: _real_pthread_kill(thread_id, signum),
    )


def _alarm(seconds: int) -> int:
    """``signal.alarm``: a SIGALRM later is this process's signal to itself, held only when
    nothing handles it (0 cancels; dagwell's own timers have their handler)."""
    if not seconds or _effect(signal.SIGALRM) != "end":
        return _real_alarm(seconds)
    left: list[int] = []
    _intercept(
        f"signal.alarm({seconds})", signal.SIGALRM, lambda: left.append(_real_alarm(seconds))
    )
    return left[0]


_TIMER_SIGNALS = {
    signal.ITIMER_REAL: signal.SIGALRM,
    signal.ITIMER_VIRTUAL: signal.SIGVTALRM,
    signal.ITIMER_PROF: signal.SIGPROF,
}


def _setitimer(which: int, seconds: float, interval: float = 0.0) -> tuple[float, float]:
    """``signal.setitimer``: its signal later is this process's to itself, held as
    ``signal.alarm``'s is."""
    if not seconds or which not in _TIMER_SIGNALS or _effect(_TIMER_SIGNALS[which]) != "end":
        return _real_setitimer(which, seconds, interval)
    old: list[tuple[float, float]] = []
    what = f"signal.setitimer({which}, {seconds:g})"
    _intercept(
        what, _TIMER_SIGNALS[which], lambda: old.append(_real_setitimer(which, seconds, interval))
    )
    return old[0]


@contextmanager
def exit_raises() -> Iterator[None]:
    """Within this block, a call in this thread that would end the process raises
    :class:`ExitCalled` instead."""
    ident = threading.get_ident()
    with _cond:
        _install()
        outer = ident in _guarded
        _guarded.add(ident)
    try:
        with keeping_fds():  # (nor close the orchestrator's files: see fd_guard)
            yield
    finally:
        with _cond:
            if not outer:
                _guarded.discard(ident)


@contextmanager
def driving(run_id: str) -> Iterator[None]:
    """This thread drives run ``run_id`` until the block ends: a call in another thread
    that would end the process waits for that (see the module's docstring)."""
    ident = threading.get_ident()
    with _cond:
        _install()
        _driving.setdefault(ident, []).append(run_id)
    try:
        yield
    finally:
        with _cond:
            runs = _driving.get(ident, [])
            with contextlib.suppress(ValueError):
                runs.remove(run_id)
            if not runs:
                _driving.pop(ident, None)
            _cond.notify_all()
