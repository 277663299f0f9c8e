"""One thread for the local runtime's cgroup housekeeping, off the engine loop.

Making and removing cgroup directories takes the kernel's ``cgroup_mutex``, and a cgroup
v1 attach (any process joining any cgroup on the machine) holds that mutex while it waits
for an RCU grace period: a mkdir or rmdir that is quick on an idle machine can wait
milliseconds on a busy one. Removing a recorded attempt's cgroup and making spare cgroups
for warm children need not happen on the loop's thread, so they happen here, in order;
the loop only hands jobs over. (The GIL is released while the thread waits in the kernel.)
The attempts' temporary folders are made and removed the same way, on a thread of their
own (see :mod:`attempt_scratch`): a mkdir in an ext4 /tmp took 100-250 us (2026-12-03).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger("dagwell.local")


class Housekeeping:
    def __init__(self, name: str = "dagwell-cgroups") -> None:
        self.name = name
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def submit(self, job: Callable[[], None]) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name=self.name, daemon=True)
            self._thread.start()
        self._jobs.put(job)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except Exception:  # a job that cannot be done leaves it to close()
                log.debug("%s: a job failed", self.name, exc_info=True)

    def close(self, timeout: float) -> bool:
        """Finish the jobs handed over (within ``timeout``); False if the thread still runs
        (its jobs are then left to the caller's own cleanup)."""
        if self._thread is None:
            return True
        self._jobs.put(None)
        self._thread.join(timeout)
        return not self._thread.is_alive()
