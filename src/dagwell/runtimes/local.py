"""The local runtime: each attempt in its own process, under real memory limits.

Launch forks from the warm orchestrator process (the pipeline's module is already
imported, so an attempt costs a fork, not an interpreter start) when that is safe: a
single-threaded parent and a function object in hand. Otherwise it spawns
``python -m dagwell.worker``. Each child gets its own process group (Ctrl-C reaches only
the orchestrator), joins its attempt cgroup first thing, and writes stdout/stderr straight
to a per-attempt log file, line-buffered, so a log survives an OOM kill mid-write.

Exits are noticed through pidfds in a selector: no polling loop, no SIGCHLD handler.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import selectors
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagwell.artifacts import open_artifact_store
from dagwell.failures import Failure, FailureKind
from dagwell.manifest import ResultManifest
from dagwell.runtimes.base import AttemptExited, AttemptSpec, RuntimeEvent, RuntimeInfo
from dagwell.runtimes.cgroups import AttemptGroup, CgroupEvidence, CgroupSetup, NodeGroup
from dagwell.runtimes.local_evidence import LocalEvidence, classify_exit
from dagwell.runtimes.watchdog import Watchdog

log = logging.getLogger("dagwell.local")


@dataclass
class _Running:
    spec: AttemptSpec
    pid: int
    pidfd: int
    group: AttemptGroup | None
    started_at: float
    stop_reason: FailureKind | None = None


def _fork_is_safe() -> bool:
    return threading.active_count() == 1


class LocalRuntime:
    def __init__(
        self,
        *,
        run_id: str,
        node_memory: int,
        node_cpu: float | None,
        cgroups: CgroupSetup,
        start_method: str = "auto",
    ) -> None:
        self.run_id = run_id
        self.cgroups = cgroups
        self.start_method = start_method
        self.selector = selectors.DefaultSelector()
        self.running: dict[tuple[str, int], _Running] = {}
        self.node: NodeGroup | None = None
        self.watchdog: Watchdog | None = None
        if cgroups.version == "none":
            self.watchdog = Watchdog(node_memory)
        else:
            self.node = cgroups.create_node(f"run-{run_id}", node_memory, node_cpu)
        backend = f"cgroup {cgroups.version}" if self.node else f"watchdog ({cgroups.reason})"
        self.info = RuntimeInfo(
            "local",
            node_memory,
            node_cpu,
            {
                "backend": backend,
                "start_method": start_method,
                "node_cgroup": str(self.node.path) if self.node else None,
            },
        )

    # -- launch -----------------------------------------------------------------------------
    def launch(self, spec: AttemptSpec, func: Callable[..., Any] | None) -> str:
        group = None
        if self.node is not None:
            group = self.node.attempt(f"{spec.step_id}.{spec.attempt}", spec.memory_limit, spec.cpu)
        assert spec.log_path is not None
        Path(spec.log_path).parent.mkdir(parents=True, exist_ok=True)
        log_fd = os.open(spec.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            use_fork = (
                func is not None
                and self.start_method != "spawn"
                and (self.start_method == "fork" or _fork_is_safe())
            )
            pid = (
                self._fork(spec, func, group, log_fd)
                if use_fork
                else self._spawn(spec, group, log_fd)
            )
        except BaseException:
            if group is not None:
                group.remove()
            raise
        finally:
            os.close(log_fd)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.setpgid(pid, pid)  # also done by the child; whoever is first closes the race
        pidfd = os.pidfd_open(pid)
        key = (spec.step_id, spec.attempt)
        self.running[key] = _Running(spec, pid, pidfd, group, time.time())
        self.selector.register(pidfd, selectors.EVENT_READ, key)
        if self.watchdog is not None:
            self.watchdog.add(pid, spec.memory_limit)
        return str(pid)

    def _fork(
        self,
        spec: AttemptSpec,
        func: Callable[..., Any] | None,
        group: AttemptGroup | None,
        log_fd: int,
    ) -> int:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            return pid
        code = 70
        try:
            os.setpgid(0, 0)
            if group is not None:
                from dagwell.worker import join_cgroups

                join_cgroups(os.pathsep.join(str(p) for p in group.procs_files))
            os.dup2(log_fd, 1)
            os.dup2(log_fd, 2)
            os.close(log_fd)
            os.environ["DAGWELL_ATTEMPT"] = "1"
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            from dagwell.worker import prepare_process, run_attempt

            prepare_process()
            code = run_attempt(spec, func)
        except BaseException:
            with contextlib.suppress(BaseException):
                import traceback

                traceback.print_exc()
        finally:
            with contextlib.suppress(BaseException):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)

    def _spawn(self, spec: AttemptSpec, group: AttemptGroup | None, log_fd: int) -> int:
        assert spec.log_path is not None
        spec_path = spec.log_path.removesuffix(".log") + ".spec.json"
        with open(spec_path, "w") as f:
            json.dump(spec.to_json(), f)
        env = dict(os.environ)
        env["DAGWELL_ATTEMPT"] = "1"
        env["PYTHONUNBUFFERED"] = "1"
        if group is not None:
            env["DAGWELL_CGROUP_PROCS"] = os.pathsep.join(str(p) for p in group.procs_files)
        return os.posix_spawn(
            sys.executable,
            [sys.executable, "-m", "dagwell.worker", spec_path],
            env,
            file_actions=[(os.POSIX_SPAWN_DUP2, log_fd, 1), (os.POSIX_SPAWN_DUP2, log_fd, 2)],
            setpgroup=0,
        )

    # -- observe ----------------------------------------------------------------------------
    def wait(self, timeout: float) -> list[RuntimeEvent]:
        if self.watchdog is not None and self.watchdog.watched:
            timeout = min(timeout, self.watchdog.interval)
            self.watchdog.sample()
        if not self.running:
            time.sleep(max(0.0, min(timeout, 0.05)))
            return []
        ready = self.selector.select(max(0.0, timeout))
        events: list[RuntimeEvent] = []
        for key, _mask in ready:
            events.append(self._reap(key.data))
        return events

    def _reap(self, key: tuple[str, int]) -> AttemptExited:
        item = self.running.pop(key)
        self.selector.unregister(item.pidfd)
        os.close(item.pidfd)
        _, status, rusage = os.wait4(item.pid, 0)
        ended = time.time()
        exit_code = os.waitstatus_to_exitcode(status)
        sig = -exit_code if exit_code < 0 else None
        code = None if sig is not None else exit_code
        watched = self.watchdog.forget(item.pid) if self.watchdog else None
        if item.group is not None:
            evidence = item.group.evidence()
            oom_kills, own_hit, peak = (
                evidence.oom_kills,
                evidence.own_limit_hit,
                evidence.peak_memory,
            )
            item.group.remove()
        else:
            oom_kills, own_hit = 0, False
            peak = max(rusage.ru_maxrss * 1024, watched.peak if watched else 0)
        manifest = None
        with contextlib.suppress(Exception):
            manifest = open_artifact_store(item.spec.artifact_store).read_manifest(
                item.spec.manifest_key
            )
        failure = classify_exit(
            LocalEvidence(
                exit_code=code,
                signal=sig,
                oom_kills=oom_kills,
                own_limit_hit=own_hit,
                own_limit=item.spec.memory_limit,
                peak_memory=peak,
                node_memory=self.info.node_memory,
                manifest=manifest,
                stop_reason=item.stop_reason,
                watchdog_kill=watched.verdict if watched else None,
                backend=str(self.info.details["backend"]),
            )
        )
        return AttemptExited(
            item.spec.step_id,
            item.spec.attempt,
            failure,
            manifest,
            code,
            sig,
            peak,
            item.spec.memory_limit,
            item.started_at,
            ended,
            node="local",
        )

    def observed_memory(self) -> int | None:
        if self.node is not None:
            with contextlib.suppress(OSError):
                return self.node.usage()
        return None

    # -- control ----------------------------------------------------------------------------
    def stop(self, step_id: str, attempt: int, reason: FailureKind) -> None:
        item = self.running.get((step_id, attempt))
        if item is None:
            return
        item.stop_reason = reason
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(item.pid, signal.SIGKILL)
        if item.group is not None:
            item.group.kill()

    def recover(self, spec: AttemptSpec, external_id: str | None) -> AttemptExited | None:
        """An attempt of a dead orchestrator is not our child (its exit status is lost), so
        it is never adopted: if it still runs it is killed and retried as ``lost``; if it
        finished, its cgroup counters and manifest decide whether it completed.
        """
        group = self.node.existing_attempt(f"{spec.step_id}.{spec.attempt}") if self.node else None
        still_running = bool(group and group.pids())
        if group is not None:
            group.kill()
        evidence = group.evidence() if group is not None else None
        if group is not None:
            group.remove()
        manifest = None
        with contextlib.suppress(Exception):
            manifest = open_artifact_store(spec.artifact_store).read_manifest(spec.manifest_key)
        return recovered_exit(spec, manifest, evidence, still_running, self.info.node_memory)

    def release(self, step_id: str, attempt: int) -> None:
        return None

    def close(self) -> None:
        for key in list(self.running):
            self.stop(*key, FailureKind.CANCELLED)
        for key in list(self.running):
            with contextlib.suppress(ChildProcessError):
                self._reap(key)
        self.selector.close()
        if self.node is not None:
            self.node.remove()


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
            ended_at=time.time(),
            node="local",
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
                "The attempt ended while its orchestrator was dead and left no result; its exit "
                "status is unknown."
            ),
        )
    )
