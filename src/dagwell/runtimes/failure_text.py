"""An attempt's exception, put into words within a bound.

A step that raised fails with ``str(error)`` and its traceback, both made by calling the
exception's own ``__str__``: user code, which may raise or never return. One that never
returned hung the attempt in dagwell's own error handling, its step over, forever unless
the step had a timeout, and the run with it. In the main thread (an attempt's own
process) the words get ``RENDER_WITHIN`` seconds: SIGALRM interrupts a ``__str__`` that
sleeps, waits or loops in Python, and the message then says so (the traceback keeps the
step's frames).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass

from dagwell.core.manifest import MESSAGE_MAX, clip

#: Seconds an exception's ``__str__`` may take, for the message and again for the traceback.
RENDER_WITHIN = 5.0


@dataclass(frozen=True)
class Rendered:
    message: str  # str(error), clipped for the record
    traceback: str  # the whole traceback text, as Python prints it


class _Expired(BaseException):
    """The bound passed (raised by the SIGALRM handler in the rendering thread)."""


@contextlib.contextmanager
def _bounded(seconds: float) -> Iterator[None]:
    """Raise :class:`_Expired` in this block after ``seconds``; unbounded off the main
    thread, where no signal handler can be set (the in-process runtime's debugging use)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(*_: object) -> None:
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    timer = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, *timer)
        signal.signal(signal.SIGALRM, previous)


def render(error: BaseException) -> Rendered:
    """``error``'s message and traceback, each within ``RENDER_WITHIN`` seconds, even when
    its ``__str__`` raises or never returns."""
    expired = False
    try:
        with _bounded(RENDER_WITHIN):
            text = str(error)
    except _Expired:
        text, expired = f"<its str() did not return within {RENDER_WITHIN:g} s>", True
    except BaseException as inner:  # (a broken __str__ must not hide the step's failure)
        text = f"<its str() raised {type(inner).__name__}>"
    if not expired:
        try:
            with _bounded(RENDER_WITHIN):
                return Rendered(clip(text, MESSAGE_MAX), "".join(traceback.format_exception(error)))
        except _Expired:  # (slow this time, or in a chained exception's __str__)
            pass
    frames = "".join(traceback.format_tb(error.__traceback__))
    lines = f"Traceback (most recent call last):\n{frames}{type(error).__name__}: {text}\n"
    return Rendered(clip(text, MESSAGE_MAX), lines)
