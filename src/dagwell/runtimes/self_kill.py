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

A step that signals its launcher (``os.kill(os.getppid(), SIGKILL)``: the zygote, whose
death took the attempt with it) fails alike, and the signal is not sent: its attempt
ends at once, the note naming the call. Sent, it killed the zygote and every other attempt
running then (recorded ``lost``, retried from the infrastructure budget); after three such
deaths attempts were forked by the orchestrator itself, and the next such call killed the
run's orchestrator, leaving the run ``running``. A signal the launcher ignores (its
``SigIgn``: SIGPIPE, SIGINT in the zygote) is sent, as it ends nothing. A process with no
launcher of dagwell's (its parent pid 0 or 1: a pod's PID 1, an orphan) has none to spare.

``os._exit(n)`` and an ``os.exec*`` of another program end the attempt without its
results too; they were told apart from a crash only by a guess ('did the step call
os._exit()?', '(os._exit or a crash in native code)'). They are noted alike, and so is a
timer whose signal nothing handles (``signal.alarm(1)``: 'killed by SIGALRM from outside
dagwell', lost, three attempts alike): noted when it is set, the note stands only if the
attempt then dies; a step that goes on writes its own result over it.
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


def _ignored_by(pid: int, signum: int) -> bool:
    """Whether process ``pid`` ignores ``signum``, as its ``/proc/<pid>/status`` SigIgn mask
    says (False when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"SigIgn:"):
                    return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    except (OSError, ValueError, IndexError):
        pass
    return False


def _ends_the_launcher(parent: int, signum: int) -> bool:
    """Whether ``signum`` sent to the launcher ``parent`` would end it: every signal whose
    default action ends a process, unless the launcher ignores it (the zygote ignores
    SIGINT; Python, SIGPIPE and SIGXFSZ); the zygote's SIGTERM handler ends it too. A
    parent of pid 0 or 1 is no launcher of dagwell's (a pod's PID 1, an orphan)."""
    if parent <= 1 or signum in _NOT_ENDING:
        return False
    return not _ignored_by(parent, signum)


#: The note of a signal the attempt did not send (its launcher's, every process's).
_NOT_SENT = (
    "the step signalled {whom}: {{}} was called in it; dagwell did not send it and ended the "
    "attempt instead ({why})"
)
_LAUNCHER = _NOT_SENT.format(
    whom="the dagwell process that launched it", why="that process runs the run's other attempts"
)
_EVERY_PROCESS = _NOT_SENT.format(
    whom="every process it may signal", why="they include the run's orchestrator"
)
#: The note of an exec of another program in the attempt.
_REPLACED = (
    "the step ended its own process (another program took its place, and wrote no "
    "results): {} was called in it"
)
#: The signal each timer of ``signal.setitimer`` sends when it expires.
_TIMER_SIGNALS = {
    signal.ITIMER_REAL: signal.SIGALRM,
    signal.ITIMER_VIRTUAL: signal.SIGVTALRM,
    signal.ITIMER_PROF: signal.SIGPROF,
}


def pending_kill(signum: int) -> str:
    """The error type of a note that stands only if the attempt dies of ``signum`` (a
    timer's: set now, it may never fire, and the attempt may end otherwise meanwhile)."""
    return f"{SELF_KILL}:{signum}"


def expected_signal(error_type: str | None) -> int | None:
    """The signal a :func:`pending_kill` note waits for (None for any other)."""
    prefix, _, number = (error_type or "").partition(":")
    return int(number) if prefix == SELF_KILL and number.isdigit() else None


@contextmanager
def witnessed(note: Callable[[str, str], None]) -> Iterator[None]:
    """Within this block, a call that would end this process by a signal it sends itself
    first calls ``note`` with a sentence naming the call (once; a failing note never stops
    it). A call that would end this process's parent (the launcher), or every process it
    may signal (``os.kill(-1, ...)``, the orchestrator among them), is noted alike, not
    sent, and ends this process instead."""
    kill, killpg, raise_signal, abort = os.kill, os.killpg, signal.raise_signal, os.abort
    noted: list[str] = []
    attempt = os.getpid()  # (a process the step forks inherits these: it is not the attempt)
    parent = os.getppid()

    def witness(
        what: str,
        sentence: str = "the step ended its own process: {} was called in it",
        kind: str = SELF_KILL,
    ) -> None:
        if not noted and os.getpid() == attempt:
            noted.append(what)
            with contextlib.suppress(Exception):  # (the kill goes ahead; its exit tells the rest)
                note(sentence.format(what), kind)

    def instead(call: str, sentence: str) -> None:
        """Note a signal the attempt does not send (see the module's docstring) and end the
        attempt now, so that a step going on cannot write its own result over the note."""
        witness(call, sentence)
        kill(os.getpid(), signal.SIGKILL)

    def own_kill(pid: int, signum: int) -> None:
        here = os.getpid() == attempt
        if pid == -1 and here and parent > 1 and signum not in _NOT_ENDING:
            instead(f"os.kill(-1, {_name(signum)})", _EVERY_PROCESS)
        elif pid in (os.getpid(), 0, -os.getpgrp()) and _ends_us(signum):
            witness(f"os.kill({'os.getpid()' if pid == os.getpid() else pid}, {_name(signum)})")
        elif pid in (parent, -parent) and here and _ends_the_launcher(parent, signum):
            instead(f"os.kill(os.getppid(), {_name(signum)})", _LAUNCHER)
        kill(pid, signum)

    def own_killpg(pgid: int, signum: int) -> None:
        if pgid in (0, os.getpgrp()) and _ends_us(signum):
            witness(f"os.killpg({pgid}, {_name(signum)})")
        elif pgid == parent and os.getpid() == attempt and _ends_the_launcher(parent, signum):
            instead(f"os.killpg(os.getppid(), {_name(signum)})", _LAUNCHER)
        killpg(pgid, signum)

    def own_raise_signal(signum: int) -> None:
        if _ends_us(signum):
            witness(f"signal.raise_signal({_name(signum)})")
        raise_signal(signum)

    def own_abort() -> Any:
        witness("os.abort()")
        abort()

    def own_exit(status: int) -> Any:
        witness(f"os._exit({status})")
        exit_(status)

    def own_execv(path: Any, argv: Any) -> Any:
        witness(f"os.execv({os.fsdecode(path)!r}, ...)", _REPLACED)
        execv(path, argv)

    def own_execve(path: Any, argv: Any, env: Any) -> Any:
        witness(f"os.execve({os.fsdecode(path)!r}, ...)", _REPLACED)
        execve(path, argv, env)

    def own_alarm(seconds: int) -> int:
        if seconds and _ends_us(signal.SIGALRM):  # (a later SIGALRM with no handler)
            witness(f"signal.alarm({seconds})", kind=pending_kill(signal.SIGALRM))
        return alarm(seconds)

    def own_setitimer(which: int, seconds: float, interval: float = 0.0) -> tuple[float, float]:
        number = _TIMER_SIGNALS.get(which)
        if seconds and number is not None and _ends_us(number):
            witness(f"signal.setitimer({which}, {seconds:g})", kind=pending_kill(number))
        return setitimer(which, seconds, interval)

    exit_, execv, execve = os._exit, os.execv, os.execve
    alarm, setitimer = signal.alarm, signal.setitimer
    signal.alarm, signal.setitimer = own_alarm, own_setitimer

    os.kill, os.killpg, signal.raise_signal, os.abort = (
        own_kill,
        own_killpg,
        own_raise_signal,
        own_abort,
    )
    os._exit, os.execv, os.execve = own_exit, own_execv, own_execve  # (execl, execvp... too)
    try:
        yield
    finally:
        os.kill, os.killpg, signal.raise_signal, os.abort = kill, killpg, raise_signal, abort
        os._exit, os.execv, os.execve = exit_, execv, execve
        signal.alarm, signal.setitimer = alarm, setitimer
