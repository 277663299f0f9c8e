"""A store write's same-shaped statements compiled once and run on the driver's terms.

A busy run's store write is a handful of executemany statements per batch. Through
``Connection.execute`` each paid SQLAlchemy's compiled-cache lookup, parameter
construction and result setup: more than half a chain's store write, five times what
SQLite took to run them (py-spy, chain of 1500). Here a statement is compiled once per
(dialect, statement, column keys) and run with ``exec_driver_sql``, which still wraps the
driver's errors and invalidates a dropped connection as SQLAlchemy does, with each value
passed through the bind processor SQLAlchemy would use (a JSON column is serialized the
same way), so what is stored does not change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class Prepared:
    sql: str
    names: tuple[str, ...]  # the bound values, in the statement's order
    processors: tuple[Processor, ...]
    positional: bool  # qmark (SQLite) takes tuples; pyformat (psycopg) takes mappings

    def params(self, row: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = [
            row[name] if process is None else process(row[name])
            for name, process in zip(self.names, self.processors, strict=True)
        ]
        if self.positional:
            return tuple(values)
        return dict(zip(self.names, values, strict=True))


@functools.lru_cache(maxsize=256)
def _prepare(statement: Any, dialect: Dialect, keys: tuple[str, ...]) -> Prepared:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    names = tuple(compiled.positiontup) if compiled.positional else tuple(compiled.binds)
    processors = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    return Prepared(compiled.string, names, processors, bool(compiled.positional))


def run_many(conn: Connection, statement: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run ``statement`` once per row (all rows of one shape: the same keys)."""
    if not rows:
        return
    prepared = _prepare(statement, conn.dialect, tuple(rows[0]))
    conn.exec_driver_sql(prepared.sql, [prepared.params(row) for row in rows])
