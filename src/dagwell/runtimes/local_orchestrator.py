"""LocalOrchestrator: the settings of a run on this machine, and the node memory it may use.

They are plain configuration, validated when created (a bad memory string fails at once)
and turned into a runtime only when a run starts. ``LocalOrchestrator`` is the default;
``DAGWELL_LOCAL_MEMORY`` sets its node memory when the code does not. The Kubernetes
runtime is imported only when a KubernetesOrchestrator actually runs something.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from dagwell.core.errors import ConfigError
from dagwell.core.scheduler import SchedulerConfig
from dagwell.core.units import check_seconds, format_bytes, parse_memory

if TYPE_CHECKING:
    from dagwell.core.home import Home
    from dagwell.runtimes.base import Runtime

MiB = 2**20


def machine_memory() -> int:
    """What this machine (or the cgroup this process is in) really has."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")  # (psutil's total too)
    for limit_file in _cgroup_limit_files():
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return total


def _cgroup_limit_files() -> list[str]:
    files = []
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            parts = [p for p in path.split("/") if p]
            if "memory" in controllers.split(","):
                for depth in range(len(parts), -1, -1):
                    prefix = "/".join(parts[:depth])
                    files.append(f"/sys/fs/cgroup/memory/{prefix}/memory.limit_in_bytes")
            elif controllers == "":
                for depth in range(len(parts), 0, -1):
                    files.append(f"/sys/fs/cgroup/{'/'.join(parts[:depth])}/memory.max")
    except OSError:
        pass
    return files


def default_node_memory() -> int:
    """The machine's memory less a reserve for the OS and the orchestrator itself."""
    total = machine_memory()
    return total - max(512 * MiB, total // 10)


@dataclass
class LocalOrchestrator:
    """Run each attempt in its own process on this machine, inside a "node" of ``memory``.

    ``memory``: the node's memory ("14GB", "1400MB"); default: ``DAGWELL_LOCAL_MEMORY`` or
    the machine's memory less a reserve. ``max_parallelism``: attempts at once (default
    max(8, 4 x CPUs)); memory admission limits further. ``cpu``: cores for the node.
    ``isolation``: "process" (default) or "inprocess" (debugging; no limits).
    ``cgroups``: "auto", "v1", "v2" or "none" (RSS watchdog). ``start_method``: "auto"
    (fork when safe), "fork" or "spawn". ``default_memory``: the admission estimate for a
    step that declares no memory and has no history. ``queue_timeout``: seconds a ready
    step may wait for memory before it fails as unschedulable. ``allow_overcommit``: accept
    a ``memory`` larger than this machine (or its enclosing cgroup) can give. ``alerters``:
    alerts for its runs (see :mod:`dagwell.engine.alerts`).
    """

    memory: str | int | None = None
    max_parallelism: int | None = None
    cpu: float | None = None
    isolation: Literal["process", "inprocess"] = "process"
    cgroups: Literal["auto", "v1", "v2", "none"] = "auto"
    start_method: Literal["auto", "fork", "spawn"] = "auto"
    default_memory: str | int = "64Mi"
    queue_timeout: float | None = 3600.0
    artifact_store: str | None = None
    allow_overcommit: bool = False
    # dagwell.alerts WebhookAlerter/SlackAlerter for every run on this orchestrator; checked by
    # the engine, never recorded (a Slack URL is a secret): a resumed run uses DAGWELL_ALERT_*
    alerters: Sequence[Any] = field(default=(), metadata={"recorded": False})
    _memory_bytes: int | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        if self.memory is not None:
            self._memory_bytes = parse_memory(self.memory, what="LocalOrchestrator memory")
            self._check_fits(self._memory_bytes, f"LocalOrchestrator(memory={self.memory!r})")
        check_seconds(self.queue_timeout, what="queue_timeout", optional=True)
        parse_memory(self.default_memory, what="default_memory")
        if self.max_parallelism is not None and (
            not isinstance(self.max_parallelism, int) or self.max_parallelism < 1
        ):
            raise ConfigError(
                f"max_parallelism must be a whole number >= 1, got {self.max_parallelism!r}."
            )
        if self.cpu is not None and self.cpu <= 0:
            raise ConfigError(f"cpu must be a positive number of cores, got {self.cpu!r}.")
        choices = {
            "isolation": ("process", "inprocess"),
            "cgroups": ("auto", "v1", "v2", "none"),
            "start_method": ("auto", "fork", "spawn"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(
                    f"{name}={getattr(self, name)!r} is not one of {', '.join(allowed)}."
                )

    def _check_fits(self, size: int, what: str) -> None:
        """A node larger than the machine would never OOM as a node: steps would be admitted
        together into memory that is not there, and the kernel would kill at random."""
        if self.allow_overcommit:
            return
        have = machine_memory()
        if size > have:
            raise ConfigError(
                f"{what} is more than this machine (or the cgroup dagwell runs in) has: "
                f"{format_bytes(size)} > {format_bytes(have)}. Give at most "
                f"{format_bytes(have)}, or pass allow_overcommit=True to accept it anyway."
            )

    def node_memory(self) -> int:
        if self._memory_bytes is not None:
            return self._memory_bytes
        env = os.environ.get("DAGWELL_LOCAL_MEMORY")
        if env:
            size = parse_memory(env, what="DAGWELL_LOCAL_MEMORY")
            self._check_fits(size, f"DAGWELL_LOCAL_MEMORY={env!r}")
            return size
        return default_node_memory()

    def open_runtime(
        self, run_id: str, home: Home, functions: Mapping[str, Callable[..., Any] | None]
    ) -> Runtime:
        if self.isolation == "inprocess":
            from dagwell.runtimes.inprocess import InProcessRuntime

            return InProcessRuntime()
        from dagwell.runtimes.cgroups import detect
        from dagwell.runtimes.local import LocalRuntime

        return LocalRuntime(
            run_id=run_id,
            node_memory=self.node_memory(),
            node_cpu=self.cpu,
            cgroups=detect(self.cgroups),
            start_method=self.start_method,
            functions=functions,
        )

    def scheduler_config(self, runtime: Runtime) -> SchedulerConfig:
        parallelism = self.max_parallelism or max(8, 4 * (os.cpu_count() or 1))
        if self.isolation == "inprocess":
            parallelism = 1
        return SchedulerConfig(
            node_memory=runtime.info.node_memory,
            node_cpu=runtime.info.node_cpu,
            max_parallelism=parallelism,
            default_request=parse_memory(self.default_memory),
            queue_timeout=self.queue_timeout,
        )

    def describe(self) -> dict[str, Any]:
        """Everything needed to rebuild this orchestrator (see :func:`from_description`)."""
        recorded = (f for f in fields(self) if f.init and f.metadata.get("recorded", True))
        return {"kind": "local", **{f.name: getattr(self, f.name) for f in recorded}}
