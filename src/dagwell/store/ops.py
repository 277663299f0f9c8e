"""Writes to the run store as small values, applied together in one short transaction.

The engine collects the ops of one loop iteration and hands them to :meth:`Store.write`,
which retries the whole batch when the database is locked or the connection dropped.
Before running, a batch is compacted (several changes to one row become one statement)
and grouped (same-shaped statements run as one executemany), which is what keeps the
store's cost per step small. Upserts and artifact inserts are idempotent, so a retried
batch never duplicates a record.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Connection, and_, bindparam, insert, update

from dagwell.store import schema
from dagwell.store.prepared import run_many
from dagwell.store.tags import ChangeTags, apply


@dataclass(frozen=True)
class UpdateRun:
    run_id: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class UpdateStep:
    run_id: str
    step_id: str
    values: Mapping[str, Any]


AttemptMode = Literal["insert", "update", "upsert"]


@dataclass(frozen=True)
class AttemptWrite:
    """Write one attempt row: ``insert`` (the engine just started it), ``update`` (its row
    exists), or ``upsert`` (recovery paths, where it may or may not exist)."""

    run_id: str
    step_id: str
    number: int
    values: Mapping[str, Any]
    mode: AttemptMode = "update"


@dataclass(frozen=True)
class RecordArtifacts:
    refs: Sequence[Mapping[str, Any]]  # ArtifactRef.to_json() values
    created_at: float


@dataclass(frozen=True)
class PutCache:
    cache_key: str
    run_id: str
    step_id: str
    outputs: Mapping[str, Any]
    created_at: float


Op = UpdateRun | UpdateStep | AttemptWrite | RecordArtifacts | PutCache | ChangeTags


@dataclass
class Batch:
    ops: list[Op] = field(default_factory=list)

    def add(self, op: Op) -> None:
        self.ops.append(op)

    def __bool__(self) -> bool:
        return bool(self.ops)


def compact(ops: Iterable[Op]) -> list[Op]:
    """Merge the changes to one row into one op (later values win)."""
    merged: dict[tuple[Any, ...], Op] = {}
    order: list[tuple[Any, ...]] = []
    for i, op in enumerate(ops):
        if isinstance(op, UpdateStep):
            key: tuple[Any, ...] = ("step", op.run_id, op.step_id)
        elif isinstance(op, AttemptWrite):
            key = ("attempt", op.run_id, op.step_id, op.number)
        elif isinstance(op, UpdateRun):
            key = ("run", op.run_id)
        else:
            key = ("other", i)
        previous = merged.get(key)
        if previous is None:
            merged[key] = op
            order.append(key)
        elif isinstance(op, UpdateStep | UpdateRun):
            assert isinstance(previous, UpdateStep | UpdateRun)
            merged[key] = type(op)(**{**_fields(op), "values": {**previous.values, **op.values}})
        else:
            assert isinstance(previous, AttemptWrite) and isinstance(op, AttemptWrite)
            # an insert stays an insert; anything else merged with an upsert is an upsert
            values = {**previous.values, **op.values}
            mode: AttemptMode = (
                previous.mode
                if previous.mode == "insert"
                else ("upsert" if "upsert" in (previous.mode, op.mode) else "update")
            )
            if op.mode == "insert" and previous.mode != "insert":
                # news of the attempt (its external id) batched before its start: the row
                # does not exist yet, and the news is newer than the start's defaults
                mode, values = "upsert", {**op.values, **previous.values}
            merged[key] = AttemptWrite(op.run_id, op.step_id, op.number, values, mode)
    return [merged[key] for key in order]


def _fields(op: UpdateStep | UpdateRun) -> dict[str, Any]:
    if isinstance(op, UpdateStep):
        return {"run_id": op.run_id, "step_id": op.step_id}
    return {"run_id": op.run_id}


def _by_shape(rows: list[dict[str, Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return groups


@functools.lru_cache(maxsize=256)
def _update_where(table_name: str, keys: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    """``UPDATE table SET columns WHERE keys``, all bound by name (a key ``k`` as ``_k``),
    built once per shape: a statement is immutable, and rebuilding it for every flush
    (and SQLAlchemy's cache key of a new object) was a third of a flush's CPU."""
    table = schema.metadata.tables[table_name]
    where = and_(*(table.c[k] == bindparam(f"_{k}") for k in keys))
    return update(table).where(where).values({c: bindparam(c) for c in columns})


@functools.lru_cache(maxsize=4)
def _insert(table_name: str) -> Any:
    return insert(schema.metadata.tables[table_name])


def execute(conn: Connection, ops: Iterable[Op]) -> None:
    """Run a compacted batch: same-shaped statements together, as executemany."""
    ops = compact(ops)
    runs = schema.runs
    for op in ops:
        if isinstance(op, UpdateRun):
            conn.execute(update(runs).where(runs.c.id == op.run_id).values(**op.values))
    step_rows = [
        {"_run_id": op.run_id, "_step_id": op.step_id, **op.values}
        for op in ops
        if isinstance(op, UpdateStep)
    ]
    for shape, rows in _by_shape(step_rows).items():
        columns = tuple(c for c in shape if not c.startswith("_"))
        run_many(conn, _update_where("steps", ("run_id", "step_id"), columns), rows)
    attempt_ops = [op for op in ops if isinstance(op, AttemptWrite)]
    inserts = [
        {"run_id": op.run_id, "step_id": op.step_id, "number": op.number, **op.values}
        for op in attempt_ops
        if op.mode == "insert"
    ]
    for rows in _by_shape(inserts).values():
        run_many(conn, _insert("attempts"), rows)
    updates = [
        {"_run_id": op.run_id, "_step_id": op.step_id, "_number": op.number, **op.values}
        for op in attempt_ops
        if op.mode == "update"
    ]
    for shape, rows in _by_shape(updates).items():
        columns = tuple(c for c in shape if not c.startswith("_"))
        statement = _update_where("attempts", ("run_id", "step_id", "number"), columns)
        run_many(conn, statement, rows)
    for op in ops:
        if isinstance(op, AttemptWrite) and op.mode == "upsert":
            _upsert_attempt(conn, op)
    _record_artifacts(conn, [op for op in ops if isinstance(op, RecordArtifacts)])
    _put_cache(conn, [op for op in ops if isinstance(op, PutCache)])
    for op in ops:  # (in the order given: a tag put on, then taken off, is off)
        if isinstance(op, ChangeTags):
            apply(conn, op)


def _upsert_attempt(conn: Connection, op: AttemptWrite) -> None:
    t = schema.attempts
    where = and_(t.c.run_id == op.run_id, t.c.step_id == op.step_id, t.c.number == op.number)
    result = conn.execute(update(t).where(where).values(**op.values))
    if result.rowcount == 0:
        conn.execute(
            insert(t).values(run_id=op.run_id, step_id=op.step_id, number=op.number, **op.values)
        )


def _insert_ignoring_duplicates(
    conn: Connection,
    table: Any,
    rows: list[dict[str, Any]],
    key: tuple[str, ...],
    update_columns: tuple[str, ...] = (),
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING (or DO UPDATE), in one statement on both backends;
    ``key`` is the primary key's columns."""
    run_many(conn, _on_conflict(conn.dialect.name, table.name, key, update_columns), rows)


@functools.lru_cache(maxsize=16)
def _on_conflict(
    dialect_name: str, table_name: str, key: tuple[str, ...], update_columns: tuple[str, ...]
) -> Any:
    """The upsert statement, built once per shape: building it (its ``excluded`` alias
    proxies every column) and SQLAlchemy's cache key of the new object were a third of a
    chain's store write (py-spy, chain of 1500)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if dialect_name == "postgresql" else sqlite
    stmt: Any = dialect.insert(schema.metadata.tables[table_name])
    if update_columns:
        return stmt.on_conflict_do_update(
            index_elements=list(key), set_={c: stmt.excluded[c] for c in update_columns}
        )
    return stmt.on_conflict_do_nothing(index_elements=list(key))


def _record_artifacts(conn: Connection, ops: Sequence[RecordArtifacts]) -> None:
    """All the batch's artifacts in one statement (the first record of a digest stays)."""
    columns = schema.artifacts.c.keys()  # (a ref's "uri" is kept in the step's outputs)
    rows: dict[str, dict[str, Any]] = {}
    for op in ops:
        for ref in op.refs:
            if ref["digest"] not in rows:
                rows[ref["digest"]] = {c: ref.get(c) for c in columns} | {
                    "created_at": op.created_at
                }
    if rows:
        _insert_ignoring_duplicates(conn, schema.artifacts, list(rows.values()), ("digest",))


def _put_cache(conn: Connection, ops: Sequence[PutCache]) -> None:
    """All the batch's cache entries in one statement (a later entry of a step run wins)."""
    rows = {
        (op.cache_key, op.run_id, op.step_id): {
            "cache_key": op.cache_key,
            "run_id": op.run_id,
            "step_id": op.step_id,
            "outputs": dict(op.outputs),
            "created_at": op.created_at,
        }
        for op in ops
    }
    if rows:
        _insert_ignoring_duplicates(
            conn,
            schema.step_cache,
            list(rows.values()),
            ("cache_key", "run_id", "step_id"),
            update_columns=("outputs", "created_at"),
        )
