"""Live progress for a blocking run in a terminal: what runs, the node's memory, what happened.

Rendered with rich, refreshed by the engine loop itself (no refresh thread, so forking an
attempt stays safe), and silent when stderr is not a terminal or ``DAGWELL_PROGRESS=0``.
The display shows, Nextflow-style, one row per step function (``[7/10] wait  running 3
queued 0  3 retried``) and, while few steps are live, one row per running/queued step with
its attempt and reserved memory; then the node's memory in use vs reserved vs capacity, and
the last few events (OOM kills, retries, failures). It asks the engine for that detailed view
at most four times a second (:meth:`RichProgress.wants_detail`; less often for runs of
thousands of steps), so its cost does not grow with the number of steps that start and end.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from dagwell.core.progress import LiveView, NullProgress, Progress
from dagwell.core.statuses import StepStatus
from dagwell.core.units import format_bytes

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

DETAIL_EVERY = 0.25  # seconds between two detailed views (more for large runs, see start)
STEPS_PER_SECOND = 5000  # a view of 10,000 steps took 30 ms (loaded 2 cores): every 2 s, then
DRAW_EVERY = 0.1  # seconds between two redraws
STEP_ROWS = 8  # live steps shown one by one; more are only counted in their group
BAR = 30  # characters of the memory bar


class RichProgress:
    """Step groups, live steps, node memory and the last few events, redrawn <= 10x/s."""

    def __init__(self, events: int = 6) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.events: deque[str] = deque(maxlen=events)
        self.counts: Mapping[StepStatus, int] = {}
        self.view: LiveView | None = None
        self.live: Any = None
        self.title = ""
        self.started = time.monotonic()
        self.last_draw = 0.0
        self.last_detail = 0.0
        self.detail_every = DETAIL_EVERY

    def start(self, run_id: str, name: str, total: int) -> None:
        from rich.live import Live

        self.title = f"{name} ({run_id})"
        self.started = time.monotonic()
        self.detail_every = max(DETAIL_EVERY, total / STEPS_PER_SECOND)
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
        counts = self.counts
        if self.view is not None:  # the rows below come from the view: the header agrees
            counts = {}
            for group in self.view.groups:
                for status, n in group.counts.items():
                    counts[status] = counts.get(status, 0) + n
        for status, count in counts.items():
            if count:
                header.append(f"{status.value} {count}  ", style=STYLE[status])
        table.add_row(header)
        if self.view is not None:
            for row in _groups(self.view):
                table.add_row(row)
            memory = _memory(self.view)
            if memory is not None:
                table.add_row(memory)
        for line in self.events:
            table.add_row(Text(f"  {line}", style="dim"))
        return table

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.live is not None and (force or now - self.last_draw >= DRAW_EVERY):
            self.last_draw = now
            self.live.update(self._render(), refresh=True)

    def update(self, counts: Mapping[StepStatus, int]) -> None:
        self.counts = dict(counts)
        self._draw()

    def event(self, text: str) -> None:
        self.events.append(text)
        self._draw()

    def wants_detail(self) -> bool:
        return self.live is not None and time.monotonic() - self.last_detail >= self.detail_every

    def detail(self, view: LiveView) -> None:
        self.last_detail = time.monotonic()
        self.view = view
        self._draw()

    def output(self, line: str) -> None:
        """A step's output line, printed above the live rows (rich redraws them below)."""
        from rich.text import Text

        self.console.print(Text(line), soft_wrap=True)

    def finish(self, status: str) -> None:
        self._draw(force=True)
        if self.live is not None:
            self.live.stop()
            self.live = None


def _groups(view: LiveView) -> list[Any]:
    from rich.text import Text

    rows = []
    shown = sum(len(g.live) for g in view.groups) <= STEP_ROWS
    width = max((len(g.name) for g in view.groups), default=0)
    for group in view.groups:
        row = Text(f"  [{group.done:>{len(str(group.total))}}/{group.total}] ", style="bold")
        row.append(group.name.ljust(width) + "  ")
        for status in (StepStatus.RUNNING, StepStatus.QUEUED, StepStatus.RETRYING):
            if group.counts.get(status):
                row.append(f"{status.value} {group.counts[status]}  ", style=STYLE[status])
        if group.retried:
            row.append(f"{group.retried} retried  ", style="yellow")
        failed = group.counts.get(StepStatus.FAILED, 0)
        if failed:
            row.append(f"{failed} failed", style="red")
        rows.append(row)
        if shown:
            for step_id, status, attempt, request in group.live:
                line = Text(f"      {step_id}  ")
                line.append(status.value, style=STYLE[status])
                if attempt:
                    line.append(f"  attempt {attempt}", style="dim")
                if status is StepStatus.RUNNING and request:
                    line.append(f"  {format_bytes(request)} reserved", style="dim")
                rows.append(line)
    return rows


def _memory(view: LiveView) -> Any:
    """``node memory [####+++.....] 1.2 GB in use, 1.3 GB reserved of 1.4 GB``."""
    from rich.text import Text

    capacity = view.memory_capacity
    if capacity is None and view.memory_in_use is None:
        return None
    row = Text("  node memory ", style="bold")
    if capacity:
        used = min(BAR, round(BAR * (view.memory_in_use or 0) / capacity))
        held = min(BAR, round(BAR * view.memory_reserved / capacity))
        row.append("[")
        row.append("#" * used, style="red" if used >= BAR else "blue")
        row.append("+" * max(0, held - used), style="cyan")
        row.append("." * (BAR - max(used, held)), style="dim")
        row.append("] ")
    row.append(f"{format_bytes(view.memory_in_use)} in use, ")
    row.append(f"{format_bytes(view.memory_reserved)} reserved")
    if capacity:
        row.append(f" of {format_bytes(capacity)}")
    return row


def make_progress(enabled: bool | None = None) -> Progress:
    if enabled is None:
        enabled = (
            os.environ.get("DAGWELL_PROGRESS", "1") != "0"
            and sys.stderr.isatty()
            and "DAGWELL_ATTEMPT" not in os.environ
        )
    return RichProgress() if enabled else NullProgress()
