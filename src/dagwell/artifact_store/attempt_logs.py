"""Attempt logs in the artifact store, where every reader of a run can get them.

A detached run's engine lives in an orchestrator pod whose disk goes with the pod (a
restart, an OOM kill, a lost node, the Job cleaned up); the submitter's laptop and the
dashboard never see that disk. The artifact store is the one place the orchestrator, its
successors and every reader share, so the orchestrator stores what it reads of each pod's
log there, as it reads it.

Object stores cannot append, so a log is a series of immutable parts named by the byte
range of the attempt's output they hold, ``logs/RUN/STEP/ATTEMPT/<start>-<end>.part``;
once the attempt ended the parts are joined into one ``complete-<size>.log`` (one GET for
a reader) and removed. Writes are idempotent by offset: :meth:`AttemptLog.append` is told
where in the output its bytes start and stores only what lies past what is stored, so an
orchestrator that restarted and reads a pod's log again from its beginning neither loses
nor duplicates a byte. Two writers at once (a stuck orchestrator and its successor) can
only write overlapping parts of the same output, which :meth:`read` joins by offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dagwell.artifact_store.store import ArtifactStore, check_key
from dagwell.core.names import safe_key

_PART = re.compile(r"^(\d{12})-(\d{12})\.part$")
_COMPLETE = re.compile(r"^complete-(\d{12})\.log$")


def log_prefix(run_id: str, step_id: str, attempt: int) -> str:
    return check_key(f"logs/{run_id}/{safe_key(step_id)}/{attempt}")


@dataclass(frozen=True)
class _Listing:
    parts: list[tuple[int, int, str]]  # (start, end, key), by start
    complete: tuple[int, str] | None  # (size, key)

    @property
    def size(self) -> int:
        """Bytes of the output stored from its start without a gap."""
        if self.complete is not None:
            return self.complete[0]
        covered = 0
        for start, end, _ in self.parts:
            if start > covered:
                break
            covered = max(covered, end)
        return covered


class AttemptLog:
    """One attempt's log in ``store``; ``append`` and ``finish`` for its one writer (the
    orchestrator), ``size`` and ``read`` for anyone."""

    def __init__(self, store: ArtifactStore, run_id: str, step_id: str, attempt: int) -> None:
        self.store = store
        self.prefix = log_prefix(run_id, step_id, attempt)
        self._stored: int | None = None  # the writer's view: listed once, then counted

    def _list(self) -> _Listing:
        parts: list[tuple[int, int, str]] = []
        complete = None
        for key in self.store.list_blobs(self.prefix):
            name = key.rsplit("/", 1)[-1]
            if found := _PART.match(name):
                parts.append((int(found[1]), int(found[2]), key))
            elif found := _COMPLETE.match(name):
                complete = (int(found[1]), key)
        return _Listing(sorted(parts), complete)

    def exists(self) -> bool:
        listing = self._list()
        return listing.complete is not None or bool(listing.parts)

    def size(self) -> int:
        return self._list().size

    def stored(self) -> int:
        """What the writer knows is stored (read from the store the first time)."""
        if self._stored is None:
            self._stored = self._list().size
        return self._stored

    def append(self, offset: int, data: bytes) -> int:
        """Store the bytes of ``data`` (which starts at ``offset`` of the output) that lie
        past what is stored; return how many were new."""
        stored = self.stored()
        end = offset + len(data)
        if end <= stored:
            return 0
        if offset > stored:
            raise ValueError(
                f"Log {self.prefix}: bytes from {offset} cannot follow the {stored} stored "
                "(a gap); read the output from its start."
            )
        new = data[stored - offset :]
        self.store.write_blob(f"{self.prefix}/{stored:012d}-{end:012d}.part", new)
        self._stored = end
        return len(new)

    def finish(self) -> None:
        """Join the parts into one object and remove them (the attempt has ended; an
        attempt that printed nothing gets an empty one). Safe to repeat, and to be
        interrupted: the joined object is written before any part goes."""
        listing = self._list()
        if listing.complete is None:
            data = self._join(listing, 0)  # no parts: it printed nothing, which is a log too
            if data is None:  # a part went meanwhile: someone else finished it
                return
            self.store.write_blob(f"{self.prefix}/complete-{len(data):012d}.log", data)
            self._stored = len(data)
        for _, _, key in listing.parts:
            self.store.delete_blob(key)

    def read(self, offset: int = 0) -> bytes | None:
        """The output from byte ``offset`` on; None when no log of this attempt is here."""
        for _ in range(3):  # parts may be joined and removed between listing and reading
            listing = self._list()
            if listing.complete is not None:
                data = self.store.read_blob(listing.complete[1])
                if data is not None:
                    return data[offset:]
                continue
            if not listing.parts:
                return None
            joined = self._join(listing, offset)
            if joined is not None:
                return joined
        return None

    def _join(self, listing: _Listing, offset: int) -> bytes | None:
        """The stored output from ``offset`` up to the first gap (None: a part vanished)."""
        chunks: list[bytes] = []
        covered = offset
        for start, end, key in listing.parts:
            if end <= covered:
                continue
            if start > covered:
                break
            data = self.store.read_blob(key)
            if data is None:
                return None
            chunks.append(data[covered - start :])
            covered = end
        return b"".join(chunks)
