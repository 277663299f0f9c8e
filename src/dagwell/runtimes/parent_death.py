"""Attempts and the zygote do not outlive the orchestrator that owns them.

A SIGKILLed orchestrator runs no cleanup, and its attempts, reparented to init, would
keep running while ``dagwell runs resume`` starts new attempts of the same steps. So each
process dagwell forks for a run asks the kernel (``PR_SET_PDEATHSIG``) for a signal when
its parent dies: the zygote gets SIGTERM and kills its attempts' process groups; an
attempt gets SIGKILL. The parent may already be gone by the time the child asks, so the
child checks its parent's pid right after.

The ``prctl`` function is looked up once per process tree: the zygote's own call leaves
it cached for every attempt it forks (a ``ctypes.CDLL`` and a symbol lookup per attempt
were ~20 copy-on-write faults each, in the child, before the step could start).
"""

from __future__ import annotations

import ctypes
import functools
import os
from collections.abc import Callable
from typing import Any

_PR_SET_PDEATHSIG = 1


@functools.cache
def _prctl() -> Callable[..., Any] | None:
    try:
        prctl: Callable[..., Any] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: resume's sweep still finds survivors
        return None
    return prctl


def die_with_parent(signum: int, parent: int) -> None:
    """Have the kernel send ``signum`` to this process when ``parent`` (its parent) dies."""
    prctl = _prctl()
    if prctl is None:
        return
    prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
    if os.getppid() != parent:  # died before we asked
        os.kill(os.getpid(), signum)
