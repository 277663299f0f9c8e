"""An attempt's memory over time: the compact series the local runtime samples.

Kept with the attempt (a JSON column) so the dashboard can draw each attempt against its
limit and the node, and mark the moment the kernel killed it. The series is bounded:
``add`` halves it (keeping each pair's larger value, so a peak is never smoothed away) and
doubles the sampling interval whenever it reaches ``MAX_POINTS``; a long step therefore
costs as much as a short one. :func:`attempt_peak` says what an attempt's peak is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_POINTS = 240
FIRST_INTERVAL = 0.2  # seconds: the first sample, and the interval until the series fills


@dataclass
class MemorySeries:
    """Samples of one attempt: times (epoch seconds), its anonymous memory and the node's
    usage at each time (bytes), plus the kill moment when the kernel OOM-killed it."""

    times: list[float] = field(default_factory=list)
    anon: list[int] = field(default_factory=list)
    node: list[int | None] = field(default_factory=list)
    interval: float = FIRST_INTERVAL
    kill_at: float | None = None

    def add(self, at: float, anon: int, node: int | None) -> None:
        self.times.append(at)
        self.anon.append(anon)
        self.node.append(node)
        if len(self.times) >= MAX_POINTS:
            self._halve()

    def _halve(self) -> None:
        pairs = range(0, len(self.times) - 1, 2)
        self.times = [self.times[i + 1] for i in pairs]
        self.anon = [max(self.anon[i], self.anon[i + 1]) for i in pairs]
        self.node = [_max_known(self.node[i], self.node[i + 1]) for i in pairs]
        self.interval *= 2

    def to_json(self) -> dict[str, Any]:
        return {
            "t": [round(t, 3) for t in self.times],
            "anon": self.anon,
            "node": self.node,
            "interval": self.interval,
            "kill_at": self.kill_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MemorySeries:
        return cls(
            times=[float(t) for t in data.get("t", [])],
            anon=[int(v) for v in data.get("anon", [])],
            node=[None if v is None else int(v) for v in data.get("node", [])],
            interval=float(data.get("interval", FIRST_INTERVAL)),
            kill_at=data.get("kill_at"),
        )


def attempt_peak(
    usage_peak: int | None, sampled: int | None, rss_growth: int, oom_killed: bool
) -> int | None:
    """An attempt's own peak memory, page cache left out: what is shown and learned.

    ``sampled`` is the highest anonymous memory (v1 rss+swap, v2 anon) read in its cgroup;
    ``rss_growth`` how far its largest process's maximum RSS rose above what it inherited
    at fork (the zygote's pages, shared and charged elsewhere, are not its memory), which
    catches a spike between samples and an attempt too short to be sampled; ``usage_peak``
    the kernel's charged peak (anonymous memory plus page cache), an upper bound. A 10 MB
    step that writes a 400 MB file peaks at about 10 MB, whether the file's cache is still
    charged at its end or was written back, dropped or deleted meanwhile. An OOM kill is the
    kernel's verdict on charged memory (cache is reclaimed before it kills): its peak is the
    charged one."""
    if oom_killed and usage_peak is not None:
        return usage_peak
    own = max(sampled or 0, rss_growth)
    if usage_peak is not None:
        own = min(own, usage_peak)
    return own or usage_peak


def _max_known(a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return a if b is None else b
    return max(a, b)
