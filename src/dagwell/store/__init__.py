"""The run store (SQLAlchemy; SQLite by default, PostgreSQL by URL).

Only the orchestrator writes it. ``views`` turns its rows into the read models of
:mod:`dagwell.core.records`; ``ownership`` says who owns a running run. It may use only the
core; it never imports the engine or a runtime.
"""

from dagwell.store.ops import AttemptWrite, Batch, PutCache, RecordArtifacts, UpdateRun, UpdateStep
from dagwell.store.store import Store, retry_window

__all__ = [
    "AttemptWrite",
    "Batch",
    "PutCache",
    "RecordArtifacts",
    "Store",
    "UpdateRun",
    "UpdateStep",
    "retry_window",
]
