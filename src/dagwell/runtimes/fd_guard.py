"""User code in the orchestrator's process cannot close the orchestrator's files.

Hooks run in the orchestrator's process, and so do steps under ``isolation="inprocess"``.
``os.closerange(3, 4096)`` there (an idiom of code that daemonizes or execs) closed the
engine's epoll, its attempts' pipes and its store: the loop died of EBADF and the run was
left orphaned. ``os.close(fd)`` or ``os.dup2(other, fd)`` on one of them did the same,
one file at a time. So, while such code runs (:func:`keeping_fds`, entered by
``exit_guard.exit_raises``), those calls in that thread refuse to close or replace a file
that was open when the code started (the orchestrator's, or its script's): they raise
:class:`KeptOpen`, naming the call, and close nothing. Files the code opened itself close
as asked (a number the orchestrator freed and the code's own file reused is told apart by
the file's identity). A thread such code starts (a background uploader, a watchdog) keeps
its guard for its whole life, even once the hook returned: before, its ``closerange``
ended the run orphaned. (Files the orchestrator opened after the code started, an attempt
launched meanwhile, are not among those kept.)

Closing stdin, stdout or stderr is the code's right, but a closed 0/1/2 would be the next
number ``open()`` returns in this process: the engine's next artifact file would receive
what is printed. So there the call puts ``/dev/null`` in its place (output to it is
discarded, as the code asked). Forked children keep the real calls.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_real_close = os.close
_real_closerange = os.closerange
_real_dup2 = os.dup2
_real_start = threading.Thread.start

_lock = threading.Lock()
_installed_in: list[int] = []  # the pid the state below belongs to, once installed
_kept: dict[int, dict[int, tuple[int, int]]] = {}  # thread ident -> fd -> (dev, inode)

_STANDARD = (0, 1, 2)


class KeptOpen(PermissionError):
    """User code in the orchestrator's process asked to close the orchestrator's files."""

    def __init__(self, what: str, fds: list[int]) -> None:
        shown = ", ".join(map(str, fds[:8])) + (", ..." if len(fds) > 8 else "")
        super().__init__(
            errno.EPERM,
            f"{what} was called in a hook or an in-process step (or a thread it started): "
            f"it would close files that were open when it started (fd {shown}: dagwell's "
            "orchestrator's, or its script's); nothing was closed. Close only the files "
            "your code opened.",
        )


def _identity(fd: int) -> tuple[int, int] | None:
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _open_fds() -> dict[int, tuple[int, int]]:
    found = {}
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        identity = _identity(fd) if fd not in _STANDARD else None
        if identity is not None:
            found[fd] = identity
    return found


def _protected(fds: range | list[int]) -> list[int]:
    """Those of ``fds`` this thread must not close (empty outside guarded code)."""
    if _installed_in != [os.getpid()]:
        return []
    kept = _kept.get(threading.get_ident())
    if not kept:
        return []
    return [fd for fd in sorted(kept) if fd in fds and _identity(fd) == kept[fd]]


def _guarded() -> bool:
    return _installed_in == [os.getpid()] and threading.get_ident() in _kept


def _to_null(fd: int) -> None:
    null = os.open(os.devnull, os.O_RDWR)
    try:
        _real_dup2(null, fd)
    finally:
        _real_close(null)


def _close(fd: int) -> None:
    if _protected([fd]):
        raise KeptOpen(f"os.close({fd})", [fd])
    if fd in _STANDARD and _guarded() and _identity(fd) is not None:
        _to_null(fd)
        return
    _real_close(fd)  # (a standard one already closed: EBADF, as asked)


def _closerange(low: int, high: int) -> None:
    kept = _protected(range(low, high))
    if kept:
        raise KeptOpen(f"os.closerange({low}, {high})", kept)
    if _guarded():
        for fd in _STANDARD:
            if low <= fd < high and _identity(fd) is not None:
                _to_null(fd)
        low = max(low, len(_STANDARD))
    _real_closerange(low, high)


def _dup2(fd: int, fd2: int, inheritable: bool = True) -> int:
    if _protected([fd2]):
        raise KeptOpen(f"os.dup2({fd}, {fd2})", [fd2])
    return _real_dup2(fd, fd2, inheritable)


def _start(thread: threading.Thread) -> None:
    """``Thread.start``: a thread started by guarded code keeps what that code keeps."""
    kept = _kept.get(threading.get_ident()) if _installed_in == [os.getpid()] else None
    if kept is not None:
        thread.run = _keeping(dict(kept), thread.run)  # type: ignore[method-assign]
    _real_start(thread)


def _keeping(kept: dict[int, tuple[int, int]], run: Callable[[], None]) -> Callable[[], None]:
    def run_kept() -> None:
        ident = threading.get_ident()
        with _lock:
            _kept[ident] = kept
        try:
            run()
        finally:
            with _lock:
                _kept.pop(ident, None)

    return run_kept


def _install() -> None:
    if _installed_in == [os.getpid()]:
        return
    _kept.clear()
    _installed_in[:] = [os.getpid()]
    os.close = _close
    os.closerange = _closerange
    os.dup2 = _dup2
    threading.Thread.start = _start  # type: ignore[method-assign,assignment]


@contextmanager
def keeping_fds() -> Iterator[None]:
    """Within this block, this thread cannot close the files open when it began."""
    ident = threading.get_ident()
    open_now = _open_fds()
    with _lock:
        _install()
        outer = _kept.get(ident)
        _kept[ident] = open_now if outer is None else {**open_now, **outer}
    try:
        yield
    finally:
        with _lock:
            if outer is None:
                _kept.pop(ident, None)
            else:
                _kept[ident] = outer
