"""An attempt process that kills itself says so before it dies.

A step that sends its own process SIGKILL or SIGTERM (``os.kill(os.getpid(), ...)``, its
process group through ``os.killpg(0, ...)``, ``signal.raise_signal``) died by a signal
nobody else sent, but its exit alone looks like a kill from outside: it was recorded
``lost`` ('killed by SIGKILL from outside dagwell'), called not the step's fault, and
retried from the infrastructure budget, every attempt alike. The process itself knows
better, the instant before: while the step's code runs (:func:`witnessed`), such a call
first writes the attempt's result, a failure of the step's own (``user_error``) naming
the call, then goes ahead. A signal sent by another process (``kill -9`` from a shell,
a subprocess of the step) is not seen here and stays ``lost``; a kernel OOM kill or a
stop by dagwell still wins over this note (see local_evidence).

A step that kills its launcher (``os.kill(os.getppid(), SIGKILL)``: the zygote, whose
death takes the attempt with it) is noted alike: its attempt was recorded ``lost``
('launcher process died') and retried from the infrastructure budget, each retry killing
the new zygote again. The orchestrator honours this note when the launcher is gone (see
local.py), so the step fails as its own doing, from the user's budget.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: The error type of the result an attempt writes when it is about to kill itself.
SELF_KILL = "SelfKill"

#: Signals whose default action does not end the process (ignored, or stop/continue).
_NOT_ENDING = frozenset(
    {
        0,
        signal.SIGCHLD,
        signal.SIGCONT,
        signal.SIGURG,
        signal.SIGWINCH,
        signal.SIGSTOP,
        signal.SIGTSTP,
        signal.SIGTTIN,
        signal.SIGTTOU,
    }
)


def _name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return str(signum)


def _ends_us(signum: int) -> bool:
    if signum in _NOT_ENDING:
        return False
    try:
        handler: Any = signal.getsignal(signum)
    except (ValueError, OSError):
        return True
    return handler is None or handler == signal.SIG_DFL


def _ends_the_launcher(signum: int) -> bool:
    """The zygote ignores SIGINT (see zygote._serve); every other signal ending a process by
    default ends it (its SIGTERM handler kills its children and exits)."""
    return signum not in _NOT_ENDING and signum != signal.SIGINT


#: Who a kill of the launcher ends, as the note names it.
_LAUNCHER = "the dagwell process that launched it (the attempt dies with it)"


@contextmanager
def witnessed(note: Callable[[str], None]) -> Iterator[None]:
    """Within this block, a call that would end this process by a signal it sends itself
    first calls ``note`` with a sentence naming the call (once; a failing note never stops
    it); so does a call that would end this process's parent, the launcher."""
    kill, killpg, raise_signal, abort = os.kill, os.killpg, signal.raise_signal, os.abort
    noted: list[str] = []
    attempt = os.getpid()  # (a process the step forks inherits these: it is not the attempt)
    parent = os.getppid()

    def witness(what: str, whom: str = "its own process") -> None:
        if not noted and os.getpid() == attempt:
            noted.append(what)
            with contextlib.suppress(Exception):  # (the kill goes ahead; its exit tells the rest)
                note(f"the step ended {whom}: {what} was called in it")

    def ends_the_launcher(call: str, send: Callable[[], None]) -> None:
        """Note the attempt's kill of its launcher, send it, and end the attempt now: its
        parent-death signal (SIGKILL, see parent_death) lands a little later, and a step
        going on meanwhile could finish and write its own result over the note (measured:
        3 of 8 concurrent runs recorded the attempt ``lost`` so)."""
        witness(call, _LAUNCHER)
        send()
        kill(os.getpid(), signal.SIGKILL)

    def own_kill(pid: int, signum: int) -> None:
        if pid in (os.getpid(), 0, -1, -os.getpgrp()) and _ends_us(signum):
            witness(f"os.kill({'os.getpid()' if pid == os.getpid() else pid}, {_name(signum)})")
        elif pid in (parent, -parent) and _ends_the_launcher(signum) and os.getpid() == attempt:
            call = f"os.kill(os.getppid(), {_name(signum)})"
            ends_the_launcher(call, lambda: kill(pid, signum))
        kill(pid, signum)

    def own_killpg(pgid: int, signum: int) -> None:
        if pgid in (0, os.getpgrp()) and _ends_us(signum):
            witness(f"os.killpg({pgid}, {_name(signum)})")
        elif pgid == parent and _ends_the_launcher(signum) and os.getpid() == attempt:
            call = f"os.killpg(os.getppid(), {_name(signum)})"
            ends_the_launcher(call, lambda: killpg(pgid, signum))
        killpg(pgid, signum)

    def own_raise_signal(signum: int) -> None:
        if _ends_us(signum):
            witness(f"signal.raise_signal({_name(signum)})")
        raise_signal(signum)

    def own_abort() -> Any:
        witness("os.abort()")
        abort()

    os.kill, os.killpg, signal.raise_signal, os.abort = (
        own_kill,
        own_killpg,
        own_raise_signal,
        own_abort,
    )
    try:
        yield
    finally:
        os.kill, os.killpg, signal.raise_signal, os.abort = kill, killpg, raise_signal, abort
