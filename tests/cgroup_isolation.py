"""Each pytest process in its own cgroup (v1 memory and cpu), so that parallel workers
(pytest-xdist) and other test runs on the machine never see each other's node cgroups:
"nothing left behind" checks then look at this process's own runs only.

Best effort: without a writable cgroup v1 hierarchy the process stays where it is (the
tests that need cgroups say so themselves).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

CONTROLLERS = ("memory", "cpu")


def _own_path(controller: str) -> Path | None:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if controller in names.split(","):
            for mount in (f"/sys/fs/cgroup/{controller}", "/sys/fs/cgroup/cpu,cpuacct"):
                if Path(mount, "cgroup.procs").exists():
                    return Path(mount + path)
    return None


def enter_own_cgroups(tag: str) -> list[tuple[Path, Path]]:
    """Move this process into ``<own cgroup>/<tag>`` for each controller; (old, new) pairs."""
    moved = []
    for controller in CONTROLLERS:
        with contextlib.suppress(OSError, ValueError):
            own = _own_path(controller)
            if own is None:
                continue
            new = own / tag
            new.mkdir(exist_ok=True)
            (new / "cgroup.procs").write_text(str(os.getpid()))
            moved.append((own, new))
    return moved


def _remove_tree(path: Path) -> None:
    for child in sorted((p for p in path.rglob("*") if p.is_dir()), reverse=True):
        with contextlib.suppress(OSError):
            child.rmdir()
    with contextlib.suppress(OSError):
        path.rmdir()


def remove_node_cgroup(path: Path) -> None:
    """Kill what still runs in a node cgroup a test left behind, then remove it."""
    for procs in path.rglob("cgroup.procs"):
        with contextlib.suppress(OSError, ValueError):
            for pid in procs.read_text().split():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(int(pid), signal.SIGKILL)
    for _ in range(50):
        _remove_tree(path)
        if not path.exists():
            return
        time.sleep(0.02)


def leave_own_cgroups(moved: list[tuple[Path, Path]]) -> None:
    for old, new in moved:
        with contextlib.suppress(OSError):
            (old / "cgroup.procs").write_text(str(os.getpid()))
        _remove_tree(new)
