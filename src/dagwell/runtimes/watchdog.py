"""The fallback when no cgroup can be used: sample each attempt's process tree RSS.

It cannot stop an allocation the way the kernel does, so it samples often (every 100 ms
by default) and SIGKILLs an attempt over its own limit, or the largest attempt when all of
them together exceed the node's memory. Its verdicts are recorded as such on the attempt,
so nobody mistakes them for kernel evidence.
"""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass, field

from dagwell.core.failures import OomScope


@dataclass
class Watched:
    pid: int
    limit: int | None
    peak: int = 0
    verdict: OomScope | None = None


@dataclass
class Watchdog:
    node_memory: int | None
    interval: float = 0.1
    watched: dict[int, Watched] = field(default_factory=dict)

    def add(self, pid: int, limit: int | None) -> None:
        self.watched[pid] = Watched(pid, limit)

    def forget(self, pid: int) -> Watched | None:
        return self.watched.pop(pid, None)

    @staticmethod
    def tree_rss(pid: int) -> int:
        import psutil  # (here, not at import: the zygote is forked without it)

        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return total

    def sample(self) -> int:
        """Measure every attempt, kill the over-limit ones; return the node's total RSS."""
        usage: dict[int, int] = {}
        for pid, item in self.watched.items():
            if item.verdict is not None:
                continue
            rss = self.tree_rss(pid)
            usage[pid] = rss
            item.peak = max(item.peak, rss)
            if item.limit is not None and rss > item.limit:
                self._kill(item, OomScope.OWN_LIMIT)
        total = sum(usage.values())
        if self.node_memory is not None and total > self.node_memory and usage:
            largest = max(usage, key=lambda p: usage[p])
            if self.watched[largest].verdict is None:
                self._kill(self.watched[largest], OomScope.NODE_PRESSURE)
        return total

    @staticmethod
    def _kill(item: Watched, scope: OomScope) -> None:
        item.verdict = scope
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(item.pid, signal.SIGKILL)
