"""What a freshly forked attempt process does before the step runs, and forking it.

Shared by the two places that fork attempts: the local runtime itself and its zygote.
The child leaves the parent's process group (Ctrl-C in the terminal reaches only the
orchestrator), dies with its parent (PR_SET_PDEATHSIG), joins its attempt cgroup before
anything else, sends stdout/stderr to its log file, and never returns: it ends in
``os._exit`` with the worker's exit code.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from dagwell.runtimes.base import AttemptSpec
from dagwell.runtimes.parent_death import die_with_parent
from dagwell.runtimes.worker import attempt_env, join_cgroups, prepare_process, run_attempt

EXIT_INTERNAL = 70


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
        os.setpgid(0, 0)
        die_with_parent(signal.SIGKILL, parent)
        for fd in close_fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ValueError):
            signal.set_wakeup_fd(-1)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        join_cgroups(os.pathsep.join(procs_files))
        assert spec.log_path is not None
        log_fd = os.open(spec.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.close(log_fd)
        os.environ.update(attempt_env(spec))
        if not prepared:  # the zygote prepared its streams and logging once for all
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
