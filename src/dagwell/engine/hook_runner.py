"""Hooks run beside the engine loop, never in it.

A hook is user code: it may sleep for minutes, never return, raise, or call
``sys.exit``. Run in the loop, a 30 s ``on_failure`` hook delayed a sibling's 3 s
timeout to 30 s, made ``runs stop`` wait, and ``sys.exit(3)`` aborted the run. So each
hook call gets its own daemon thread; the loop only hands calls over and looks at the
clock. A call still running after ``hook_timeout`` seconds is reported as timed out
and abandoned (a thread cannot be killed; it is a daemon, so it never keeps the process
alive). ``BaseException`` is caught (and ``os._exit``, ``os.abort`` and a signal the
process sends itself raise one there: see exit_guard), so nothing a hook does short of
crashing in native code changes a step's outcome. Once
a run's status is recorded, the engine waits for the calls still running, at most until
their deadlines (a signal then abandons them, the status stands); a stop does not wait.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dagwell.core.hooks import HookEvent, call_hooks
from dagwell.core.units import format_seconds
from dagwell.runtimes.exit_guard import exit_raises

log = logging.getLogger("dagwell.engine.hooks")

DEFAULT_HOOK_TIMEOUT = 60.0


@dataclass
class _Call:
    what: str
    thread: threading.Thread
    deadline: float


@dataclass
class HookRunner:
    timeout: float = DEFAULT_HOOK_TIMEOUT
    report: Callable[[str], None] = field(default=lambda message: None)
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._calls: list[_Call] = []
        self.timed_out: list[str] = []

    def submit(self, hooks: Sequence[Any], event: HookEvent, what: str) -> None:
        """Start ``hooks`` for ``event`` in their own thread; return at once."""

        def body() -> None:
            try:
                with exit_raises():  # (os._exit too: see exit_guard)
                    call_hooks(hooks, event)
            except BaseException as error:  # SystemExit, KeyboardInterrupt: the run goes on
                log.error("%s raised %s; the run's outcome is unchanged", what, repr(error))

        thread = threading.Thread(target=body, name=f"dagwell-hook {what}", daemon=True)
        self._calls.append(_Call(what, thread, self.clock() + self.timeout))
        thread.start()

    def poll(self) -> None:
        """Forget finished calls; report the ones past their deadline as timed out."""
        now = self.clock()
        live = []
        for call in self._calls:
            if not call.thread.is_alive():
                continue
            if now >= call.deadline:
                message = (
                    f"{call.what} timed out after {format_seconds(self.timeout)} "
                    "(hook_timeout); abandoned, the run goes on"
                )
                log.warning(message)
                self.timed_out.append(call.what)
                self.report(message)
                continue
            live.append(call)
        self._calls = live

    @property
    def pending(self) -> bool:
        return bool(self._calls)

    def drain(self) -> None:
        """Wait for the calls still running, each at most until its deadline."""
        while self._calls:
            call = self._calls[0]
            call.thread.join(max(0.0, call.deadline - self.clock()))
            self.poll()
            if self._calls and self._calls[0] is call:  # joined, but still alive (clock)
                self._calls.pop(0)
