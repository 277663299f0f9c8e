"""Who owns a running run: the owner tag (host, pid, boot id, process start) and the
orphan test.

A run records its orchestrator's owner tag and heartbeat; a run whose owner process is gone
on this host, or whose heartbeat went silent elsewhere, is orphaned and can be resumed. The
process's start time (in clock ticks since boot) tells a reused pid from the orchestrator:
a process with that pid that started at another time is someone else's, and the owner is
gone (tags of an older dagwell have no start time: the pid alone decides).
"""

from __future__ import annotations

import os
import socket
import time

from dagwell.core.statuses import RunStatus

ORPHAN_AFTER = 30.0  # seconds without a heartbeat before a running run counts as orphaned


def process_state(pid: int) -> str | None:
    """The kernel's one-letter state of process ``pid`` (``R``, ``S``, ``T`` stopped, ``Z``
    zombie, ...); None when there is no such process or no ``/proc`` to ask."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[0]  # after the command name, which may hold ")"


def start_ticks(pid: int) -> str | None:
    """When process ``pid`` started, in clock ticks since boot (``/proc/<pid>/stat`` field
    22); None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def owner_process(owner: str | None) -> int | None:
    """The pid of the live process on this host that ``owner`` names: None when it is
    elsewhere, gone (a zombie too: it runs nothing) or its pid now another process's."""
    pid = local_pid(owner)
    if pid is None or not _pid_alive(pid):
        return None
    started = owner_started(owner)
    if started is not None and started != start_ticks(pid):
        return None  # the pid was reused after the orchestrator died
    return pid


def owner_started(owner: str | None) -> str | None:
    """The process start time an owner tag holds; None in a tag of an older dagwell (then
    a live process with its pid may be the orchestrator, or one that got its pid since)."""
    parts = str(owner or "").split(":", 3)
    return parts[3] or None if len(parts) == 4 else None


def _pid_alive(pid: int) -> bool:
    """A zombie (killed, not yet reaped by its parent) is dead: it runs nothing."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return process_state(pid) != "Z"


def boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return "unknown"


def owner_tag(pid: int | None = None) -> str:
    """This process's tag (or process ``pid``'s): host, pid, boot id, start time."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{boot_id()}:{start_ticks(pid) or ''}"


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
    if local_pid(owner) is not None:
        return owner_process(owner) is None
    return heartbeat_at is None or now - heartbeat_at > after


def local_pid(owner: str | None) -> int | None:
    """The pid of ``owner`` when it is a process on this host since its last boot."""
    if not owner:
        return None
    host, _, rest = owner.partition(":")
    pid_text, _, boot = rest.partition(":")
    boot = boot.partition(":")[0]  # (then the process's start time)
    if host == socket.gethostname() and boot == boot_id() and pid_text.isdigit():
        return int(pid_text)
    return None
