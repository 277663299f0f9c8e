"""What the engine tells a progress display, as a protocol, and the display that shows nothing
but the steps' own output.

The engine reports counts and events through this seam; the rich terminal display lives in
:mod:`dagwell.display.live`, so the engine never imports a display. The detailed view (every
live step, the node's memory) is built only when the display asks for it
(:meth:`Progress.wants_detail`, a few times a second at most), so a run with many short
steps pays nothing per step for it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from dagwell.core.statuses import TERMINAL_STEP_STATUSES, StepStatus

if TYPE_CHECKING:
    from dagwell.core.scheduler import Scheduler


Live = tuple[str, StepStatus, int, int]  # a live step: id, status, attempt, reserved bytes


@dataclass(frozen=True)
class StepGroup:
    """The steps of one step function (``wait``, ``wait_2``... are one group ``wait``)."""

    name: str
    total: int
    counts: dict[StepStatus, int]
    retried: int  # steps that needed more than one attempt
    live: list[Live]

    @property
    def done(self) -> int:
        """Steps that ended, however they ended (Nextflow's ``[done/total]``)."""
        return sum(n for s, n in self.counts.items() if s in TERMINAL_STEP_STATUSES)


@dataclass(frozen=True)
class LiveView:
    groups: list[StepGroup]
    memory_in_use: int | None  # what the node's cgroup reports, when known
    memory_reserved: int  # what running attempts reserved
    memory_capacity: int | None  # the node (or budget) the run may use


LIVE = (StepStatus.RUNNING, StepStatus.QUEUED, StepStatus.RETRYING)


def live_view(scheduler: Scheduler, memory_in_use: int | None) -> LiveView:
    """One pass over the steps: groups by step name, in the order the names first appear."""
    groups: dict[str, tuple[dict[StepStatus, int], list[int], list[Live]]] = {}
    reserved = 0
    for state in scheduler.steps.values():
        counts, retried, live = groups.setdefault(state.name, ({}, [0], []))
        counts[state.status] = counts.get(state.status, 0) + 1
        if state.attempt > 1:
            retried[0] += 1
        if state.status in LIVE:
            live.append((state.id, state.status, state.attempt, state.request))
        if state.status is StepStatus.RUNNING:
            reserved += state.request
    return LiveView(
        [
            StepGroup(name, sum(counts.values()), counts, retried[0], live)
            for name, (counts, retried, live) in groups.items()
        ],
        memory_in_use,
        reserved,
        scheduler.config.node_memory,
    )


class Progress(Protocol):
    def start(self, run_id: str, name: str, total: int) -> None: ...
    def update(self, counts: Mapping[StepStatus, int]) -> None: ...
    def event(self, text: str) -> None: ...
    def wants_detail(self) -> bool: ...
    def detail(self, view: LiveView) -> None: ...
    def finish(self, status: str) -> None: ...
    def output(self, line: str) -> None:
        """A line of a step's own output (see dagwell.engine.log_echo)."""


class NullProgress:
    """No display; a step's echoed output still reaches stderr, line by line."""

    def start(self, run_id: str, name: str, total: int) -> None:
        return None

    def update(self, counts: Mapping[StepStatus, int]) -> None:
        return None

    def event(self, text: str) -> None:
        return None

    def wants_detail(self) -> bool:
        return False

    def detail(self, view: LiveView) -> None:
        return None

    def finish(self, status: str) -> None:
        return None

    def output(self, line: str) -> None:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
