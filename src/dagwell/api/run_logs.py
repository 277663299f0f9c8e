"""An attempt's log, read wherever it is kept: the run's artifact store, else this home.

The orchestrator stores each Kubernetes attempt's log in the run's artifact store
(:mod:`dagwell.artifact_store.attempt_logs`): the only copy a detached run's readers can
reach, and the whole one when the orchestrator that wrote this machine's copy died before
the attempt ended. Local attempts write only their log file in the home of the machine
they run on. Both copies hold the same bytes at the same offsets, so a reader that follows
a log by offset may get one part from each.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagwell.artifact_store.attempt_logs import AttemptLog


class AttemptLogReader:
    def __init__(self, shared: AttemptLog, local: Path) -> None:
        self.shared = shared
        self.local = local

    def read(self, offset: int = 0) -> bytes | None:
        """The log from byte ``offset`` on; None when neither place has one."""
        data = self.shared.read(offset)
        if data is not None:
            return data
        try:
            with open(self.local, "rb") as f:
                f.seek(offset)
                return f.read()
        except FileNotFoundError:
            return None

    def size(self) -> int:
        if self.shared.exists():
            return self.shared.size()
        try:
            return os.path.getsize(self.local)
        except FileNotFoundError:
            return 0

    def text(self) -> str | None:
        data = self.read()
        return None if data is None else data.decode(errors="replace")
