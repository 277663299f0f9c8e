"""Local folders that loaded artifacts live in, and when they are removed.

Loading a ``Path`` artifact, a registered file or a user materializer's artifact unpacks
it into a new local folder, and the loaded value may point into it (a ``Path``, a
memory-mapped array, a model that reads its files lazily). ZenML keeps such folders until
the step that loaded them has finished and then deletes them; outside a step it leaves
them to the caller. dagwell does the same: a folder made inside :func:`scope` is
removed when the scope ends (the attempt's own end), one made outside stays, or, for a
materializer's unpacked copy (which in ZenML is the artifact store itself, never deleted),
is removed when the process exits. A folder is never removed while the value that needs
it can still be used, and no attempt leaves one behind in /tmp: one killed before its
scope ended (timeout, OOM kill, a stopped run) made its folders in its own TMPDIR, which
the local runtime removes when the attempt has ended (see
:mod:`dagwell.runtimes.attempt_scratch`; a pod's goes with the pod).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_IN_STEP: ContextVar[list[str] | None] = ContextVar("dagwell_scratch_folders", default=None)
_AT_EXIT: list[str] = []


def folder(prefix: str, *, outside_a_step: str = "keep") -> str:
    """A new local folder, removed when the running step ends; outside a step it is kept
    (``outside_a_step="keep"``, left to the caller as ZenML leaves it) or removed when the
    process exits (``"at_exit"``)."""
    path = tempfile.mkdtemp(prefix=prefix)
    pending = _IN_STEP.get()
    if pending is not None:
        pending.append(path)
    elif outside_a_step == "at_exit":
        if not _AT_EXIT:
            atexit.register(_remove, _AT_EXIT)
        _AT_EXIT.append(path)
    return path


def register(path: str) -> bool:
    """Remove ``path`` when the running step ends; False (and nothing done) outside a step."""
    pending = _IN_STEP.get()
    if pending is None:
        return False
    pending.append(path)
    return True


@contextmanager
def scope() -> Iterator[None]:
    """The span of one step's execution, or of any use after which the loaded values are
    dropped (a dashboard preview): folders made in it are removed when it ends."""
    pending: list[str] = []
    token = _IN_STEP.set(pending)
    try:
        yield
    finally:
        _IN_STEP.reset(token)
        _remove(pending)


def _remove(paths: list[str]) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)
    paths.clear()
