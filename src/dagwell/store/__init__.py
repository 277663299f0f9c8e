"""The run store (SQLAlchemy; SQLite by default, PostgreSQL by URL).

Only the orchestrator writes it. ``views`` turns its rows into the read models of
:mod:`dagwell.core.records`; ``ownership`` says who owns a running run. It may use only the
core; it never imports the engine or a runtime.

The names below load on first use (PEP 562): importing ``dagwell.store.ownership`` must not
load SQLAlchemy, because a local run forks its zygote before it opens the store, and every
attempt's fork and exit cost grows with what the zygote holds (SQLAlchemy and what it pulls
in: ~20 MB).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dagwell.store.ops import (
        AttemptWrite,
        Batch,
        PutCache,
        RecordArtifacts,
        UpdateRun,
        UpdateStep,
    )
    from dagwell.store.store import Store, retry_window
    from dagwell.store.tags import ChangeTags, TagSpec

_WHERE = {
    "AttemptWrite": "ops",
    "Batch": "ops",
    "ChangeTags": "tags",
    "PutCache": "ops",
    "RecordArtifacts": "ops",
    "UpdateRun": "ops",
    "UpdateStep": "ops",
    "Store": "store",
    "retry_window": "store",
    "TagSpec": "tags",
}

__all__ = [
    "AttemptWrite",
    "Batch",
    "ChangeTags",
    "PutCache",
    "RecordArtifacts",
    "Store",
    "TagSpec",
    "UpdateRun",
    "UpdateStep",
    "retry_window",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'dagwell.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"dagwell.store.{module}"), name)
    globals()[name] = value
    return value
