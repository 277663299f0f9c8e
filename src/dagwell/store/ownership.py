"""Who owns a running run: the owner tag (host, pid, boot id) and the orphan test.

A run records its orchestrator's owner tag and heartbeat; a run whose owner process is gone
on this host, or whose heartbeat went silent elsewhere, is orphaned and can be resumed.
"""

from __future__ import annotations

import os
import socket
import time

from dagwell.core.statuses import RunStatus

ORPHAN_AFTER = 30.0  # seconds without a heartbeat before a running run counts as orphaned


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return "unknown"


def owner_tag() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{boot_id()}"


def is_orphaned(
    status: str,
    heartbeat_at: float | None,
    owner: str | None,
    now: float | None = None,
    after: float = ORPHAN_AFTER,
) -> bool:
    """A running run whose orchestrator is gone: dead pid on this host, or a stale heartbeat."""
    if status != RunStatus.RUNNING.value:
        return False
    now = time.time() if now is None else now
    if owner:
        host, _, rest = owner.partition(":")
        pid_text, _, boot = rest.partition(":")
        if host == socket.gethostname() and boot == boot_id() and pid_text.isdigit():
            return not _pid_alive(int(pid_text))
    return heartbeat_at is None or now - heartbeat_at > after
