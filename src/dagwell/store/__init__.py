"""The run store (SQLAlchemy; SQLite by default, PostgreSQL by URL)."""

from dagwell.store.ops import Batch, PutCache, RecordArtifacts, UpdateRun, UpdateStep, UpsertAttempt
from dagwell.store.store import Store

__all__ = [
    "Batch",
    "PutCache",
    "RecordArtifacts",
    "Store",
    "UpdateRun",
    "UpdateStep",
    "UpsertAttempt",
]
