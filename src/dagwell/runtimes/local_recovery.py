"""Ending attempts a dead orchestrator left behind, from the evidence that survived it.

When a run is taken over (``dagwell runs resume`` or ``runs stop`` on an orphan), each
attempt that was running is either still alive (killed now, recorded ``lost``) or already
gone: then its cgroup's OOM counters and its result manifest say how it ended.
"""

from __future__ import annotations

import contextlib
import os
import signal

from dagwell.core.failures import Failure, FailureKind
from dagwell.core.manifest import ResultManifest
from dagwell.runtimes.base import AttemptExited, AttemptSpec
from dagwell.runtimes.cgroups import CgroupEvidence
from dagwell.runtimes.local_evidence import LocalEvidence, classify_exit
from dagwell.runtimes.steady_clock import steady_time


def recovered_exit(
    spec: AttemptSpec,
    manifest: ResultManifest | None,
    evidence: CgroupEvidence | None,
    still_running: bool,
    node_memory: int | None,
) -> AttemptExited:
    """The end of an attempt whose orchestrator died, from what evidence is left."""

    def exited(failure: Failure | None) -> AttemptExited:
        return AttemptExited(
            spec.step_id,
            spec.attempt,
            failure,
            manifest,
            peak_memory=evidence.peak_memory if evidence else None,
            memory_limit=spec.memory_limit,
            ended_at=steady_time(),
            node="local",
            killed_at_takeover=still_running,
            # its own failure, written before any stop of the takeover could reach it
            ended_before_stop=manifest is not None and not manifest.ok and not still_running,
        )

    if still_running:
        return exited(
            Failure(
                FailureKind.LOST,
                (
                    "The orchestrator died while this attempt ran; it was killed when the run was "
                    "taken over, because its exit status could no longer be observed."
                ),
            )
        )
    if evidence is not None and evidence.oom_kills:
        return exited(
            classify_exit(
                LocalEvidence(
                    exit_code=None,
                    signal=signal.SIGKILL,
                    oom_kills=evidence.oom_kills,
                    own_limit_hit=evidence.own_limit_hit,
                    own_limit=spec.memory_limit,
                    peak_memory=evidence.peak_memory,
                    node_memory=node_memory,
                    manifest=manifest,
                )
            )
        )
    if manifest is not None and manifest.ok:
        return exited(None)
    if manifest is not None:
        return exited(
            classify_exit(
                LocalEvidence(
                    exit_code=1,
                    signal=None,
                    oom_kills=0,
                    own_limit_hit=False,
                    own_limit=spec.memory_limit,
                    peak_memory=None,
                    node_memory=node_memory,
                    manifest=manifest,
                )
            )
        )
    return exited(
        Failure(
            FailureKind.LOST,
            (
                "The attempt left no result: it ended when its orchestrator died (attempts "
                "are killed with their orchestrator) or while it was dead; its exit status is "
                "unknown."
            ),
        )
    )


def kill_if_ours(pid: int, started_at: float | None) -> bool:
    """Without cgroups, a recorded attempt is found by pid; a reused pid is not killed."""
    import psutil

    try:
        proc = psutil.Process(pid)
        born = proc.create_time()
    except psutil.Error:
        return False
    if started_at is None or not (started_at - 5 <= born <= started_at + 5):
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    return True
