"""The zygote: a lean, warm process that forks attempts on the orchestrator's behalf.

Forking costs in proportion to the parent's memory, and so does the child's exit. The
orchestrator carries the store, the progress display and more; the zygote is forked from
it before any of that is loaded, when only the pipeline's own modules are, so each attempt
forks from a process about half the size. It is still a *warm* parent: the step functions
are already imported, so an attempt costs a fork, not an interpreter start.

Protocol (pipes, one line per message): the orchestrator sends a JSON launch request and
does not wait, or a warm request (fork a child into a spare cgroup to wait for the next
launch, see :func:`forked.fork_warm`; a launch names the slot it may use, and forks as
usual if that child is not there); the zygote answers ``S step<TAB>attempt<TAB>pid``
(started) or ``E step<TAB>attempt<TAB>why`` (could not fork), and reports every exit as
``X pid status maxrss_kb``, always after the ``S`` of that pid (a warm child that dies
unused has no ``S`` and is not reported). The zygote owns no
decisions: it forks, reaps and reports. If it dies, the runtime notices through its
pidfd, records its attempts as lost and forks directly from then on. If the orchestrator
dies (even SIGKILLed), the kernel tells the zygote (PR_SET_PDEATHSIG), which kills its
attempts' process groups and exits: no attempt outlives its orchestrator.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import selectors
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from dagwell.runtimes.base import AttemptSpec
from dagwell.runtimes.forked import fork_attempt, fork_warm
from dagwell.runtimes.hugepages import collapse_heap
from dagwell.runtimes.parent_death import die_with_parent
from dagwell.runtimes.worker import prepare_process

Functions = Mapping[str, Callable[..., Any] | None]


class ZygoteGone(Exception):
    """The zygote died or stopped answering."""


@dataclass
class _Warm:
    """The zygote's warm children, by slot: forked, in their spare cgroup, waiting."""

    by_slot: dict[int, tuple[int, int]] = field(default_factory=dict)  # slot -> (pid, spec_w)

    def fds(self) -> list[int]:
        return [w for _, w in self.by_slot.values()]

    def take(self, slot: int | None) -> tuple[int, int] | None:
        return self.by_slot.pop(slot, None) if slot is not None else None

    def died(self, pid: int) -> bool:
        """Forget a warm child that died unused; True if it was one."""
        for slot, (warm_pid, spec_w) in list(self.by_slot.items()):
            if warm_pid == pid:
                del self.by_slot[slot]
                with contextlib.suppress(OSError):
                    os.close(spec_w)
                return True
        return False

    def close(self) -> None:
        for _, spec_w in self.by_slot.values():  # EOF: each exits without running anything
            with contextlib.suppress(OSError):
                os.close(spec_w)
        self.by_slot.clear()


def _serve(functions: Functions, req_r: int, ev_w: int, parent: int) -> NoReturn:
    """The zygote's loop: fork on request, reap and report exits, quit on EOF."""
    code = 0
    children: set[int] = set()
    warm = _Warm()

    def orphaned(*_: object) -> None:  # the orchestrator died (PR_SET_PDEATHSIG): no orphans
        for pid in children:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        os._exit(75)

    try:
        os.setpgid(0, 0)
        signal.signal(signal.SIGTERM, orphaned)
        die_with_parent(signal.SIGTERM, parent)
        prepare_process()  # line-buffered fds 1 and 2 and logging: once here, not per attempt
        gc.freeze()  # children's collections then never touch (and copy) inherited objects
        collapse_heap()  # fork and exit of each attempt then cost less (see hugepages)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        selector = selectors.DefaultSelector()
        selector.register(req_r, selectors.EVENT_READ, "req")
        selector.register(wake_r, selectors.EVENT_READ, "wake")
        own_fds = (req_r, ev_w, wake_r, wake_w)
        buffer = b""
        open_requests = True
        while open_requests or children:
            for key, _ in selector.select():
                if key.data == "wake":
                    with contextlib.suppress(BlockingIOError):
                        os.read(wake_r, 4096)
                    _reap(ev_w, children, warm)
                    continue
                data = os.read(req_r, 65536)
                if not data:
                    open_requests = False
                    selector.unregister(req_r)
                    warm.close()
                    continue
                buffer += data
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    request = json.loads(line)
                    close_fds = (*own_fds, *warm.fds())
                    if "spec" in request:
                        pid = _launch(functions, request, ev_w, close_fds, warm)
                    else:
                        pid = _prewarm(functions, request, close_fds, warm)
                    if pid is not None:
                        children.add(pid)
            _reap(ev_w, children, warm)
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _prewarm(
    functions: Functions, request: dict[str, Any], close_fds: tuple[int, ...], warm: _Warm
) -> int | None:
    """Fork a warm child into the spare cgroup of ``request``; None if it cannot be had
    (the launch that would have used it then forks as usual)."""
    fds: list[int] = []
    try:
        for path in request["procs"]:
            fds.append(os.open(path, os.O_WRONLY | os.O_CLOEXEC))
        pid, spec_w = fork_warm(functions, fds, close_fds)
    except OSError:
        return None
    finally:
        for fd in fds:
            os.close(fd)
    warm.by_slot[int(request["warm"])] = (pid, spec_w)
    return pid


def _launch(
    functions: Functions,
    request: dict[str, Any],
    ev_w: int,
    own_fds: tuple[int, ...],
    warm: _Warm | None = None,
) -> int | None:
    raw = request["spec"]
    spec = AttemptSpec.from_json(raw)
    tag = f"{spec.step_id}\t{spec.attempt}"
    ready = warm.take(request.get("warm")) if warm is not None else None
    if ready is not None:
        pid, spec_w = ready
        try:
            os.write(spec_w, (json.dumps(raw) + "\n").encode())
        except OSError:  # it died unused: fork as usual (its exit is not reported)
            pid = -1
        finally:
            os.close(spec_w)
        if pid > 0:
            os.write(ev_w, f"S {tag}\t{pid}\n".encode())
            return None  # already a child
    try:
        pid = fork_attempt(
            spec, functions.get(spec.step_id), request["procs"], own_fds, prepared=True
        )
    except OSError as error:
        os.write(ev_w, f"E {tag}\t{error}\n".encode())
        return None
    os.write(ev_w, f"S {tag}\t{pid}\n".encode())
    return pid


def _reap(ev_w: int, children: set[int], warm: _Warm) -> None:
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        if not warm.died(pid):
            os.write(ev_w, f"X {pid} {status} {usage.ru_maxrss}\n".encode())


@dataclass
class Zygote:
    """The orchestrator's handle on its zygote."""

    pid: int
    pidfd: int
    req_w: int
    ev_r: int
    started: list[tuple[tuple[str, int], int]] = field(default_factory=list)
    failed: list[tuple[tuple[str, int], str]] = field(default_factory=list)
    exits: list[tuple[int, int, int]] = field(default_factory=list)
    _buffer: bytes = b""
    _writing: threading.Lock = field(default_factory=threading.Lock)  # whole lines only
    _closed: bool = False

    @classmethod
    def start(cls, functions: Functions) -> Zygote:
        req_r, req_w = os.pipe()
        ev_r, ev_w = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            os.close(req_w)
            os.close(ev_r)
            _serve(functions, req_r, ev_w, parent)
        os.close(req_r)
        os.close(ev_w)
        os.set_blocking(ev_r, False)
        return cls(pid, os.pidfd_open(pid), req_w, ev_r)

    def submit(self, spec: AttemptSpec, procs_files: list[str], warm: int | None = None) -> None:
        """Ask for an attempt to be started (by the warm child of slot ``warm`` if it is
        still there, else by a fork); its pid arrives later in ``started``."""
        request: dict[str, Any] = {"spec": spec.to_json(), "procs": procs_files}
        if warm is not None:
            request["warm"] = warm
        self._send(request)

    def prewarm(self, slot: int, procs_files: list[str]) -> None:
        """Ask for a warm child in the (spare) cgroup of ``procs_files``, for ``submit``."""
        self._send({"warm": slot, "procs": procs_files})

    def _send(self, request: dict[str, Any]) -> None:
        data = (json.dumps(request) + "\n").encode()
        try:
            with self._writing:  # (prewarm requests come from the housekeeping thread)
                if self._closed:  # (its fd may be another file's by now)
                    raise ZygoteGone("the zygote was closed")
                while data:
                    data = data[os.write(self.req_w, data) :]
        except (BrokenPipeError, OSError):
            raise ZygoteGone("the zygote is gone") from None

    def read(self) -> bool:
        """Read what the zygote said into ``started``, ``failed`` and ``exits``.

        Returns False at the end of the stream (the zygote is gone)."""
        alive = True
        while True:
            try:
                data = os.read(self.ev_r, 65536)
            except BlockingIOError:
                break
            if not data:
                alive = False
                break
            self._buffer += data
        while b"\n" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\n", 1)
            kind, _, rest = raw.decode().partition(" ")
            if kind == "X":
                pid, status, maxrss = (int(x) for x in rest.split())
                self.exits.append((pid, status, maxrss))
            else:
                step_id, attempt, value = rest.split("\t", 2)
                key = (step_id, int(attempt))
                if kind == "S":
                    self.started.append((key, int(value)))
                else:
                    self.failed.append((key, value))
        return alive

    def close(self) -> None:
        with self._writing:
            self._closed = True
            with contextlib.suppress(OSError):
                os.close(self.req_w)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        for fd in (self.ev_r, self.pidfd):
            with contextlib.suppress(OSError):
                os.close(fd)
