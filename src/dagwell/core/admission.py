"""Memory-aware admission: which ready steps may start now. Pure.

A step starts only when its memory request fits in what the node has left and a slot is
free. What is left is the node's memory minus the larger of what running attempts reserved
and what the node really uses (when the runtime can tell), so an undeclared step that grew
past its estimate still counts. Higher ``priority`` first (then the order they queued),
first fit; the starvation guard: a step waiting longer than the starvation grace goes to
the front whatever its priority, and blocks those behind it, so neither low priorities
nor big steps wait forever.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    step_id: str
    request: int  # bytes reserved while it runs
    cpu: float  # cores reserved while it runs (0 when undeclared)
    waiting_since: float
    priority: int = 0


@dataclass(frozen=True)
class NodeView:
    memory: int | None  # None: unknown, admission by count only
    cpu: float | None
    reserved_memory: int
    observed_memory: int | None  # what the node really uses now, if known
    reserved_cpu: float
    running: int
    slots: int  # how many may run at once right now

    @property
    def free_memory(self) -> int | None:
        if self.memory is None:
            return None
        used = self.reserved_memory
        if self.observed_memory is not None and self.running:
            used = max(used, self.observed_memory)
        return self.memory - used


def admit(
    candidates: Sequence[Candidate], node: NodeView, *, now: float, starvation_grace: float
) -> list[str]:
    """Return the ids to start, in order. Requests larger than the node are not here."""
    starved = [c for c in candidates if now - c.waiting_since >= starvation_grace]
    rest = [c for c in candidates if now - c.waiting_since < starvation_grace]
    starved.sort(key=lambda c: c.waiting_since)
    rest.sort(key=lambda c: (-c.priority, c.waiting_since))
    started: list[str] = []
    free = node.free_memory
    free_cpu = None if node.cpu is None else node.cpu - node.reserved_cpu
    running = node.running
    for cand in starved + rest:
        if running >= node.slots:
            break
        fits_memory = free is None or cand.request <= free or running == 0
        fits_cpu = free_cpu is None or cand.cpu <= free_cpu or running == 0
        if fits_memory and fits_cpu:
            started.append(cand.step_id)
            running += 1
            if free is not None:
                free -= cand.request
            if free_cpu is not None:
                free_cpu -= cand.cpu
        elif now - cand.waiting_since >= starvation_grace:
            break  # it has waited long enough: nothing behind it jumps the queue
    return started
