"""The local runtime: each attempt in its own process, under real memory limits.

Launch forks from a warm parent that already imported the pipeline's modules, so an
attempt costs a fork, not an interpreter start: the zygote (see :mod:`zygote`), forked
from the orchestrator before the store and the display were loaded (or, after one died,
a new one forked later); or the orchestrator itself (when zygotes kept dying, or one was
killed as stopped or hung); or, only when ``start_method="spawn"`` asks for it, a
spawned ``python -m dagwell.runtimes.worker``: the same whether or not other threads run.
Each child gets its own process group (Ctrl-C reaches only the orchestrator), joins its
attempt cgroup first thing, and writes stdout/stderr straight to a per-attempt log file,
line-buffered, so a log survives an OOM kill mid-write.

Exits are noticed through pidfds (direct children) or the zygote's reports, in one
selector: no polling loop, no SIGCHLD handler in the orchestrator.
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
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dagwell.artifact_store.store import open_artifact_store
from dagwell.core.failures import FailureKind
from dagwell.core.memory import attempt_peak
from dagwell.core.names import safe_key
from dagwell.runtimes.attempt_scratch import AttemptLeftovers
from dagwell.runtimes.base import (
    AttemptExited,
    AttemptRunning,
    AttemptSpec,
    RuntimeEvent,
    RuntimeInfo,
)
from dagwell.runtimes.cgroups import AttemptGroup, CgroupSetup, NodeGroup, V1Attempt, V1Node
from dagwell.runtimes.forked import fork_attempt
from dagwell.runtimes.housekeeping import Housekeeping
from dagwell.runtimes.local_evidence import (
    LocalEvidence,
    classify_exit,
    classify_unreported,
    ended_before_stop,
)
from dagwell.runtimes.local_recovery import kill_if_ours, recovered_exit
from dagwell.runtimes.log_tail import last_exception
from dagwell.runtimes.sampler import MemorySampler
from dagwell.runtimes.signal_shield import shielded, unshielded
from dagwell.runtimes.steady_clock import steady_time
from dagwell.runtimes.watchdog import Watchdog
from dagwell.runtimes.worker import PARENT_ENV, attempt_env
from dagwell.runtimes.zygote import (
    ANSWER_WITHIN,
    Exited,
    ForkFailed,
    Started,
    Zygote,
    ZygoteGone,
)

log = logging.getLogger("dagwell.local")


@dataclass
class _Running:
    spec: AttemptSpec
    pid: int | None  # None until the zygote reports the fork
    pidfd: int | None  # None when the zygote forked it (the zygote reports its exit)
    group: AttemptGroup | None
    started_at: float
    stop_reason: FailureKind | None = None
    done: int | None = None  # a warm child's done pipe (see forked.fork_warm)


@dataclass(frozen=True)
class _Done:
    """Selector data of an attempt's done pipe (a pidfd's is the attempt's key)."""

    key: tuple[str, int]


def group_name(step_id: str, attempt: int) -> str:
    """An attempt's cgroup directory name: any step id works (see core.names)."""
    return f"{safe_key(step_id)}.{attempt}"


#: A spare cgroup's name: "@" is in no safe key, so no attempt's cgroup is ever called so.
SPARE_PREFIX = "@warm-"
#: Warm children kept ready (cgroup v1): two, so that the one a launch takes was asked for
#: two launches earlier and has had time to fork, join its cgroup and rehearse.
WARM_CHILDREN = 2
#: Seconds between looks at whether the zygote is stopped or hung; seen stopped twice in a
#: row (not a profiler's pause of a few milliseconds), or silent for ANSWER_WITHIN, it is
#: killed (see ``_end_a_stuck_zygote``).
ZYGOTE_CHECK_EVERY = 1.0
#: New zygotes started after one died (see ``_zygote_died``); then attempts fork directly.
ZYGOTE_RESTARTS = 3

#: Why an attempt whose launcher died, and that left no result, is ``lost``.
LAUNCHER_DIED = (
    "dagwell's launcher process died while this attempt ran; the attempt was killed and its "
    "exit status is unknown."
)


class LocalRuntime:
    def __init__(
        self,
        *,
        run_id: str,
        node_memory: int,
        node_cpu: float | None,
        cgroups: CgroupSetup,
        start_method: str = "auto",
        functions: Mapping[str, Callable[..., Any] | None] | None = None,
    ) -> None:
        self.run_id = run_id
        self.cgroups = cgroups
        self.start_method = start_method
        self.selector = selectors.DefaultSelector()
        self.running: dict[tuple[str, int], _Running] = {}
        self.by_pid: dict[int, tuple[str, int]] = {}
        # what happened to attempts, not yet handed to the engine: each event is kept here
        # the moment it is known (while a launch runs too: a zygote that died, a reused
        # pid), and wait() hands over the lot, so a stop (KeyboardInterrupt) landing in
        # between loses none: the next wait(), the stop's, hands it over
        self.early: list[RuntimeEvent] = []
        self.spent: dict[tuple[str, int], AttemptGroup] = {}  # read, not yet removed
        self.node: NodeGroup | None = None  # created with the first attempt (see _node_group)
        self.watchdog: Watchdog | None = None
        self.sampler = MemorySampler(self.observed_memory)
        self.zygote: Zygote | None = None
        self._zygote_checked, self._zygote_stops = 0.0, 0
        self.housekeeping = Housekeeping()  # cgroup mkdir/rmdir off the loop
        self.leftovers = AttemptLeftovers(run_id)  # attempts' TMPDIRs and partial writes
        self.warm: deque[tuple[int, V1Attempt]] = deque()  # warm children: slot, spare cgroup
        self._warm_lock = threading.Lock()
        self._warm_coming = 0  # asked of the housekeeping thread, not yet in self.warm
        self._slots = 0
        # Always the zygote unless spawn is asked for: whether a step built by a factory (a
        # closure) can run must not depend on whether some other thread happens to run in
        # this process. (Forking a threaded process is safe here: the zygote only selects,
        # forks and reaps; CPython re-initialises its own locks in the child.)
        self._functions = functions
        self._zygote_restarts = 0
        if start_method != "spawn" and functions is not None:
            self._start_zygote(functions)  # before this process grows any further
        self._node_args = (f"run-{run_id}", node_memory, node_cpu)
        if cgroups.version == "none":
            self.watchdog = Watchdog(node_memory)
        backend = f"cgroup {cgroups.version}" if cgroups.base else f"watchdog ({cgroups.reason})"
        self.info = RuntimeInfo(
            "local",
            node_memory,
            node_cpu,
            {
                "backend": backend,
                "start_method": "zygote" if self.zygote else start_method,
                "node_cgroup": str(cgroups.base / self._node_args[0]) if cgroups.base else None,
            },
        )

    def _start_zygote(self, functions: Mapping[str, Callable[..., Any] | None]) -> None:
        self.zygote = Zygote.start(functions)
        self.zygote.tracked = self.by_pid.__contains__
        self.selector.register(self.zygote.ev_r, selectors.EVENT_READ, "zygote")
        self.selector.register(self.zygote.pidfd, selectors.EVENT_READ, "zygote-exit")

    def _node_group(self) -> NodeGroup | None:
        """The run's node cgroup, created (or taken over) when first needed: only once the
        run is recorded, so an orchestrator that dies before that leaves nothing behind."""
        if self.node is None and self.cgroups.version != "none":
            self.node = self.cgroups.create_node(*self._node_args)
        return self.node

    # -- launch -----------------------------------------------------------------------------
    def launch(self, spec: AttemptSpec, func: Callable[..., Any] | None) -> str:
        with shielded():  # (a stop between the fork and its entry in self.running: see there)
            return self._launch(spec, func)

    def _launch(self, spec: AttemptSpec, func: Callable[..., Any] | None) -> str:
        spec = replace(spec, scratch=self.leftovers.folder(spec))
        group: AttemptGroup | None = None
        slot: int | None = None
        node = self._node_group()
        if node is not None:
            name = group_name(spec.step_id, spec.attempt)
            if isinstance(node, V1Node) and spec.cpu is None:
                slot, group = self._take_spare(node, name, spec.memory_limit)
            if group is None:
                group = node.attempt(name, spec.memory_limit, spec.cpu)
        procs = [str(p) for p in group.procs_files] if group is not None else []
        assert spec.log_path is not None
        Path(spec.log_path).parent.mkdir(parents=True, exist_ok=True)
        pidfd: int | None = None
        pid: int | None = None
        done: int | None = None
        try:
            if self.zygote is not None and slot is not None:
                handed = self.zygote.hand(slot, spec)  # the warm child runs it: no zygote hop
                if handed is not None:
                    pid, done = handed
            if self.zygote is not None and pid is None:
                try:
                    self.zygote.submit(spec, procs)  # the pid arrives later: AttemptRunning
                except ZygoteGone:
                    self._zygote_died()
            if self.zygote is None:
                use_fork = func is not None and self.start_method != "spawn"
                pid = fork_attempt(spec, func, procs) if use_fork else self._spawn(spec, procs)
                pidfd = os.pidfd_open(pid)
        except BaseException:
            if group is not None:
                group.remove()
            self.leftovers.ended(spec, succeeded=False)
            raise
        key = (spec.step_id, spec.attempt)
        self.running[key] = _Running(spec, pid, pidfd, group, steady_time(), done=done)
        if done is not None:
            self.selector.register(done, selectors.EVENT_READ, _Done(key))
        if group is not None:
            self.sampler.add(key, group)
        if isinstance(node, V1Node):
            self._prewarm(node, spec)  # for the next launch, while this attempt runs
        if pid is None:
            return ""
        self._started(key, pid)
        if pidfd is not None:
            self.selector.register(pidfd, selectors.EVENT_READ, key)
        return str(pid)

    def _take_spare(
        self, node: V1Node, name: str, memory: int | None
    ) -> tuple[int | None, AttemptGroup | None]:
        """A warm child's cgroup renamed to ``name``, and its slot; (None, None) if no warm
        child is ready (or its cgroup cannot be had: the launch then forks into a new
        cgroup)."""
        zygote = self.zygote
        if zygote is None or not self.warm:
            return None, None
        spares = list(self.warm)  # (the housekeeping thread appends to it)
        if not any(slot in zygote.warm for slot, _ in spares):
            zygote.read()  # (its W may be waiting in the socket; the rest is kept for wait())
            self._forget_unfilled()
            spares = list(self.warm)
        chosen = next(((slot, spare) for slot, spare in spares if slot in zygote.warm), None)
        if chosen is None:
            return None, None
        self.warm.remove(chosen)
        slot, spare = chosen
        try:
            return slot, node.take_spare(spare, name, memory)
        except OSError as error:
            log.debug("warm cgroup %s unusable (%s); forking as usual", spare.path, error)
            zygote.drop_slot(slot)
            with contextlib.suppress(OSError):
                spare.remove()  # (renamed already: the launch's own mkdir replaces it)
            return None, None

    def _forget_unfilled(self) -> None:
        """Spare cgroups the zygote could not fork a child into: removed, others asked for."""
        zygote = self.zygote
        if zygote is None or not zygote.no_warm:
            return
        for item in list(self.warm):
            if item[0] in zygote.no_warm:  # (else its spare is not in self.warm yet)
                zygote.no_warm.remove(item[0])
                self.warm.remove(item)
                self.housekeeping.submit(item[1].remove)

    def _prewarm(self, node: V1Node, like: AttemptSpec) -> None:
        """Keep WARM_CHILDREN warm children coming: spare cgroups are made, and the zygote
        asked for their children, by the housekeeping thread (see :mod:`housekeeping`)."""
        zygote = self.zygote
        if zygote is None:
            return
        with self._warm_lock:
            wanted = WARM_CHILDREN - len(self.warm) - self._warm_coming
            self._warm_coming += max(0, wanted)
        for _ in range(wanted):
            self._slots += 1
            slot = self._slots

            def job(slot: int = slot) -> None:
                spare = None
                try:
                    spare = node.spare(f"{SPARE_PREFIX}{slot}")
                    zygote.prewarm(slot, [str(p) for p in spare.procs_files], like)
                    self.warm.append((slot, spare))
                except (OSError, ZygoteGone) as error:  # that launch forks instead
                    log.debug("no warm child: %s", error)
                    if spare is not None:
                        with contextlib.suppress(OSError):
                            spare.remove()
                finally:
                    with self._warm_lock:
                        self._warm_coming -= 1

            self.housekeeping.submit(job)

    def _drop_spares(self) -> None:
        """Remove the spare cgroups (their warm children die with them)."""
        if self.zygote is not None:
            self.zygote.drop_warm()
        while self.warm:
            _, spare = self.warm.popleft()
            with contextlib.suppress(OSError):
                spare.remove()

    def _started(self, key: tuple[str, int], pid: int) -> None:
        if pid in self.by_pid and self.zygote is not None:
            # The kernel reused the pid of an attempt whose exit is still unread news: that
            # exit is the old attempt's, and must end it before the pid names this one.
            self._zygote_news(until_pid=pid)
        item = self.running[key]
        item.pid = pid
        self.by_pid[pid] = key
        if self.watchdog is not None:
            self.watchdog.add(pid, item.spec.memory_limit)
        if item.stop_reason is not None:  # stopped before its pid was known
            self._kill(item)

    def _spawn(self, spec: AttemptSpec, procs: list[str]) -> int:
        assert spec.log_path is not None
        spec_path = spec.log_path.removesuffix(".log") + ".spec.json"
        with open(spec_path, "w") as f:
            json.dump(spec.to_json(), f)
        env = {**os.environ, **attempt_env(spec), "PYTHONUNBUFFERED": "1"}
        env[PARENT_ENV] = str(os.getpid())
        if procs:
            env["DAGWELL_CGROUP_PROCS"] = os.pathsep.join(procs)
        log_fd = os.open(spec.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            return os.posix_spawn(
                sys.executable,
                [sys.executable, "-m", "dagwell.runtimes.worker", spec_path],
                env,
                file_actions=[(os.POSIX_SPAWN_DUP2, log_fd, 1), (os.POSIX_SPAWN_DUP2, log_fd, 2)],
                setpgroup=0,
            )
        finally:
            os.close(log_fd)

    # -- observe ----------------------------------------------------------------------------
    def wait(self, timeout: float) -> list[RuntimeEvent]:
        """The attempts' events. A stop lands only in the select, never between an exit
        read and its event in ``self.early`` (the attempt would be neither followed nor
        reported; see signal_shield); one deferred to the block's end leaves the events
        there for the next call. (The engine keeps what is returned in a shielded block.)"""
        with shielded():
            self._wait(timeout)
        events, self.early = self.early, []  # (a stop deferred above left them in early)
        return events

    def _wait(self, timeout: float) -> None:
        """Read what happened into ``self.early``."""
        if self.watchdog is not None and self.watchdog.watched:
            timeout = min(timeout, self.watchdog.interval)
            self.watchdog.sample()
        if not self.running:
            if not self.early:
                time.sleep(max(0.0, min(timeout, 0.05)))
            return
        self._end_a_stuck_zygote()
        if self.early or (self.zygote is not None and self.zygote.news):
            timeout = 0.0  # (news read during a launch wait here, not in the socket)
        with unshielded():  # (the only part a stop may cut: it consumes nothing)
            ready_list = self.selector.select(self.sampler.timeout(max(0.0, timeout)))
        self.sampler.sample()
        for ready, _mask in ready_list:
            if ready.data == "zygote":
                assert self.zygote is not None
                self.zygote.read()
            elif ready.data == "zygote-exit":
                self._zygote_died()
            elif isinstance(ready.data, _Done):
                self._done(ready.data.key)
            else:
                key: tuple[str, int] = ready.data
                pid = self.running[key].pid
                assert pid is not None
                _, status, usage = os.wait4(pid, 0)
                self._finish(key, status, usage.ru_maxrss)
        if self.zygote is not None:
            self._forget_unfilled()
            self._zygote_news()

    def _end_a_stuck_zygote(self) -> None:
        """A zygote stopped (``kill -STOP``, a debugger) or hung (blocked or spinning, say
        in a library's fork handler) follows none of its attempts: their exits, even after
        a timeout killed them, never came, and the run waited for them forever. Seen
        stopped twice in a row, or silent to a ping for ANSWER_WITHIN seconds, it is
        killed; its attempts die with it and are retried as lost (the infrastructure
        budget), forked directly from then on."""
        now = time.monotonic()
        if self.zygote is None or now < self._zygote_checked + ZYGOTE_CHECK_EVERY:
            return
        self._zygote_checked = now
        self._zygote_stops = self._zygote_stops + 1 if self.zygote.stopped() else 0
        if self._zygote_stops >= 2:
            why = "was stopped (SIGSTOP or a debugger) and followed none of its attempts"
        else:
            try:
                silent = self.zygote.silent_for(now)
            except ZygoteGone:
                return  # (dead, or killed as hung: its pidfd tells the loop)
            if silent < ANSWER_WITHIN:
                return
            why = (
                f"answered nothing for {silent:.0f} s (hung: blocked or spinning) and "
                "followed none of its attempts"
            )
        log.warning("dagwell's zygote (pid %d) %s: it is killed", self.zygote.pid, why)
        self.zygote.kill(why)  # (its pidfd turns readable: handled as a zygote that died)

    def _zygote_news(self, until_pid: int | None = None) -> None:
        """The zygote's news as events, in the order it came (so a reused pid is matched
        to the right attempt); with ``until_pid``, only up to the first exit of that pid."""
        assert self.zygote is not None
        while self.zygote.news:
            news = self.zygote.news.pop(0)
            if isinstance(news, Started):
                if news.key in self.running:
                    self._started(news.key, news.pid)
                    self.early.append(AttemptRunning(*news.key, str(news.pid), "local"))
            elif isinstance(news, ForkFailed):
                if news.key in self.running:
                    why = f"Could not fork the attempt: {news.why}"
                    self._finish(news.key, None, 0, why)
            else:
                owner = self.by_pid.get(news.pid)
                if owner is not None:
                    self._finish(owner, news.status, news.maxrss)
                if news.pid == until_pid:
                    break

    def _done(self, key: tuple[str, int]) -> None:
        """A warm child's ``D<code> <peak RSS kB>``: its manifest is written and it is
        exiting with that code, so its end is handled now, while the kernel still tears its
        address space down (the zygote's later report of that pid is then one nobody
        follows; its cgroup's removal waits for the process to be gone). EOF instead: it
        died before, and the zygote's report of its exit ends it."""
        item = self.running.get(key)
        if item is None or item.done is None:  # (already ended by the zygote's report)
            return
        try:
            said = os.read(item.done, 64)
        except OSError:
            said = b""
        words = said[1:-1].split() if said.startswith(b"D") and said.endswith(b"\n") else []
        if len(words) != 2 or not all(w.isdigit() for w in words):
            self._close_done(item)
            return
        self._finish(key, int(words[0]) << 8, int(words[1]))

    def _close_done(self, item: _Running) -> None:
        if item.done is not None:
            self.selector.unregister(item.done)
            os.close(item.done)
            item.done = None

    def _finish(
        self, key: tuple[str, int], status: int | None, maxrss_kb: int, lost_why: str | None = None
    ) -> None:
        """The attempt ``key`` ended (``status`` None: unknown): its event, for wait()."""
        item = self.running.pop(key)
        if item.pid is not None:
            self.by_pid.pop(item.pid, None)
        if item.pidfd is not None:
            self.selector.unregister(item.pidfd)
            os.close(item.pidfd)
        self._close_done(item)
        ended = steady_time()
        code: int | None = None
        sig: int | None = None
        if status is not None:
            exit_code = os.waitstatus_to_exitcode(status)
            sig = -exit_code if exit_code < 0 else None
            code = None if sig is not None else exit_code
        watched = self.watchdog.forget(item.pid) if self.watchdog and item.pid else None
        if item.group is not None:
            evidence = item.group.evidence(own_peak=False)  # (the peak is attempt_peak's)
            oom_kills, own_hit = evidence.oom_kills, evidence.own_limit_hit
            parent = self.zygote.pid if item.pidfd is None and self.zygote else os.getpid()
            growth = max(0, maxrss_kb * 1024 - self.sampler.inherited_rss(parent))
            peak = attempt_peak(evidence.usage_peak, self.sampler.peak(key), growth, oom_kills > 0)
            self.spent[key] = item.group  # removed in release(), off the critical path
        else:
            oom_kills, own_hit = 0, False
            peak = max(maxrss_kb * 1024, watched.peak if watched else 0)
        manifest = None
        with contextlib.suppress(Exception):
            manifest = open_artifact_store(item.spec.artifact_store).read_manifest(
                item.spec.manifest_key
            )
        seen = LocalEvidence(
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
            log_exception=None if manifest else last_exception(item.spec.log_path),
        )
        own_end = False
        if status is None:  # its launcher died first (killed from outside: a shell, a process
            # the step started): what the attempt left says how it ended
            failure = classify_unreported(seen, lost_why or LAUNCHER_DIED)
            if manifest is not None and manifest.ended_at:  # (not when its end was noticed)
                ended = min(ended, manifest.ended_at)
        else:
            failure, own_end = classify_exit(seen), ended_before_stop(seen)
        self.leftovers.ended(item.spec, succeeded=failure is None)
        oom = failure is not None and failure.kind is FailureKind.OOM_KILLED
        series = self.sampler.pop(key, ended if oom else None)
        self.early.append(
            AttemptExited(
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
                memory=series.to_json() if series is not None else None,
                ended_before_stop=own_end,
            )
        )

    def _zygote_died(self) -> None:
        """Attempts forked by a dead zygote are orphans we cannot follow: kill, report lost.

        A zygote that died (killed from outside: a step's own signal to it is never sent,
        see self_kill) is replaced, up to ZYGOTE_RESTARTS times, then attempts are forked
        by the orchestrator itself. One that dagwell killed (stopped or hung) is not: the
        next would likely fare the same, so attempts are forked directly from then on."""
        zygote, self.zygote = self.zygote, None
        if zygote is None:
            return
        what = zygote.why_killed or "died"
        again = (
            zygote.why_killed is None
            and self._functions is not None
            and self._zygote_restarts < ZYGOTE_RESTARTS
        )
        then = "a new one is started" if again else "forking attempts directly from now on"
        log.warning("dagwell's zygote process %s; %s", what, then)
        self._drop_spares()  # their warm children died with it
        self.selector.unregister(zygote.ev_r)
        self.selector.unregister(zygote.pidfd)
        zygote.read()
        for news in zygote.news:  # in order: a reused pid's exit before its new start
            if isinstance(news, Started) and news.key in self.running:
                self._started(news.key, news.pid)
            elif isinstance(news, Exited):
                owner = self.by_pid.get(news.pid)
                if owner is not None:
                    self._finish(owner, news.status, news.maxrss)
        zygote.news.clear()
        zygote.close()
        for key, item in list(self.running.items()):
            if item.pidfd is not None:
                continue
            self._kill(item)
            why = zygote.why_killed and (
                f"dagwell's launcher process (its zygote) {zygote.why_killed}, and this "
                "attempt with it; its exit status is unknown."
            )
            self._finish(key, None, 0, why)
        if again and self._functions is not None:
            self._zygote_restarts += 1
            try:
                self._start_zygote(self._functions)
            except OSError as error:
                log.warning("no new zygote (%s); forking attempts directly from now on", error)

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
        self._kill(item)

    @staticmethod
    def _kill(item: _Running) -> None:
        if item.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(item.pid, signal.SIGKILL)
        if item.group is not None:
            item.group.kill()

    def recover(
        self, spec: AttemptSpec, external_id: str | None, started_at: float | None
    ) -> AttemptExited | None:
        """An attempt of a dead orchestrator is not our child (its exit status is lost), so
        it is never adopted: if it still runs it is killed and retried as ``lost``; if it
        finished, its cgroup counters and manifest decide whether it completed.
        """
        node = self._node_group()
        group = node.existing_attempt(group_name(spec.step_id, spec.attempt)) if node else None
        still_running = bool(group and group.pids())
        if group is None and external_id and external_id.isdigit():
            still_running = kill_if_ours(int(external_id), started_at)
        if group is not None:
            group.kill()
        evidence = group.evidence() if group is not None else None
        if group is not None:
            group.remove()
        manifest = None
        with contextlib.suppress(Exception):
            manifest = open_artifact_store(spec.artifact_store).read_manifest(spec.manifest_key)
        ended = recovered_exit(spec, manifest, evidence, still_running, self.info.node_memory)
        self.leftovers.ended(spec, succeeded=ended is not None and ended.failure is None)
        return ended

    def sweep(self, recorded: Collection[tuple[str, int]]) -> int:
        """Kill and remove attempt cgroups of this run that no record knows about.

        (Without cgroups such attempts cannot be found; they end on their own.)"""
        node = self._node_group()
        if node is None:
            return 0
        known = {group_name(step, attempt) for step, attempt in recorded}
        ghosts = 0
        for name in node.attempt_names():
            if name not in known:
                group = node.existing_attempt(name)
                if group is not None:  # (a spare's warm child ran nothing: no ghost)
                    ghosts += bool(group.pids()) and not name.startswith(SPARE_PREFIX)
                    group.remove()
        return ghosts

    def release(self, step_id: str, attempt: int) -> None:
        group = self.spent.pop((step_id, attempt), None)
        if group is not None:
            self.housekeeping.submit(group.remove)

    def close(self) -> None:
        """Kill what still runs, collect its exits (bounded), then remove the node cgroup."""
        for key in list(self.running):
            self.stop(*key, FailureKind.CANCELLED)
        deadline = time.monotonic() + 10
        while self.running and time.monotonic() < deadline:
            self.wait(0.1)
        if self.zygote is not None:
            self.zygote.close()  # (EOF: a warm child exits unused)
            self.zygote = None
        self.housekeeping.close(timeout=10)
        self._drop_spares()
        for item in self.running.values():  # not reported within the bound: reap directly
            if item.pid is not None and item.pidfd is not None:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(item.pid, os.WNOHANG)
        self.selector.close()
        for group in self.spent.values():
            group.remove()
        self.spent.clear()
        if self.node is not None:
            self.node.remove()
        self.leftovers.close()
