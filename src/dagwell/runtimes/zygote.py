"""The zygote: a lean, warm process that forks attempts on the orchestrator's behalf.

Forking costs in proportion to the parent's memory, and so does the child's exit. The
orchestrator carries the store, the progress display and more; the zygote is forked from
it before any of that is loaded, when only the pipeline's own modules are, so each attempt
forks from a process about half the size. It is still a *warm* parent: the step functions
are already imported, so an attempt costs a fork, not an interpreter start.

Protocol (one line per message: requests on a pipe, answers on a unix socket): the
orchestrator sends a JSON launch request and does not wait, or a warm request (fork a
child into a spare cgroup to wait for an attempt, see :func:`forked.fork_warm`). The
zygote answers a launch with ``S step<TAB>attempt<TAB>pid`` (started) or
``E step<TAB>attempt<TAB>why`` (could not fork), a warm request with ``W slot<TAB>pid``
carrying the write end of that child's spec pipe and the read end of its done pipe
(SCM_RIGHTS; the zygote keeps no copy) or ``w slot<TAB>why`` (no child), and reports
every exit of a child as ``X pid status maxrss_kb``, always after the ``S`` or ``W`` of
that pid. A launch that takes a warm child writes its spec into that pipe itself: the
zygote is not on the path (the orchestrator knows the pid from ``W``; an exit of a warm
child it never used, or whose end its done pipe told already, names a pid it does not
follow). A ping request ``{"ping": n}`` is answered ``P n``: a zygote that leaves one
unanswered for ``ANSWER_WITHIN`` seconds is hung (blocked or spinning, say in a library's
fork handler) and follows none of its attempts, so it is killed; a request it leaves
unread that long is given up the same way, so the orchestrator never blocks on its pipe.
The zygote owns no decisions: it forks, reaps and reports. If it dies, the
runtime notices through its pidfd, records its attempts as lost and starts a new one (a
few times; one it killed as stopped or hung is not replaced): from then on it forks
directly. If the orchestrator dies (even SIGKILLed), the kernel tells the zygote
(PR_SET_PDEATHSIG), which kills its attempts' process groups and exits: no attempt
outlives its orchestrator.

The zygote ends at EOF of its request pipe, so no other process may hold that pipe's
write end: a process forked from the orchestrator (a hook's helper that outlives the hook)
closes its copies of the zygote's pipes at once (``os.register_at_fork``; CLOEXEC cannot
help, a fork does not exec). Closing the handle is bounded all the same: a zygote that has
not ended by then is stopped.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import selectors
import signal
import socket
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeAlias

from dagwell.runtimes.base import AttemptSpec
from dagwell.runtimes.forked import default_handlers, fork_attempt, fork_warm
from dagwell.runtimes.hugepages import collapse_heap
from dagwell.runtimes.parent_death import die_with_parent
from dagwell.runtimes.worker import prepare_process

Functions = Mapping[str, Callable[..., Any] | None]


#: The largest spec (JSON characters) a warm child is given to rehearse with.
REHEARSAL_MAX = 16384
#: The largest spec (bytes) handed to a warm child: what its empty pipe holds (Linux's
#: default capacity), so the launch never waits for the child to read.
SPEC_PIPE_MAX = 65536
#: Seconds a zygote that did not end by itself is given after SIGTERM (its children's
#: process groups are killed then), and again after SIGKILL, when its handle is closed.
STOP_GRACE = 2.0
#: Seconds the zygote may take to read a request or answer a ping: its loop only selects,
#: forks and reaps, each a matter of milliseconds, so one silent this long is hung.
ANSWER_WITHIN = 10.0


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
        default_handlers()  # (the orchestrator's are not the zygote's: a SIGHUP was a stop)
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
        events = socket.socket(fileno=ev_w)  # (for SCM_RIGHTS; plain lines use os.write)
        pending: list[bytes] = []  # a request's chunks so far (a spec may be megabytes)
        open_requests = True
        while open_requests or children:
            for key, _ in selector.select():
                if key.data == "wake":
                    with contextlib.suppress(BlockingIOError):
                        os.read(wake_r, 4096)
                    _reap(ev_w, children)
                    continue
                data = os.read(req_r, 1 << 20)
                if not data:
                    open_requests = False
                    selector.unregister(req_r)
                    continue
                pending.append(data)
                if b"\n" not in data:  # (only the new chunk is searched: linear in the size)
                    continue
                *lines, rest = b"".join(pending).split(b"\n")
                pending = [rest] if rest else []
                for line in lines:
                    request = json.loads(line)
                    if "ping" in request:
                        os.write(ev_w, f"P {int(request['ping'])}\n".encode())
                        continue
                    if "spec" in request:
                        pid = _launch(functions, request, ev_w, own_fds)
                    else:
                        pid = _prewarm(functions, request, own_fds, events)
                    if pid is not None:
                        children.add(pid)
            _reap(ev_w, children)
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _prewarm(
    functions: Functions,
    request: dict[str, Any],
    close_fds: tuple[int, ...],
    events: socket.socket,
) -> int | None:
    """Fork a warm child into the spare cgroup of ``request`` and hand its spec pipe to the
    orchestrator (``W``); ``w`` if it cannot be had (the orchestrator then drops the spare)."""
    slot = int(request["warm"])
    fds: list[int] = []
    try:
        for path in request["procs"]:
            fds.append(os.open(path, os.O_WRONLY | os.O_CLOEXEC))
        pid, spec_w, done_r = fork_warm(functions, fds, close_fds, request.get("like"))
    except OSError as error:
        os.write(events.fileno(), f"w {slot}\t{error}\n".encode())
        return None
    finally:
        for fd in fds:
            os.close(fd)
    try:
        socket.send_fds(events, [f"W {slot}\t{pid}\n".encode()], [spec_w, done_r])
    finally:
        os.close(spec_w)  # the orchestrator's copy is the only one: its close is the EOF
        os.close(done_r)
    return pid


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


@dataclass(frozen=True)
class Started:
    key: tuple[str, int]
    pid: int


@dataclass(frozen=True)
class ForkFailed:
    key: tuple[str, int]
    why: str


@dataclass(frozen=True)
class Exited:
    pid: int
    status: int
    maxrss: int


News: TypeAlias = Started | ForkFailed | Exited


@dataclass
class Zygote:
    """The orchestrator's handle on its zygote."""

    pid: int
    pidfd: int
    req_w: int
    events: socket.socket
    # S (started), F (could not fork) and X (exited) lines, in the order they came: a pid
    # the kernel reused is only told apart by that order (an X of pid P always comes before
    # the S or W that reuses P)
    news: list[News] = field(default_factory=list)
    # whether an attempt follows this pid now (set by the runtime): an exit read before a W
    # of the same pid is that attempt's if so, else a process nobody follows
    tracked: Callable[[int], bool] = lambda pid: False
    # slot -> (pid, spec pipe's write end, done pipe's read end)
    warm: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    no_warm: list[int] = field(default_factory=list)  # slots the zygote could not fill
    _buffer: bytes = b""
    _fds: deque[int] = field(default_factory=deque)  # received, not yet matched to a W
    _writing: threading.Lock = field(default_factory=threading.Lock)  # whole lines only
    _closed: bool = False
    _pinged: int = 0  # the latest ping sent, and when (monotonic)
    _pinged_at: float = 0.0
    _answered: int = 0  # the latest ping answered
    why_killed: str | None = None  # set when dagwell killed it (stopped or hung)

    @property
    def ev_r(self) -> int:
        return self.events.fileno()

    @classmethod
    def start(cls, functions: Functions) -> Zygote:
        req_r, req_w = os.pipe()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            os.close(req_w)
            ev_w = theirs.detach()
            ours.close()
            _serve(functions, req_r, ev_w, parent)
        os.close(req_r)
        theirs.close()
        os.set_blocking(req_w, False)  # (a write waits at most ANSWER_WITHIN: see _send)
        ours.setblocking(False)
        zygote = cls(pid, os.pidfd_open(pid), req_w, ours)
        _live[pid] = zygote
        return zygote

    def submit(self, spec: AttemptSpec, procs_files: list[str]) -> None:
        """Ask for an attempt to be forked; its pid arrives later in ``news``."""
        self._send({"spec": spec.to_json(), "procs": procs_files})

    def prewarm(self, slot: int, procs_files: list[str], like: AttemptSpec | None = None) -> None:
        """Ask for a warm child in the (spare) cgroup of ``procs_files``: it arrives in
        ``warm`` (or its slot in ``no_warm``). ``like``: an attempt like the one it will
        run, which it rehearses the start of while it waits (see ``fork_warm``)."""
        request: dict[str, Any] = {"warm": slot, "procs": procs_files}
        if like is not None:
            text = json.dumps(like.to_json())
            if len(text) <= REHEARSAL_MAX:  # (large params: not worth carrying twice)
                request["like"] = text
        self._send(request)

    def hand(self, slot: int, spec: AttemptSpec) -> tuple[int, int] | None:
        """Give ``spec`` to the warm child of ``slot`` (see ``warm``): its pid and the read
        end of its done pipe (see ``fork_warm``; the caller closes it), or None if it died
        unused (its exit names a pid nobody follows)."""
        pid, spec_w, done_r = self.warm.pop(slot)
        try:
            data = (json.dumps(spec.to_json()) + "\n").encode()
            if len(data) > SPEC_PIPE_MAX:  # it could block the loop: the cold way instead
                os.close(done_r)
                return None  # (the child reads EOF and exits unused)
            while data:  # (an empty pipe takes it whole: no wait)
                data = data[os.write(spec_w, data) :]
        except OSError:
            os.close(done_r)
            return None
        finally:
            os.close(spec_w)
        return pid, done_r

    def silent_for(self, now: float) -> float:
        """Seconds the zygote has left a ping unanswered (0 if it answered the latest);
        sends the next ping once the latest is answered. An answer still unread counts:
        the orchestrator may not have looked for a while (nothing ran during a retry's
        backoff, or it was itself stopped or busy), which is no silence of the zygote's."""
        if self._answered < self._pinged:
            self.read()
        if self._answered < self._pinged:
            return now - self._pinged_at
        self._send({"ping": self._pinged + 1})
        self._pinged, self._pinged_at = self._pinged + 1, now
        return 0.0

    def _send(self, request: dict[str, Any]) -> None:
        data = (json.dumps(request) + "\n").encode()
        try:
            with self._writing:  # (prewarm requests come from the housekeeping thread)
                if self._closed:  # (its fd may be another file's by now)
                    raise ZygoteGone("the zygote was closed")
                view = memoryview(data)  # (slicing bytes would copy the rest each time)
                deadline = time.monotonic() + ANSWER_WITHIN
                while view:
                    try:
                        view = view[os.write(self.req_w, view) :]
                    except BlockingIOError:  # its pipe is full: it reads nothing
                        left = deadline - time.monotonic()
                        if left <= 0 or not select.select([], [self.req_w], [], left)[1]:
                            self.kill(f"read none of its requests for {ANSWER_WITHIN:g} s")
                            raise ZygoteGone(f"the zygote {self.why_killed}") from None
        except (BrokenPipeError, OSError):
            raise ZygoteGone("the zygote is gone") from None

    def read(self) -> bool:
        """Read what the zygote said into ``news`` (in order), ``warm`` and ``no_warm``.

        Returns False at the end of the stream (the zygote is gone)."""
        alive = True
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self.events, 65536, 8)
            except BlockingIOError:
                break
            for fd in fds:
                os.set_inheritable(fd, False)  # (CLOEXEC: no spawned process keeps a copy)
            self._fds.extend(fds)
            if not data:
                alive = False
                break
            self._buffer += data
        while b"\n" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\n", 1)
            kind, _, rest = raw.decode().partition(" ")
            if kind == "P":
                self._answered = int(rest)
            elif kind == "X":
                pid, status, maxrss = (int(x) for x in rest.split())
                self.news.append(Exited(pid, status, maxrss))
            elif kind in ("W", "w"):
                slot, _, value = rest.partition("\t")
                if kind == "w":
                    self.no_warm.append(int(slot))
                    continue
                pid = int(value)
                # An earlier exit of the same pid is another process's (pid reuse): if no
                # attempt follows that pid it was a warm child's that died unused, and must
                # not be taken for this one once it runs an attempt; if one does, it is
                # that attempt's end and stays.
                if not self.tracked(pid):
                    self.news = [
                        n for n in self.news if not (isinstance(n, Exited) and n.pid == pid)
                    ]
                spec_w = self._fds.popleft()
                self.warm[int(slot)] = (pid, spec_w, self._fds.popleft())
            else:
                step_id, attempt, value = rest.split("\t", 2)
                key = (step_id, int(attempt))
                if kind == "S":
                    self.news.append(Started(key, int(value)))
                else:
                    self.news.append(ForkFailed(key, value))
        return alive

    def drop_slot(self, slot: int) -> None:
        """Close one warm child's pipes: it exits unused at EOF."""
        _, *pipes = self.warm.pop(slot)
        for fd in pipes:
            with contextlib.suppress(OSError):
                os.close(fd)

    def drop_warm(self) -> None:
        """Close the warm children's pipes: each exits unused at EOF."""
        while self.warm:  # (out of the handle before closed: see ``_let_go``)
            _, (_, *pipes) = self.warm.popitem()
            for fd in pipes:
                with contextlib.suppress(OSError):
                    os.close(fd)
        while self._fds:
            with contextlib.suppress(OSError):
                os.close(self._fds.popleft())

    def close(self, timeout: float = 10.0) -> None:
        """EOF to the zygote; warm children (even those still being handed over) get EOF
        too, then the zygote exits once its children have. One that has not within
        ``timeout`` is stopped (see ``_stop``)."""
        with self._writing:
            self._closed = True
            req_w, self.req_w = self.req_w, -1
            with contextlib.suppress(OSError):
                os.close(req_w)
        deadline = time.monotonic() + timeout
        with contextlib.suppress(OSError):
            self.events.setblocking(True)
            while time.monotonic() < deadline:
                self.events.settimeout(max(0.01, deadline - time.monotonic()))
                self.drop_warm()
                try:
                    data, fds, _, _ = socket.recv_fds(self.events, 65536, 8)
                except TimeoutError:
                    break
                self._fds.extend(fds)
                if not data:
                    break
            self.drop_warm()
        self._stop()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        pidfd, self.pidfd = self.pidfd, -1
        with contextlib.suppress(OSError):
            os.close(pidfd)
        self.events.close()
        if _live.get(self.pid) is self:  # (only now: a fork meanwhile still lets go)
            del _live[self.pid]

    def stopped(self) -> bool:
        """Whether the zygote is stopped (SIGSTOP, a debugger's stop): it then forks and
        reaps nothing, so no attempt it forked, not even one its timeout killed, would ever
        be seen to end."""
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                state = f.read().rpartition(")")[2].split()[0]  # (the name may hold ")")
        except (OSError, IndexError):
            return False
        return state in ("T", "t")

    def kill(self, why: str) -> None:
        """SIGKILL the zygote (its children die with it: PR_SET_PDEATHSIG); its pidfd turns
        readable, and the runtime handles it as a zygote that died. ``why``: what it did,
        as in "the zygote <why>; it was killed"."""
        self.why_killed = f"{why}; it was killed"
        with contextlib.suppress(OSError):
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)

    def _stop(self) -> None:
        """If the zygote is still there, SIGTERM (it kills its children's process groups
        and exits), then SIGKILL: closing its handle never waits on it without bound."""
        for signum in (signal.SIGTERM, signal.SIGKILL):
            if self._ended(0.0):
                return
            with contextlib.suppress(OSError):
                signal.pidfd_send_signal(self.pidfd, signum)
            if self._ended(STOP_GRACE):
                return

    def _ended(self, within: float) -> bool:
        """Whether the zygote has exited (its pidfd turns readable), waiting ``within`` s."""
        try:
            return bool(select.select([self.pidfd], [], [], within)[0])
        except (OSError, ValueError):  # (no pidfd: nothing to wait on or signal)
            return True

    def _let_go(self) -> None:
        """In a process forked from the one holding this handle: close its copies of the
        zygote's pipes (see ``_let_go_in_child``) and never use them again. Every fd the
        handle names is open in the parent (each leaves the handle before it is closed), so
        none of these numbers can be a file the child opened since or one of its own."""
        self._writing = threading.Lock()  # (a thread of the parent may have held it)
        self._closed = True
        fds = [self.req_w, self.pidfd, *self._fds]
        for _, *pipes in self.warm.values():
            fds.extend(pipes)
        self.warm.clear()
        self._fds.clear()
        fds.append(self.events.detach())  # (its socket object then closes nothing)
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)


#: The live zygote handles of this process, by zygote pid.
_live: weakref.WeakValueDictionary[int, Zygote] = weakref.WeakValueDictionary()


def _let_go_in_child() -> None:
    """After any fork of this process: the child closes its copies of the zygote handles'
    pipes. A hook that forks a helper which outlives it (a notifier, a daemon) gave the
    helper the request pipe's write end, so the zygote never saw EOF, never ended, and the
    pipeline call waited for the helper (forever for a daemon); its copies of the warm
    children's spec pipes kept those waiting too."""
    for zygote in list(_live.values()):
        zygote._let_go()
    _live.clear()


os.register_at_fork(after_in_child=_let_go_in_child)
