"""The zygote: a lean, warm process that forks attempts on the orchestrator's behalf.

Forking costs in proportion to the parent's memory, and so does the child's exit. The
orchestrator carries the store, the progress display and more; the zygote is forked from
it before any of that is loaded, when only the pipeline's own modules are, so each attempt
forks from a process about half the size. It is still a *warm* parent: the step functions
are already imported, so an attempt costs a fork, not an interpreter start.

Protocol (pipes, one line per message): the orchestrator sends a JSON launch request and
does not wait; the zygote answers ``S step<TAB>attempt<TAB>pid`` (started) or
``E step<TAB>attempt<TAB>why`` (could not fork), and reports every exit as
``X pid status maxrss_kb``, always after the ``S`` of that pid. The zygote owns no
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from dagwell.runtimes.base import AttemptSpec
from dagwell.runtimes.forked import fork_attempt
from dagwell.runtimes.parent_death import die_with_parent
from dagwell.runtimes.worker import prepare_process

Functions = Mapping[str, Callable[..., Any] | None]


class ZygoteGone(Exception):
    """The zygote died or stopped answering."""


def _serve(functions: Functions, req_r: int, ev_w: int, parent: int) -> NoReturn:
    """The zygote's loop: fork on request, reap and report exits, quit on EOF."""
    code = 0
    children: set[int] = set()

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
                    _reap(ev_w, children)
                    continue
                data = os.read(req_r, 65536)
                if not data:
                    open_requests = False
                    selector.unregister(req_r)
                    continue
                buffer += data
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    pid = _launch(functions, json.loads(line), ev_w, own_fds)
                    if pid is not None:
                        children.add(pid)
            _reap(ev_w, children)
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _launch(
    functions: Functions, request: dict[str, Any], ev_w: int, own_fds: tuple[int, ...]
) -> int | None:
    spec = AttemptSpec.from_json(request["spec"])
    tag = f"{spec.step_id}\t{spec.attempt}"
    try:
        pid = fork_attempt(
            spec, functions.get(spec.step_id), request["procs"], own_fds, prepared=True
        )
    except OSError as error:
        os.write(ev_w, f"E {tag}\t{error}\n".encode())
        return None
    os.write(ev_w, f"S {tag}\t{pid}\n".encode())
    return pid


def _reap(ev_w: int, children: set[int]) -> None:
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
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

    def submit(self, spec: AttemptSpec, procs_files: list[str]) -> None:
        """Ask for an attempt to be forked; its pid arrives later in ``started``."""
        request = json.dumps({"spec": spec.to_json(), "procs": procs_files}) + "\n"
        try:
            os.write(self.req_w, request.encode())
        except BrokenPipeError:
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
        with contextlib.suppress(OSError):
            os.close(self.req_w)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        for fd in (self.ev_r, self.pidfd):
            with contextlib.suppress(OSError):
                os.close(fd)
