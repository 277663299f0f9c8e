"""Real memory limits for local attempts: a "node" cgroup per run, a child per attempt.

The node cgroup is created under the orchestrator's own cgroup (so any limit above it
still applies) with the node's memory as its limit; each attempt gets a child cgroup
limited to the step's declared memory. When the children together exhaust the node, the
kernel OOM-kills inside the node, never the orchestrator, which lives outside it.

Evidence read after an attempt exits, before its cgroup is removed:
- v1: ``memory.oom_control`` ``oom_kill`` (kills in this cgroup), ``memory.failcnt`` and
  ``memory.memsw.failcnt`` (its own limit was hit), ``memory.max_usage_in_bytes`` (peak).
- v2: ``memory.events.local`` ``oom_kill``/``max``, ``memory.peak`` (kernel 5.19+).
The evidence's ``peak_memory`` leaves out the page cache still charged at the end
(``memory.stat`` cache/file less shmem): what is left to go by when a dead orchestrator's
attempts are recovered; a live attempt's peak is :func:`dagwell.core.memory.attempt_peak`
(the sampled anonymous maximum). The limits keep the kernel's meaning.
Attempts get ``swappiness 0`` (v1) or ``memory.swap.max 0`` (v2), so a limit means a
kill, not silent swapping. (A v1 ``memsw`` limit is not set: on current kernels it makes
``memory.failcnt`` stop counting, and that counter is the own-limit evidence.)
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger("dagwell.cgroups")
UNLIMITED_V1 = 2**62
PAGE = os.sysconf("SC_PAGE_SIZE")
LIMIT_SLACK = 2 * 2**20  # usage this close to its own limit means the limit was reached


@dataclass(frozen=True)
class CgroupEvidence:
    oom_kills: int
    own_limit_hit: bool
    peak_memory: int | None  # the step's own memory at its peak, page cache left out
    usage_peak: int | None = None  # the kernel's charged peak (with page cache): limits


def _own_peak(usage_peak: int | None, stat: dict[str, int], file_key: str) -> int | None:
    """The charged peak less the page cache still charged at the end (file pages that are
    not shmem): a 10 MB step that wrote a 400 MB file peaked at 10 MB, not 433 MB. Cache
    reclaimed during the run is not subtracted, so this never under-counts memory."""
    if usage_peak is None:
        return None
    cache = max(0, stat.get(file_key, 0) - stat.get("shmem", stat.get("total_shmem", 0)))
    return max(0, usage_peak - cache)


def _read(path: Path) -> str:
    """A control file's text in open + read + close (Path.read_text takes 9 syscalls; the
    evidence of every attempt is read on the loop's critical path)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
            if len(chunk) < 65536:  # control files are produced whole by one read
                break
        return b"".join(chunks).decode()
    finally:
        os.close(fd)


def _write(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _optional_stat(path: Path) -> dict[str, int]:
    try:
        return _keyed(_read(path / "memory.stat"))
    except FileNotFoundError:  # the kernel always has it; hand-made test trees may not
        return {}


def _keyed(text: str) -> dict[str, int]:
    values = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            values[parts[0]] = int(parts[1])
    return values


def _pids(procs: Path) -> list[int]:
    try:
        return [int(p) for p in _read(procs).split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def _kill_all(procs: Path, kill_file: Path | None = None) -> None:
    """SIGKILL every process in the cgroup until it is empty (new forks included)."""
    if kill_file is not None and kill_file.exists():
        with contextlib.suppress(OSError):
            _write(kill_file, "1")
    for _ in range(50):
        pids = _pids(procs)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


#: How long a cgroup whose processes were just killed may stay busy before it is left
#: behind: a killed process leaves its cgroup only once its exit has freed its memory, which
#: on a loaded machine took over a second (the earlier 0.86 s left run cgroups behind).
RMDIR_PATIENCE = 10.0


def _rmdir(path: Path, patience: float = RMDIR_PATIENCE) -> None:
    deadline = time.monotonic() + patience
    delay = 0.01
    while True:
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError as error:
            if error.errno != errno.EBUSY:
                raise
        if time.monotonic() + delay > deadline:
            break
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
    log.warning("cgroup %s is still busy after %.0fs and was left behind", path, patience)


class AttemptGroup(Protocol):
    path: Path

    @property
    def procs_files(self) -> list[Path]: ...

    def evidence(self, own_peak: bool = True) -> CgroupEvidence: ...
    def anon_memory(self) -> int: ...
    def pids(self) -> list[int]: ...
    def kill(self) -> None: ...
    def remove(self) -> None: ...


class NodeGroup(Protocol):
    path: Path

    def attempt(self, name: str, memory: int | None, cpu: float | None) -> AttemptGroup: ...
    def existing_attempt(self, name: str) -> AttemptGroup | None: ...
    def attempt_names(self) -> list[str]: ...
    def usage(self) -> int: ...
    def remove(self) -> None: ...


# -- cgroup v1 -------------------------------------------------------------------------


@dataclass
class V1Attempt:
    path: Path
    cpu_path: Path | None  # its own cpu cgroup (a cpu limit of its own), removed with it
    cpu_join: Path | None = None  # else the node's cpu cgroup, when the node has a cpu limit
    limit: int | None = None  # the memory limit we wrote (None: read it from the cgroup)

    @property
    def procs_files(self) -> list[Path]:
        files = [self.path / "cgroup.procs"]
        cpu = self.cpu_path or self.cpu_join
        if cpu is not None:
            files.append(cpu / "cgroup.procs")
        return files

    def evidence(self, own_peak: bool = True) -> CgroupEvidence:
        """What the kernel says of the attempt; without ``own_peak`` no ``peak_memory``
        (memory.stat, the dearest file, is then not read: a live attempt's peak comes from
        its samples and RSS, see ``core.memory.attempt_peak``)."""
        oom = _keyed(_read(self.path / "memory.oom_control")).get("oom_kill", 0)
        failcnt = int(_read(self.path / "memory.failcnt"))
        peak = int(_read(self.path / "memory.max_usage_in_bytes"))
        limit = self.limit
        if limit is None:
            limit = int(_read(self.path / "memory.limit_in_bytes"))
        at_limit = limit < UNLIMITED_V1 and peak >= limit - LIMIT_SLACK
        return CgroupEvidence(
            oom_kills=oom,
            own_limit_hit=failcnt > 0 or at_limit,
            peak_memory=_own_peak(peak, _optional_stat(self.path), "total_cache")
            if own_peak
            else None,
            usage_peak=peak,
        )

    def anon_memory(self) -> int:
        """Anonymous memory now (rss, plus swap when accounted): not the page cache."""
        stat = _keyed(_read(self.path / "memory.stat"))
        return stat.get("rss", 0) + stat.get("swap", 0)

    def pids(self) -> list[int]:
        return _pids(self.path / "cgroup.procs")

    def kill(self) -> None:
        _kill_all(self.path / "cgroup.procs")

    def remove(self) -> None:
        self.kill()
        _rmdir(self.path)
        if self.cpu_path is not None:
            _rmdir(self.cpu_path)


def _set_cpu_v1(path: Path, cpu: float | None) -> None:
    if cpu is None:
        return
    period = 100_000
    _write(path / "cpu.cfs_period_us", str(period))
    _write(path / "cpu.cfs_quota_us", str(max(1000, int(cpu * period))))


@dataclass
class V1Node:
    path: Path
    cpu_path: Path | None

    def spare(self, name: str) -> V1Attempt:
        """A memory cgroup for a warm child, without a limit of its own yet (only for
        attempts without a cpu limit of their own: their cpu cgroup is the node's). v1
        only: cgroup v2 has no rename, its attempts fork into cgroups made at launch."""
        path = self.path / name
        path.mkdir()
        node_cpu = self.cpu_path if self.cpu_path is not None and self.cpu_path.exists() else None
        return V1Attempt(path, None, node_cpu, limit=UNLIMITED_V1)

    def take_spare(self, spare: V1Attempt, name: str, memory: int | None) -> V1Attempt:
        """The spare cgroup (with its waiting child) renamed to the attempt's and limited."""
        stale = self.existing_attempt(name)
        if stale is not None:
            stale.remove()
        path = self.path / name
        os.rename(spare.path, path)
        group = V1Attempt(path, None, spare.cpu_join, limit=UNLIMITED_V1)
        if memory is not None:
            _write(path / "memory.limit_in_bytes", str(memory))
            group.limit = memory // PAGE * PAGE
        return group

    def attempt(self, name: str, memory: int | None, cpu: float | None) -> AttemptGroup:
        stale = self.existing_attempt(name)
        if stale is not None:  # left by an orchestrator that died: its process is not ours
            stale.remove()
        path = self.path / name
        path.mkdir()
        if memory is not None:  # (no memsw limit: it would stop memory.failcnt counting)
            _write(path / "memory.limit_in_bytes", str(memory))
        cpu_path = None
        if self.cpu_path is not None and cpu is not None:  # a cpu cgroup only when limited
            self.cpu_path.mkdir(exist_ok=True)
            cpu_path = self.cpu_path / name
            cpu_path.mkdir()
            _set_cpu_v1(cpu_path, cpu)
        node_cpu = self.cpu_path if self.cpu_path is not None and self.cpu_path.exists() else None
        # the limit as the kernel keeps it (whole pages), so evidence() need not read it back
        limit = UNLIMITED_V1 if memory is None else memory // PAGE * PAGE
        return V1Attempt(path, cpu_path, None if cpu_path else node_cpu, limit=limit)

    def existing_attempt(self, name: str) -> AttemptGroup | None:
        if not (self.path / name).is_dir():
            return None
        cpu_path = self.cpu_path / name if self.cpu_path is not None else None
        return V1Attempt(self.path / name, cpu_path if cpu_path and cpu_path.is_dir() else None)

    def attempt_names(self) -> list[str]:
        return sorted(p.name for p in self.path.iterdir() if p.is_dir())

    def usage(self) -> int:
        stat = _keyed(_read(self.path / "memory.stat"))
        return stat.get("total_rss", 0) + stat.get("total_shmem", 0)

    def remove(self) -> None:
        for root in filter(None, (self.path, self.cpu_path)):
            if not root.exists():
                continue
            for child in sorted(root.iterdir()):
                if child.is_dir():
                    _kill_all(child / "cgroup.procs")
                    _rmdir(child)
            _rmdir(root)


# -- cgroup v2 -------------------------------------------------------------------------


@dataclass
class V2Attempt:
    path: Path

    @property
    def procs_files(self) -> list[Path]:
        return [self.path / "cgroup.procs"]

    def evidence(self, own_peak: bool = True) -> CgroupEvidence:
        events_file = self.path / "memory.events.local"
        if not events_file.exists():
            events_file = self.path / "memory.events"
        events = _keyed(_read(events_file))
        peak_file = self.path / "memory.peak"
        peak = int(_read(peak_file)) if peak_file.exists() else None
        return CgroupEvidence(
            oom_kills=events.get("oom_kill", 0),
            own_limit_hit=events.get("max", 0) > 0,
            peak_memory=_own_peak(peak, _optional_stat(self.path), "file") if own_peak else None,
            usage_peak=peak,
        )

    def anon_memory(self) -> int:
        """Anonymous memory now: not the page cache."""
        return _keyed(_read(self.path / "memory.stat")).get("anon", 0)

    def pids(self) -> list[int]:
        return _pids(self.path / "cgroup.procs")

    def kill(self) -> None:
        _kill_all(self.path / "cgroup.procs", self.path / "cgroup.kill")

    def remove(self) -> None:
        self.kill()
        _rmdir(self.path)


@dataclass
class V2Node:
    path: Path

    def attempt(self, name: str, memory: int | None, cpu: float | None) -> AttemptGroup:
        stale = self.existing_attempt(name)
        if stale is not None:
            stale.remove()
        path = self.path / name
        path.mkdir()
        if memory is not None:
            _write(path / "memory.max", str(memory))
            with contextlib.suppress(OSError):
                _write(path / "memory.swap.max", "0")
        if cpu is not None:
            _write(path / "cpu.max", f"{max(1000, int(cpu * 100_000))} 100000")
        return V2Attempt(path)

    def existing_attempt(self, name: str) -> AttemptGroup | None:
        return V2Attempt(self.path / name) if (self.path / name).is_dir() else None

    def attempt_names(self) -> list[str]:
        return sorted(p.name for p in self.path.iterdir() if p.is_dir())

    def usage(self) -> int:
        stat = _keyed(_read(self.path / "memory.stat"))
        return stat.get("anon", 0) + stat.get("shmem", 0)

    def remove(self) -> None:
        for child in sorted(self.path.iterdir()) if self.path.exists() else []:
            if child.is_dir():
                _kill_all(child / "cgroup.procs", child / "cgroup.kill")
                _rmdir(child)
        _rmdir(self.path)


# -- detection -------------------------------------------------------------------------


@dataclass(frozen=True)
class CgroupSetup:
    """Where this process may create node cgroups, or why it cannot."""

    version: str  # "v1", "v2" or "none"
    base: Path | None = None
    cpu_base: Path | None = None
    reason: str = ""

    def create_node(self, name: str, memory: int | None, cpu: float | None) -> NodeGroup:
        """Create the run's node cgroup, or take over the one a dead orchestrator left
        (its attempt cgroups stay, for :meth:`NodeGroup.existing_attempt` to inspect).
        """
        assert self.base is not None
        if self.version == "v1":
            path = self.base / name
            path.mkdir(parents=True, exist_ok=True)
            if _use_hierarchy_writable(path):
                _write(path / "memory.use_hierarchy", "1")
            if memory is not None:
                _write(path / "memory.limit_in_bytes", str(memory))
            with contextlib.suppress(OSError):  # attempt cgroups inherit it when created
                _write(path / "memory.swappiness", "0")
            cpu_path = self.cpu_base / name if self.cpu_base is not None else None
            if cpu_path is not None and cpu is not None:
                cpu_path.mkdir(parents=True, exist_ok=True)
                _set_cpu_v1(cpu_path, cpu)
            return V1Node(path, cpu_path)
        path = self.base / name
        path.mkdir(parents=True, exist_ok=True)
        controllers = "+memory +cpu" if cpu is not None else "+memory"
        _write(path / "cgroup.subtree_control", controllers)
        if memory is not None:
            _write(path / "memory.max", str(memory))
        if cpu is not None:
            _write(path / "cpu.max", f"{max(1000, int(cpu * 100_000))} 100000")
        return V2Node(path)


def _use_hierarchy_writable(path: Path) -> bool:
    target = path / "memory.use_hierarchy"
    try:
        return target.exists() and _read(target).strip() != "1"
    except OSError:
        return False


def _mounts() -> list[tuple[str, str, list[str]]]:
    """(mount point, fs type, super options) of every cgroup mount."""
    found = []
    try:
        lines = _read(Path("/proc/self/mountinfo")).splitlines()
    except OSError:
        return []
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(fields) >= 5 and len(rest) >= 3 and rest[0] in ("cgroup", "cgroup2"):
            found.append((fields[4], rest[0], rest[2].split(",")))
    return found


def _self_cgroups() -> dict[str, str]:
    """controller (or "" for v2) -> this process's cgroup path."""
    paths = {}
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _try_base(base: Path) -> str | None:
    try:
        base.mkdir(exist_ok=True)
    except OSError as error:
        return f"cannot create {base}: {error.strerror}"
    return None


def detect(prefer: str = "auto", node_dir: str = "dagwell") -> CgroupSetup:
    """Find a writable memory controller: v1 first (as here), then v2; else say why not."""
    if prefer == "none":
        return CgroupSetup("none", reason="cgroups disabled (cgroups='none')")
    try:
        mine = _self_cgroups()
    except OSError as error:
        return CgroupSetup("none", reason=f"cannot read /proc/self/cgroup: {error}")
    reasons = []
    mounts = _mounts()
    if prefer in ("auto", "v1"):
        memory = [m for m in mounts if m[1] == "cgroup" and "memory" in m[2]]
        cpu = [m for m in mounts if m[1] == "cgroup" and "cpu" in m[2]]
        if memory and "memory" in mine:
            base = Path(memory[0][0] + mine["memory"]) / node_dir
            problem = _try_base(base)
            if problem is None:
                cpu_base = None
                if cpu and "cpu" in mine:
                    candidate = Path(cpu[0][0] + mine["cpu"]) / node_dir
                    cpu_base = candidate if _try_base(candidate) is None else None
                return CgroupSetup("v1", base, cpu_base)
            reasons.append(f"cgroup v1: {problem}")
        else:
            reasons.append("cgroup v1: no memory controller mounted")
    if prefer in ("auto", "v2"):
        unified = [m for m in mounts if m[1] == "cgroup2"]
        if unified and "" in mine:
            own = Path(unified[0][0] + mine[""])
            controllers = (
                _read(own / "cgroup.controllers").split()
                if (own / "cgroup.controllers").exists()
                else []
            )
            if "memory" not in controllers:
                reasons.append("cgroup v2: the memory controller is not available to this cgroup")
            else:
                problem = _enable_v2(own)
                if problem is None:
                    base = own / node_dir
                    problem = _try_base(base)
                    if problem is None:
                        with contextlib.suppress(OSError):
                            _write(base / "cgroup.subtree_control", "+memory +cpu")
                        return CgroupSetup("v2", base)
                reasons.append(f"cgroup v2: {problem}")
        else:
            reasons.append("cgroup v2: not mounted")
    return CgroupSetup("none", reason="; ".join(reasons))


def _enable_v2(own: Path) -> str | None:
    """Enable the memory controller for children of this process's cgroup, if allowed.

    cgroup v2 forbids controllers below a cgroup that holds processes (except the root),
    so this works when dagwell runs in the root cgroup or in a delegated, empty parent.
    """
    control = own / "cgroup.subtree_control"
    try:
        if "memory" in _read(control).split():
            return None
        _write(control, "+memory")
        return None
    except OSError as error:
        return (
            f"cannot enable the memory controller in {own} ({error.strerror}); run "
            "dagwell in a delegated cgroup, e.g. systemd-run --user --scope -p "
            "Delegate=yes ..."
        )
