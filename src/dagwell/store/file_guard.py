"""Keeping an SQLite store's file where it belongs while a run records into it.

A database file deleted while open keeps working through the descriptors that still point
at it: the orchestrator records its whole run into an unlinked file, reports it completed,
and when it exits the record is gone, as if the run never happened. The guard holds its
own connection to the file and, at each heartbeat and write, checks the path (one stat):
a deleted file is put back from that open connection (SQLite's backup, WAL included), so
nothing recorded is lost; a file replaced by another one is an error, never overwritten.
The store's threads (the run's creation, the writer, the heartbeat, the close) share the
guard, one at a time.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path

from dagwell.core.errors import StoreError

log = logging.getLogger("dagwell.store")


def _identity(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino


class FileGuard:
    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn = self._open()
        self._identity = _identity(path)

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=1.0, isolation_level=None, check_same_thread=False
        )
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # holds the file open
        return conn

    def check(self) -> bool:
        """True when the file was deleted and has just been restored: the caller's other
        connections still point at the deleted one and must be reopened."""
        with self._lock:
            return self._check()

    def _check(self) -> bool:
        try:
            identity = _identity(self.path)
        except FileNotFoundError:
            self._restore()
            return True
        if identity != self._identity:
            raise StoreError(
                f"The run store {self.path} was replaced by another file while a run was "
                "recording into it; dagwell does not write over it. Put the original back, "
                "or run the pipeline again to record it in the new store."
            )
        return False

    def _restore(self) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        partial = f"{self.path}.restoring-{os.getpid()}"
        target = sqlite3.connect(partial)
        try:
            self._conn.backup(target)
        finally:
            target.close()
        os.rename(partial, self.path)
        self._conn.close()
        self._conn = self._open()
        self._identity = _identity(self.path)
        log.warning(
            "the run store %s was deleted while a run recorded into it; it was put back "
            "from the open database, with everything recorded so far",
            self.path,
        )

    def close(self) -> None:
        with self._lock:
            self._conn.close()
