"""What a local attempt leaves on disk, and its removal once the attempt has ended.

An attempt that is killed (its timeout, an OOM kill, a stopped run, SIGKILL) runs none of
its own cleanup, and a forked one never runs its at-exit handlers (it ends in
``os._exit``). So the orchestrator, which outlives it, removes two kinds of leftovers:

- Its temporary folders and files: the folders its loaded inputs were unpacked into (see
  :mod:`dagwell.artifact_store.scratch`), the step's own ``tempfile`` use and that of its
  subprocesses. Each attempt's ``TMPDIR`` (and ``tempfile.tempdir``) is an empty folder
  of its own inside the run's folder (``dagwell-<run id>`` in the orchestrator's temporary
  directory). An attempt that did not succeed has it removed when it ends; a successful
  one's is kept until the run ends if it holds anything (a step may return the path of a
  file it made there, for the next step to read; found empty, it serves a later attempt).
  The run's folder goes when the runtime closes, with what attempts of an orchestrator of
  the run that died left in it. The folders are made ahead (as many as launches came in
  one turn) and removed on a thread of their own, and an empty one is used again: a mkdir in
  an ext4 /tmp took 100-250 us and an rmdir ~100 (2026-12-03), too much for the loop's
  path to each launch, and each removal slows later creates on a journal-less ext4.
- Its partial writes into a local artifact store's ``tmp/``: the store starts their names
  with the attempt's writer name (``WRITER_ENV``), so those of an attempt that ended
  without success are removed when it ends, and those of any attempt of the run when the
  runtime closes (such as one launched by an orchestrator that died before recording it).

A pod's temporary directory dies with the pod; only the writer name applies there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import stat
import tempfile
from collections import deque
from functools import partial
from pathlib import Path

from dagwell.artifact_store.store import LocalArtifactStore, open_artifact_store
from dagwell.core.errors import ConfigError
from dagwell.core.names import safe_key
from dagwell.runtimes.base import AttemptSpec
from dagwell.runtimes.housekeeping import Housekeeping

log = logging.getLogger("dagwell.local")

#: Empty attempt folders kept made ahead at first: a launch takes one and asks for the
#: next. A launch that finds none makes its own on the loop and doubles the number, up to
#: MAX_SPARE_FOLDERS, so a fan-out's turns soon find theirs made.
SPARE_FOLDERS = 2
MAX_SPARE_FOLDERS = 64


def run_writer(run_id: str) -> str:
    """The start of the writer name of every attempt of the run (``~`` is in no safe key,
    so one run's never starts another's)."""
    return f"{safe_key(run_id)}~"


def writer_name(run_id: str, step_id: str, attempt: int) -> str:
    """The attempt's writer name: the start of its temporary files' names in the store."""
    return f"{run_writer(run_id)}{safe_key(step_id)}.{attempt}~"


def run_folder(run_id: str) -> Path:
    """The folder the run's attempts have their temporary folders in."""
    return Path(tempfile.gettempdir()) / f"dagwell-{safe_key(run_id)}"


def _make_run_folder(run_id: str) -> Path:
    """The run's folder, private to this user (or taken over from an orchestrator of the
    run that died): never a folder, or a link, that someone else made."""
    folder = run_folder(run_id)
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        found = os.lstat(folder)
        if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.geteuid():
            raise ConfigError(
                f"{folder} exists and is not a folder of this user's, so the run's attempts "
                "cannot have their temporary folders there: remove it, or set TMPDIR to a "
                "private directory."
            ) from None
        os.chmod(folder, 0o700)
    return folder


def _discard_writes(artifact_store: str, writer: str) -> None:
    """Remove the temporary files ``writer`` (an ended attempt, or a run's) left in a
    local artifact store; an fsspec store's are local files, in the attempt's own folder."""
    store = open_artifact_store(artifact_store)
    if isinstance(store, LocalArtifactStore):
        removed = store.discard_temp(writer)
        if removed:
            log.debug("removed %d partial file(s) of %s from %s", removed, writer, store.url)


def _remove_empty(folder: str) -> None:
    with contextlib.suppress(OSError):
        os.rmdir(folder)


class AttemptLeftovers:
    """The temporary folders and partial writes of one run's local attempts."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.root: Path | None = None  # the run's folder, made with the first launch
        self.stores: set[str] = set()  # the artifact stores the run's attempts write to
        self._ready: deque[str] = deque()  # empty folders, made ahead or taken again
        self._spares = SPARE_FOLDERS  # how many to keep made ahead
        self._thread = Housekeeping("dagwell-scratch")

    def folder(self, spec: AttemptSpec) -> str:
        """A new, empty folder for the attempt about to launch (its TMPDIR)."""
        self.stores.add(spec.artifact_store)
        if self.root is None:
            self.root = _make_run_folder(self.run_id)
            for _ in range(SPARE_FOLDERS - 1):  # (and one for the folder taken now)
                self._thread.submit(self._make)
        try:
            folder = self._ready.popleft()
        except IndexError:  # more launches in a turn than were made ahead: make more
            folder = tempfile.mkdtemp(dir=self.root)
            self._spares = min(2 * self._spares, MAX_SPARE_FOLDERS)
        if len(self._ready) < self._spares:  # (a chain's attempts take the same ones again)
            self._thread.submit(self._make)
        return folder

    def _make(self) -> None:
        while len(self._ready) < self._spares:
            self._ready.append(tempfile.mkdtemp(dir=self.root))

    def _empty(self, folder: str) -> bool:
        """Whether an ended attempt's folder is empty and still private (the common case:
        its scratch scope removed what it made). A stat and the read of an empty folder,
        ~10 us: less than handing it to the thread."""
        try:
            found = os.lstat(folder)
            private = stat.S_ISDIR(found.st_mode) and stat.S_IMODE(found.st_mode) == 0o700
            with os.scandir(folder) as entries:
                return private and next(entries, None) is None
        except OSError:
            return False

    def ended(self, spec: AttemptSpec, *, succeeded: bool) -> None:
        """The attempt has ended (or was recovered after its orchestrator died): its empty
        folder serves another attempt; one that holds something is removed, unless the
        attempt succeeded (then it stays until the run ends: the next step may read a
        file made there). Unless it succeeded (then each of its writes finished), its
        partial writes into the store are removed."""
        self.stores.add(spec.artifact_store)
        folder = spec.scratch
        if folder is not None:
            if self._empty(folder):
                if len(self._ready) < 2 * self._spares:
                    self._ready.append(folder)
                else:
                    self._thread.submit(partial(_remove_empty, folder))
            elif not succeeded:
                self._thread.submit(partial(shutil.rmtree, folder, ignore_errors=True))
        if not succeeded:
            writer = writer_name(spec.run_id, spec.step_id, spec.attempt)
            self._thread.submit(partial(_discard_writes, spec.artifact_store, writer))

    def close(self) -> None:
        """Every attempt of the run has ended: remove what is left (the attempts of an
        orchestrator that died before recording them, or ones still dying)."""
        self._thread.close(timeout=10)
        shutil.rmtree(self.root or run_folder(self.run_id), ignore_errors=True)
        for store in self.stores:
            try:
                _discard_writes(store, run_writer(self.run_id))
            except Exception:  # (an unreachable store keeps its temporary files)
                log.debug("could not clean %s's tmp/", store, exc_info=True)
