"""Live progress for a blocking run in a terminal: counts by status and the latest events.

Rendered with rich, refreshed by the engine loop itself (no refresh thread, so forking an
attempt stays safe), and silent when stderr is not a terminal or ``DAGWELL_PROGRESS=0``.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from dagwell.core.progress import NullProgress, Progress
from dagwell.core.statuses import StepStatus

STYLE = {
    StepStatus.PENDING: "dim",
    StepStatus.QUEUED: "cyan",
    StepStatus.RUNNING: "blue",
    StepStatus.RETRYING: "yellow",
    StepStatus.COMPLETED: "green",
    StepStatus.CACHED: "green",
    StepStatus.FAILED: "red",
    StepStatus.SKIPPED: "dim",
    StepStatus.CANCELLED: "magenta",
}


class RichProgress:
    """Counts by status plus the last few events, redrawn at most ten times a second."""

    def __init__(self, events: int = 6) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.events: deque[str] = deque(maxlen=events)
        self.counts: Mapping[StepStatus, int] = {}
        self.live: Any = None
        self.title = ""
        self.started = time.monotonic()
        self.last_draw = 0.0

    def start(self, run_id: str, name: str, total: int) -> None:
        from rich.live import Live

        self.title = f"{name} ({run_id})"
        self.started = time.monotonic()
        self.live = Live(
            self._render(),
            console=self.console,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
            transient=False,
        )
        self.live.start()

    def _render(self) -> Any:
        from rich.table import Table
        from rich.text import Text

        table = Table.grid(padding=(0, 1))
        elapsed = time.monotonic() - self.started
        header = Text(f"dagwell {self.title}  {elapsed:5.1f}s  ", style="bold")
        for status, count in self.counts.items():
            if count:
                header.append(f"{status.value} {count}  ", style=STYLE[status])
        table.add_row(header)
        for line in self.events:
            table.add_row(Text(f"  {line}", style="dim"))
        return table

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.live is not None and (force or now - self.last_draw >= 0.1):
            self.last_draw = now
            self.live.update(self._render(), refresh=True)

    def update(self, counts: Mapping[StepStatus, int]) -> None:
        self.counts = dict(counts)
        self._draw()

    def event(self, text: str) -> None:
        self.events.append(text)
        self._draw()

    def finish(self, status: str) -> None:
        self._draw(force=True)
        if self.live is not None:
            self.live.stop()
            self.live = None


def make_progress(enabled: bool | None = None) -> Progress:
    if enabled is None:
        enabled = (
            os.environ.get("DAGWELL_PROGRESS", "1") != "0"
            and sys.stderr.isatty()
            and "DAGWELL_ATTEMPT" not in os.environ
        )
    return RichProgress() if enabled else NullProgress()
