"""The progress display is a window on the run: when it breaks, the run goes on.

The display writes to the orchestrator's stdout and stderr, and user code in that
process (a hook, an in-process step) may close them, point ``sys.stderr`` at ``None`` or
at an object whose ``write`` raises. The engine called the display on its loop, so the
first echoed line after that raised OSError (or AttributeError) out of the loop: the run
was stopped, recorded ``cancelled`` though every step had done its work, and the pipeline
call raised. Now every call to the display is guarded: the first failure is logged (the
logging module copes with a broken stream itself) and the run goes on; the display is
tried again at its next call (the stream may be put back). A signal's KeyboardInterrupt
or stop passes through: only ``Exception`` is the display's own.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import TypeVar

from dagwell.core.progress import LiveView, Progress
from dagwell.core.statuses import StepStatus

log = logging.getLogger("dagwell.engine.display")

T = TypeVar("T")


class GuardedProgress:
    """A :class:`Progress` whose failures are logged, never raised into the engine."""

    def __init__(self, inner: Progress) -> None:
        self.inner = inner
        self.failed = False  # the display raised at least once in this run

    def _call(self, what: str, call: Callable[[], T], otherwise: T) -> T:
        try:
            return call()
        except Exception as error:
            if not self.failed:
                self.failed = True
                with contextlib.suppress(Exception):  # (a closed stderr: ValueError here)
                    log.warning(
                        "the progress display failed (%s: %r), so the run's output here may "
                        "be incomplete; the run goes on (its steps' logs: dagwell logs <run> "
                        "<step>)",
                        what,
                        error,
                    )
            return otherwise

    def start(self, run_id: str, name: str, total: int) -> None:
        self._call("start", lambda: self.inner.start(run_id, name, total), None)

    def update(self, counts: Mapping[StepStatus, int]) -> None:
        self._call("update", lambda: self.inner.update(counts), None)

    def event(self, text: str) -> None:
        self._call("event", lambda: self.inner.event(text), None)

    def wants_detail(self) -> bool:
        return self._call("wants_detail", self.inner.wants_detail, False)

    def detail(self, view: LiveView) -> None:
        self._call("detail", lambda: self.inner.detail(view), None)

    def finish(self, status: str) -> None:
        self._call("finish", lambda: self.inner.finish(status), None)

    def output(self, line: str) -> None:
        self._call("output", lambda: self.inner.output(line), None)


def guarded(progress: Progress) -> GuardedProgress:
    return progress if isinstance(progress, GuardedProgress) else GuardedProgress(progress)
