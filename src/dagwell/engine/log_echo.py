"""A step's print() and logging, echoed live to the terminal, prefixed by its step id.

ZenML users watch their steps' output while they run; dagwell's attempts write theirs to
the attempt's log file only (a file survives an OOM kill to its last line; a pipe would
not; a pod's log stream is copied into the same file). So the engine tails those files
itself, between two turns of its loop (no thread, which keeps forking attempts safe), and
hands complete lines to the progress display, which prints them above its live rows (or
plainly to stderr without one).

Many parallel steps would turn the terminal into an unreadable mix, so by default only
``ECHO_SLOTS`` attempts are echoed at a time: an attempt that starts while that many are
being echoed is not, for its whole life (half a log would mislead), and the first time
that happens in a run one line says so and where its log is. A failing attempt that was
not echoed still shows the last lines of its log. ``DAGWELL_STEP_LOGS``: ``auto``
(default), ``all``, ``off``, or a number of slots.

Most steps print nothing and end in milliseconds, and every file call here is made on
the loop thread, on a chain's path (a chain of no-op steps made 1.5 opens and a read of
each step's log). So a log is first opened once its attempt has run ``FIRST_READ_AFTER``
(a short step's lines then all come at its end), and an attempt whose log was never
opened costs one stat at its end when it printed nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from dagwell.core.errors import ConfigError

ECHO_SLOTS = 4  # attempts echoed at once, by default
READ_BYTES = 1 << 16  # read at most this much of one log per turn
LONG_LINE = 1 << 13  # a line longer than this without a newline is shown in pieces
TAIL_LINES = 10  # lines of a failed, unechoed attempt shown when it ends
TAIL_BYTES = 1 << 14  # read from the end of its log for them
FIRST_READ_AFTER = 0.05  # seconds an attempt runs before its log is first read


def slots_from_env(value: str | None) -> int | None:
    """How many attempts to echo at once; None for all of them."""
    text = (value or "auto").strip().lower()
    if text == "auto":
        return ECHO_SLOTS
    if text == "all":
        return None
    if text in ("off", "0", "none"):
        return 0
    if text.isdigit():
        return int(text)
    raise ConfigError(
        f"DAGWELL_STEP_LOGS={value!r} is not understood: use auto (echo up to "
        f"{ECHO_SLOTS} steps at a time), all, off, or a number of steps."
    )


@dataclass
class _Tail:
    label: str
    path: str
    echoed: bool
    since: float  # when it started (the echo's clock)
    fd: int | None = None
    partial: bytes = b""


class LogEcho:
    """Tails the logs of running attempts and prints their new lines through ``sink``."""

    def __init__(
        self,
        sink: Callable[[str], None],
        slots: int | None,
        log_hint: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sink = sink
        self.slots = slots
        self.log_hint = log_hint  # e.g. "dagwell logs <run> <step>"
        self.clock = clock
        self._tails: dict[tuple[str, int], _Tail] = {}
        self._told = False

    @property
    def active(self) -> bool:
        """True while some attempt's lines are being echoed (the loop then turns often)."""
        return any(t.echoed for t in self._tails.values())

    def started(self, step_id: str, attempt: int, path: str) -> None:
        echoed = sum(t.echoed for t in self._tails.values())
        label = step_id if attempt == 1 else f"{step_id}#{attempt}"
        fits = self.slots is None or echoed < self.slots
        self._tails[(step_id, attempt)] = _Tail(label, path, echoed=fits, since=self.clock())
        if not fits and self.slots and not self._told:
            self._told = True
            self.sink(
                f"dagwell: the output of {self.slots} running steps is shown here; {step_id} "
                f"and steps that start while {self.slots} are shown run quietly (their "
                f"output: {self.log_hint}; a failing one shows its last lines here). "
                "DAGWELL_STEP_LOGS=all shows every step."
            )

    def poll(self) -> None:
        young = self.clock() - FIRST_READ_AFTER
        for tail in self._tails.values():
            if tail.echoed and (tail.fd is not None or tail.since <= young):
                self._read(tail, final=False)

    def ended(self, step_id: str, attempt: int, failed: bool) -> None:
        tail = self._tails.pop((step_id, attempt), None)
        if tail is None:
            return
        if tail.echoed and (tail.fd is not None or _printed(tail.path)):
            self._read(tail, final=True)
        elif failed and self.slots != 0:
            lines = _last_lines(tail.path)
            if lines:
                self.sink(f"[{tail.label}] failed; the last lines of its log:")
                for line in lines:
                    self.sink(f"[{tail.label}] {line}")
        if tail.fd is not None:
            os.close(tail.fd)

    def close(self) -> None:
        for tail in self._tails.values():
            if tail.fd is not None:
                os.close(tail.fd)
        self._tails.clear()

    def _read(self, tail: _Tail, final: bool) -> None:
        if tail.fd is None:
            try:
                tail.fd = os.open(tail.path, os.O_RDONLY)
            except OSError:  # not opened by the attempt yet, or this home cannot hold it
                return
        while True:
            chunk = os.read(tail.fd, READ_BYTES)
            if not chunk:
                break
            data = tail.partial + chunk
            *lines, tail.partial = data.split(b"\n")
            if len(tail.partial) > LONG_LINE:
                lines.append(tail.partial)
                tail.partial = b""
            for raw in lines:
                self._line(tail, raw)
            if not final:
                break  # at most READ_BYTES per attempt per turn: the loop stays responsive
        if final and tail.partial:
            self._line(tail, tail.partial)
            tail.partial = b""

    def _line(self, tail: _Tail, raw: bytes) -> None:
        self.sink(f"[{tail.label}] {raw.decode(errors='replace').rstrip(chr(13))}")


def _printed(path: str) -> bool:
    """Whether a log never opened here holds anything (one stat, not open/read/close)."""
    try:
        return os.stat(path).st_size > 0
    except OSError:
        return False


def _last_lines(path: str) -> list[str]:
    """The last TAIL_LINES lines of a log, reading only its end however big it is."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - TAIL_BYTES))
            data = f.read()
    except OSError:
        return []
    lines = data.decode(errors="replace").splitlines()
    if size > len(data) and lines:
        lines = lines[1:]  # the first one is cut
    return lines[-TAIL_LINES:]
