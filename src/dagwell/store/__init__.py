"""The run store (SQLAlchemy; SQLite by default, PostgreSQL by URL)."""

from dagwell.store.ops import (
    Batch,
    InsertAttempt,
    PutCache,
    RecordArtifacts,
    UpdateAttempt,
    UpdateRun,
    UpdateStep,
    UpsertAttempt,
)
from dagwell.store.store import Store

__all__ = [
    "Batch",
    "InsertAttempt",
    "PutCache",
    "RecordArtifacts",
    "Store",
    "UpdateAttempt",
    "UpdateRun",
    "UpdateStep",
    "UpsertAttempt",
]
