"""An orchestrator that is alive but frozen: found, and ended, so its run can be finished.

A run's orchestrator on this host that is stopped (Ctrl-Z, SIGSTOP, a debugger's stop) or
whose heartbeat has been silent for longer than :data:`ORPHAN_AFTER` although its process
lives (a hang) can neither honour a stop request nor be taken for dead: its run is not
orphaned, so ``dagwell runs stop`` would wait for it forever and ``runs resume`` would
refuse. Those commands end such an orchestrator with SIGKILL (it could not clean up
anyway; its attempts die with it through ``PR_SET_PDEATHSIG``), after which the run is
orphaned and the crash-safe takeover path of :mod:`.resume` records what really happened.

An orchestrator that runs attempts in its own thread (``isolation="inprocess"``) cannot
heartbeat during a step, so for it only a stopped process counts as frozen. Only a process
known to be the orchestrator is killed: one whose start time is the one its owner tag
records. A tag of an older dagwell has none, and its pid may be another process's by now
(the orchestrator died, the pid was reused): that process is left alone, and the user is
told how to end the orchestrator if it is one.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dagwell.core.errors import PermanentError
from dagwell.core.statuses import RunStatus
from dagwell.core.units import format_seconds
from dagwell.store.ownership import ORPHAN_AFTER, owner_process, owner_started, process_state

STOPPED_STATES = ("T", "t")  # stopped by a signal; stopped by a tracer
KILL_WAIT = 10.0  # s a killed orchestrator gets to vanish before the command gives up


class OwnerNotEnded(PermanentError):
    """A frozen orchestrator could not be killed (another user's process, or it would not die)."""


@dataclass(frozen=True)
class FrozenOwner:
    pid: int
    why: str  # what showed it frozen, for the user
    identified: bool = True  # its start time is the owner tag's: it is the orchestrator


def frozen_owner(row: Mapping[str, Any], now: float | None = None) -> FrozenOwner | None:
    """The frozen orchestrator of the running run ``row`` (a runs row), or None."""
    if row["status"] != RunStatus.RUNNING.value:
        return None
    pid = owner_process(row["owner"])  # (not a reused pid: that is no orchestrator)
    if pid is None:
        return None
    state = process_state(pid)
    if state is None or state == "Z":
        return None  # gone: the run is orphaned, not frozen
    identified = owner_started(row["owner"]) is not None
    if state in STOPPED_STATES:
        return FrozenOwner(pid, "stopped (Ctrl-Z, SIGSTOP or a debugger)", identified)
    if (row["orchestrator"] or {}).get("isolation") == "inprocess":
        return None  # its loop cannot heartbeat while a step runs in its thread
    beat = row["heartbeat_at"]
    silent = (time.time() if now is None else now) - beat if beat is not None else None
    if silent is not None and silent > ORPHAN_AFTER:
        return FrozenOwner(
            pid,
            f"hung: its process lives but its heartbeat (every second) has been silent for "
            f"{format_seconds(silent)}",
            identified,
        )
    return None


def unidentified(frozen: FrozenOwner, run_id: str) -> str:
    """What to do about a frozen-looking process the owner tag cannot prove is the
    orchestrator (see the module's docstring): it is not killed."""
    return (
        f"Run {run_id} was recorded by an older dagwell, whose owner tag holds only a pid, "
        f"and pid {frozen.pid} may be another process by now (one that got the pid after "
        f"the orchestrator died), so it is not killed although it looks {frozen.why}. If "
        f"pid {frozen.pid} is the run's orchestrator (`ps -o pid,lstart,args -p "
        f"{frozen.pid}`), end it with `kill -9 {frozen.pid}` and run this command again."
    )


def end_frozen_owner(frozen: FrozenOwner, run_id: str, timeout: float = KILL_WAIT) -> None:
    """SIGKILL ``frozen`` and wait until it is gone (a zombie is gone: it runs nothing).
    Only call it for an ``identified`` one."""
    try:
        os.kill(frozen.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    except PermissionError:
        raise OwnerNotEnded(
            f"Run {run_id}'s orchestrator (pid {frozen.pid}) is {frozen.why}, and this user "
            f"may not kill it. Continue it (`kill -CONT {frozen.pid}`) or kill it "
            f"(`kill -9 {frozen.pid}`) as its user, then run this command again."
        ) from None
    deadline = time.monotonic() + timeout
    while process_state(frozen.pid) not in (None, "Z"):
        if time.monotonic() > deadline:
            raise OwnerNotEnded(
                f"Run {run_id}'s orchestrator (pid {frozen.pid}) was {frozen.why}; it was "
                f"sent SIGKILL but is still there after {format_seconds(timeout)} (stuck in "
                "the kernel?). Run this command again once it is gone."
            )
        time.sleep(0.05)
