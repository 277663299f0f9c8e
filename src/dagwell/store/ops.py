"""Writes to the run store as small values, applied together in one short transaction.

The engine collects the ops of one loop iteration and hands them to :meth:`Store.write`,
which retries the whole batch when the database is locked or the connection dropped. Ops
are idempotent where they can be (inserts of attempts and artifacts upsert), so a retried
batch never duplicates a record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from dagwell.store import schema


@dataclass(frozen=True)
class UpdateRun:
    run_id: str
    values: Mapping[str, Any]

    def apply(self, conn: Connection) -> None:
        conn.execute(
            update(schema.runs).where(schema.runs.c.id == self.run_id).values(**self.values)
        )


@dataclass(frozen=True)
class UpdateStep:
    run_id: str
    step_id: str
    values: Mapping[str, Any]

    def apply(self, conn: Connection) -> None:
        t = schema.steps
        conn.execute(
            update(t)
            .where(and_(t.c.run_id == self.run_id, t.c.step_id == self.step_id))
            .values(**self.values)
        )


@dataclass(frozen=True)
class UpsertAttempt:
    run_id: str
    step_id: str
    number: int
    values: Mapping[str, Any]

    def apply(self, conn: Connection) -> None:
        t = schema.attempts
        where = and_(
            t.c.run_id == self.run_id, t.c.step_id == self.step_id, t.c.number == self.number
        )
        result = conn.execute(update(t).where(where).values(**self.values))
        if result.rowcount == 0:
            conn.execute(
                insert(t).values(
                    run_id=self.run_id, step_id=self.step_id, number=self.number, **self.values
                )
            )


@dataclass(frozen=True)
class RecordArtifacts:
    refs: Sequence[Mapping[str, Any]]  # ArtifactRef.to_json() values
    created_at: float

    def apply(self, conn: Connection) -> None:
        t = schema.artifacts
        digests = list(dict.fromkeys(r["digest"] for r in self.refs))
        if not digests:
            return
        known = set(conn.execute(select(t.c.digest).where(t.c.digest.in_(digests))).scalars())
        rows, seen = [], set(known)
        for ref in self.refs:
            if ref["digest"] not in seen:
                seen.add(ref["digest"])
                rows.append({**ref, "created_at": self.created_at})
        if rows:
            conn.execute(insert(t), rows)


@dataclass(frozen=True)
class PutCache:
    cache_key: str
    run_id: str
    step_id: str
    outputs: Mapping[str, Any]
    created_at: float

    def apply(self, conn: Connection) -> None:
        t = schema.step_cache
        values = {
            "run_id": self.run_id,
            "step_id": self.step_id,
            "outputs": dict(self.outputs),
            "created_at": self.created_at,
        }
        result = conn.execute(update(t).where(t.c.cache_key == self.cache_key).values(**values))
        if result.rowcount == 0:
            conn.execute(insert(t).values(cache_key=self.cache_key, **values))


@dataclass
class Batch:
    ops: list[Any] = field(default_factory=list)

    def add(self, op: Any) -> None:
        self.ops.append(op)

    def __bool__(self) -> bool:
        return bool(self.ops)
