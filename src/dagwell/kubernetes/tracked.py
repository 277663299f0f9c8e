"""What the Kubernetes runtime knows of each attempt's pod, in one table its parts share.

The runtime's parts (observing pods, creating them, the bounds, node health, takeover)
read and change the same records from two threads, the watch's and the engine's. The
table keeps them by attempt and by pod name under one lock, so that each part takes the
table instead of the whole runtime (and no part imports the runtime).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from dagwell.runtimes.base import AttemptSpec

Key = tuple[str, int]  # (step id, attempt)


@dataclass
class TrackedPod:
    spec: AttemptSpec
    name: str
    created: float
    running_reported: bool = False
    ended: bool = False
    pending_why: str | None = None
    unsent: dict[str, Any] | None = None  # the manifest, while the API has not taken it
    tried: float = 0.0  # when its creation was last tried
    api_blocked_since: float | None = None  # unsent because the API fails (not a quota)
    note: str | None = None  # what the engine was last told about its wait
    outage_noted: bool = False  # the engine was told the API is unreachable (see bounds)
    deleting: bool = False  # dagwell itself deleted it (a stop, a pending bound)
    node: str | None = None  # where it runs, once it runs
    bound_to: str | None = None  # the node it was scheduled on, while it has not started
    node_down_since: float | None = None  # when its node was first seen not Ready
    node_gone: bool = False  # it ended with its node: deleted with grace 0


class PodTable:
    """The tracked pods by attempt and by name; change both only while holding ``lock``."""

    def __init__(self) -> None:
        self.pods: dict[Key, TrackedPod] = {}
        self.by_name: dict[str, Key] = {}
        self.lock = threading.RLock()
