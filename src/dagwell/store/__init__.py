"""The run store (SQLAlchemy; SQLite by default, PostgreSQL by URL)."""

from dagwell.store.ops import AttemptWrite, Batch, PutCache, RecordArtifacts, UpdateRun, UpdateStep
from dagwell.store.store import Store

__all__ = [
    "AttemptWrite",
    "Batch",
    "PutCache",
    "RecordArtifacts",
    "Store",
    "UpdateRun",
    "UpdateStep",
]
