"""What a freshly forked attempt process does before the step runs, and forking it.

Shared by the two places that fork attempts: the local runtime itself and its zygote.
The child leaves the parent's process group (Ctrl-C in the terminal reaches only the
orchestrator), dies with its parent (PR_SET_PDEATHSIG), joins its attempt cgroup before
anything else, sends stdout/stderr to its log file, and never returns: it ends in
``os._exit`` with the worker's exit code.

A *warm* child (:func:`fork_warm`) does all of that but the log ahead of time, in a spare
cgroup, then waits for its spec on a pipe: fork and cgroup attach (a v1 attach waits for
an RCU grace period, milliseconds on a busy machine) leave the latency path of a launch.
It joins through descriptors its parent opened before the fork, so the spare cgroup may
be renamed to the attempt's name at any time; at EOF (nothing to run) it exits quietly.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

from dagwell.runtimes.base import AttemptSpec
from dagwell.runtimes.parent_death import die_with_parent
from dagwell.runtimes.worker import (
    attempt_env,
    join_cgroups,
    prepare_process,
    rehearse,
    run_attempt,
)

EXIT_INTERNAL = 70


def _detach(parent: int, close_fds: Sequence[int]) -> None:
    """Own process group, death with the parent, none of the parent's fds or handlers."""
    os.setpgid(0, 0)
    die_with_parent(signal.SIGKILL, parent)
    for fd in close_fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    with contextlib.suppress(ValueError):
        signal.set_wakeup_fd(-1)
    default_handlers()


def default_handlers() -> None:
    """Each signal the parent has a Python handler for gets its default action back: those
    handlers are the orchestrator's (dagwell's stop on SIGTERM and SIGHUP, the user's own),
    and in a step they turned a SIGHUP into 'SignalStop: stopped by SIGHUP', the step's
    own error. SIGINT, SIGTERM and SIGCHLD get it in any case (the zygote ignores SIGINT); a
    signal the orchestrator was started ignoring otherwise stays ignored (``nohup``)."""
    for sig in signal.valid_signals():
        try:
            handler = signal.getsignal(sig)
        except (OSError, ValueError):
            continue
        if callable(handler) or sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
            with contextlib.suppress(OSError, ValueError):
                signal.signal(sig, signal.SIG_DFL)


def child_main(
    spec: AttemptSpec,
    func: Callable[..., Any] | None,
    procs_files: Sequence[str],
    parent: int,
    close_fds: Sequence[int] = (),
    prepared: bool = False,
) -> NoReturn:
    code = EXIT_INTERNAL
    try:
        _detach(parent, close_fds)
        join_cgroups(os.pathsep.join(procs_files))
        code = _run(spec, func, prepared)
    except BaseException:
        _print_error()
    finally:
        _exit(code)


def _run(spec: AttemptSpec, func: Callable[..., Any] | None, prepared: bool) -> int:
    assert spec.log_path is not None
    log_fd = os.open(spec.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    os.environ.update(attempt_env(spec))
    if spec.scratch is not None:  # (TMPDIR may have been read, and kept, before the fork)
        tempfile.tempdir = spec.scratch
    if not prepared:  # the zygote prepared its streams and logging once for all
        prepare_process()
    return run_attempt(spec, func)


def _print_error() -> None:
    with contextlib.suppress(BaseException):
        import traceback

        traceback.print_exc()


def _exit(code: int, done: int | None = None) -> NoReturn:
    """Flush the log and exit; with ``done``, first say so on that pipe: ``D<code> <peak
    RSS in kB>`` (the peak from getrusage here spares the orchestrator a read of this
    process's /proc status, ~70 us on a chain's path)."""
    with contextlib.suppress(BaseException):
        sys.stdout.flush()
        sys.stderr.flush()
    if done is not None:
        with contextlib.suppress(OSError):
            maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            os.write(done, b"D%d %d\n" % (code, maxrss))
    os._exit(code)


def fork_attempt(
    spec: AttemptSpec,
    func: Callable[..., Any] | None,
    procs_files: Sequence[str],
    close_fds: Sequence[int] = (),
    prepared: bool = False,
) -> int:
    """Fork an attempt process; return its pid (in the parent)."""
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        child_main(spec, func, procs_files, parent, close_fds, prepared)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.setpgid(pid, pid)  # the child does it too: whoever is first closes the race
    return pid


def _read_line(fd: int) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 65536)
        if not chunk:
            return b""
        data += chunk
    return data


def _rehearse(like: str, functions: Mapping[str, Callable[..., Any] | None]) -> None:
    """Parse a spec like the coming one, set its environment and run the attempt's
    file-free parts (:func:`worker.rehearse`): what a warm child does once its spec
    arrives, done while it waits. The code and objects that start touches live in pages
    shared with the zygote; the child's first write to each copies it (a copy-on-write
    fault, 2-5 us each), and these now happen off the path: ~150 before the step runs and
    ~140 of the ~360 in the attempt body (chain of 1000: run_attempt 1.9-2.5 -> 1.3-1.6 ms)."""
    spec = AttemptSpec.from_json(json.loads(like))
    os.environ.update(attempt_env(spec))  # (the same keys: the real spec's values replace them)
    rehearse(spec, functions.get(spec.step_id))


def fork_warm(
    functions: Mapping[str, Callable[..., Any] | None],
    procs_fds: Sequence[int],
    close_fds: Sequence[int] = (),
    like: str | None = None,
) -> tuple[int, int, int]:
    """Fork a warm child that joins its cgroup through ``procs_fds`` (``cgroup.procs``
    files opened by the caller) and waits for one JSON spec line on a pipe, rehearsing
    the start of an attempt ``like`` (a spec's JSON) meanwhile.

    Returns (pid, the spec pipe's write end, the done pipe's read end). The child runs
    ``functions[spec.step_id]``; once its manifest is written and its log flushed it writes
    ``D<exit code> <peak RSS kB>`` on the done pipe and exits with that code, so its end can
    be handled while the kernel still tears its address space down (the exit is the largest
    part of a chain's path: ~1.7 ms). An attempt that dies before that leaves only EOF there.
    """
    spec_r, spec_w = os.pipe()
    done_r, done_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        code = EXIT_INTERNAL
        done: int | None = None
        try:
            _detach(parent, [*close_fds, spec_w, done_r])
            me = str(os.getpid()).encode()
            for fd in procs_fds:
                os.write(fd, me)
                os.close(fd)
            if like is not None:
                with contextlib.suppress(Exception):
                    _rehearse(like, functions)
            line = _read_line(spec_r)
            if not line:  # no attempt came: the run is over
                _exit(0)
            os.close(spec_r)
            spec = AttemptSpec.from_json(json.loads(line))
            done = done_w
            code = _run(spec, functions.get(spec.step_id), prepared=True)
        except BaseException:
            _print_error()
        finally:
            _exit(code, done)
    os.close(spec_r)
    os.close(done_w)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.setpgid(pid, pid)
    return pid, spec_w, done_r
