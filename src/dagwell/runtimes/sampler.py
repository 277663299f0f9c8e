"""Memory over time for the local runtime's running attempts, read from their cgroups.

The runtime's wait loop asks :meth:`MemorySampler.timeout` how long it may block and calls
:meth:`MemorySampler.sample` when it wakes: there is no thread and no timer. An attempt is
first sampled ``FIRST_INTERVAL`` after its launch, so one that ends sooner costs nothing;
each sample reads the attempt's anonymous memory (not page cache) and, once per round, the
node cgroup's usage. The series stays bounded (see :class:`dagwell.core.memory.MemorySeries`),
its interval doubling as a long step's series fills. It also knows how much RSS a
forked attempt inherits from its parent (:meth:`MemorySampler.inherited_rss`), which is
not the attempt's own memory.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from dagwell.core.memory import FIRST_INTERVAL, MemorySeries
from dagwell.runtimes.cgroups import AttemptGroup
from dagwell.runtimes.steady_clock import steady_time

Key = tuple[str, int]
PAGE = os.sysconf("SC_PAGE_SIZE")
RSS_TTL = 1.0  # seconds a parent's RSS reading is reused (a lean zygote's hardly moves)


@dataclass
class _Watched:
    group: AttemptGroup
    due: float  # monotonic time of its next sample
    series: MemorySeries


class MemorySampler:
    def __init__(self, node_usage: Callable[[], int | None]) -> None:
        self._node_usage = node_usage
        self._watched: dict[Key, _Watched] = {}
        self._next_due = float("inf")
        self._rss: dict[int, tuple[float, int]] = {}  # pid -> (read at, resident bytes)

    def add(self, key: Key, group: AttemptGroup) -> None:
        due = time.monotonic() + FIRST_INTERVAL
        self._watched[key] = _Watched(group, due, MemorySeries())
        self._next_due = min(self._next_due, due)

    def timeout(self, timeout: float) -> float:
        """``timeout`` shortened so the wait wakes when the next sample is due."""
        if not self._watched:
            return timeout
        return max(0.0, min(timeout, self._next_due - time.monotonic()))

    def sample(self) -> None:
        now = time.monotonic()
        if now < self._next_due:
            return
        wall = steady_time()
        node: int | None = None
        node_read = False
        next_due = float("inf")
        for watched in self._watched.values():
            if watched.due <= now:
                if not node_read:
                    node, node_read = self._node_usage(), True
                with contextlib.suppress(OSError):
                    watched.series.add(wall, watched.group.anon_memory(), node)
                watched.due = now + watched.series.interval
            next_due = min(next_due, watched.due)
        self._next_due = next_due

    def peak(self, key: Key) -> int | None:
        """The highest anonymous memory sampled so far (None before the first sample)."""
        watched = self._watched.get(key)
        return max(watched.series.anon) if watched is not None and watched.series.anon else None

    def inherited_rss(self, parent: int) -> int:
        """The resident memory of ``parent`` (the zygote, or this process for a direct
        fork): a forked child's maximum RSS starts there, as its pages are shared at fork.
        0 when it cannot be read (then the child's whole RSS counts)."""
        now = time.monotonic()
        read = self._rss.get(parent)
        if read is not None and now - read[0] < RSS_TTL:
            return read[1]
        try:
            with open(f"/proc/{parent}/statm", "rb") as f:
                resident = int(f.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            resident = 0
        self._rss = {parent: (now, resident)}
        return resident

    def pop(self, key: Key, killed_at: float | None) -> MemorySeries | None:
        """The attempt's series: None when it ended before its first sample, unless it was
        killed (then the series holds at least the kill moment)."""
        watched = self._watched.pop(key, None)
        if watched is None or (not watched.series.times and killed_at is None):
            return None
        watched.series.kill_at = killed_at
        return watched.series
