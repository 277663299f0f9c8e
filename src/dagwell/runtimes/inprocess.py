"""The in-process runtime: attempts run one at a time in the orchestrator's own thread.

No isolation and no memory limits: it exists for debugging (a breakpoint in a step just
works) and for platforms without fork. ``LocalOrchestrator(isolation="inprocess")``.
Output still goes through the artifact store, so results match the other runtimes.

A step here runs in the orchestrator's main thread, where ``signal.signal`` works: the
handlers it sets for the stop signals last while it runs, and the orchestrator's are put
back when it ends (a step that set them to SIG_IGN left Ctrl-C and SIGTERM doing nothing
for the rest of the run).
"""

from __future__ import annotations

import contextlib
import io
import signal
import threading
import time
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

from dagwell.artifact_store.store import open_artifact_store
from dagwell.core.failures import Failure, FailureKind
from dagwell.runtimes.base import AttemptExited, AttemptSpec, RuntimeEvent, RuntimeInfo
from dagwell.runtimes.exit_guard import exit_raises
from dagwell.runtimes.steady_clock import steady_time
from dagwell.runtimes.worker import run_attempt


class _Tee(io.TextIOBase):
    """A step's output to its log, and to the terminal as far as that still works (user
    code in this process may have closed it, set it to None or to a stream that raises:
    the step's print must not fail for that)."""

    def __init__(self, terminal: Any, log_file: Any) -> None:
        self.terminal = terminal
        self.log_file = log_file

    def write(self, text: str) -> int:
        self.log_file.write(text)
        self.log_file.flush()
        with contextlib.suppress(Exception):
            self.terminal.write(text)
            self.terminal.flush()
        return len(text)


#: The signals the orchestrator turns into a stop of the run (see engine.signals).
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def _own_stop_handlers() -> Iterator[None]:
    """Put the stop signals' handlers back as they were once the step ends."""
    if threading.current_thread() is not threading.main_thread():
        yield  # (signal.signal works in the main thread only: nothing to put back)
        return
    before = {number: signal.getsignal(number) for number in _STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in before.items():
            if handler is not None and signal.getsignal(number) is not handler:
                signal.signal(number, handler)


class InProcessRuntime:
    def __init__(self) -> None:
        self.info = RuntimeInfo(
            "inprocess", None, None, {"backend": "none (in-process)"}, blocks_loop=True
        )
        self.done: list[RuntimeEvent] = []

    def launch(self, spec: AttemptSpec, func: Callable[..., Any] | None) -> str:
        import sys

        started = steady_time()
        assert spec.log_path is not None
        Path(spec.log_path).parent.mkdir(parents=True, exist_ok=True)
        with (
            open(spec.log_path, "a") as log_file,
            contextlib.redirect_stdout(_Tee(sys.stdout, log_file)),
            contextlib.redirect_stderr(_Tee(sys.stderr, log_file)),
            exit_raises(),  # (the step's os._exit must not end the orchestrator)
            _own_stop_handlers(),
        ):
            try:
                code = run_attempt(spec, func)
            except KeyboardInterrupt:  # the run's stop: its end is there for the engine
                self._ended(spec, started, 1)
                raise
        self._ended(spec, started, code)
        return "inprocess"

    def _ended(self, spec: AttemptSpec, started: float, code: int) -> None:
        manifest = open_artifact_store(spec.artifact_store).read_manifest(spec.manifest_key)
        failure = None
        if code != 0 or manifest is None or not manifest.ok:
            kind = FailureKind((manifest.error_kind if manifest else None) or "user_error")
            message = manifest.error_text() if manifest else "the step ended without a result"
            failure = Failure(
                kind, message, code, traceback=manifest.traceback if manifest else None
            )
        self.done.append(
            AttemptExited(
                spec.step_id,
                spec.attempt,
                failure,
                manifest,
                code,
                started_at=started,
                ended_at=steady_time(),
                node="inprocess",
            )
        )

    def wait(self, timeout: float) -> list[RuntimeEvent]:
        events, self.done = self.done, []
        if not events:
            time.sleep(min(timeout, 0.01))
        return events

    def stop(self, step_id: str, attempt: int, reason: FailureKind) -> None:
        return None  # nothing runs between engine iterations

    def observed_memory(self) -> int | None:
        return None

    def recover(
        self, spec: AttemptSpec, external_id: str | None, started_at: float | None
    ) -> AttemptExited | None:
        return AttemptExited(
            spec.step_id,
            spec.attempt,
            Failure(
                FailureKind.LOST, "The orchestrator died while this attempt ran in its process."
            ),
        )

    def sweep(self, recorded: Collection[tuple[str, int]]) -> int:
        return 0  # in-process attempts died with their orchestrator

    def release(self, step_id: str, attempt: int) -> None:
        return None

    def close(self) -> None:
        return None
