"""Opening a database: URL normalization, SQLite pragmas, migrations on first use.

SQLite runs in WAL mode with a busy timeout, and write transactions start with
``BEGIN IMMEDIATE`` so two writers queue instead of deadlocking on a lock upgrade.
PostgreSQL is reached through psycopg 3 (``postgresql://`` URLs are mapped to it).
Migrations are alembic's; a store already at the head revision skips importing alembic.
A store that cannot be written (a read-only DAGWELL_HOME) can still be read: see
:func:`open_read_only`.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from dagwell.core.errors import ConfigError, StoreNotWritable, StoreSchemaNewer

HEAD_REVISION = "0007_tag_colors"
#: Every schema revision this dagwell's migrations know, oldest first (a test holds it to
#: the migration files). A store at a revision outside it was migrated by a newer dagwell.
KNOWN_REVISIONS = (
    "0001",
    "0002_memory_samples",
    "0003_run_plans",
    "0004_cached_step",
    "0005_tags",
    "0006_cache_entries",
    HEAD_REVISION,
)
#: How long one SQLite statement waits for another connection's lock. dagwell's own
#: transactions take milliseconds; a longer lock is an outage, which the store's retry (with
#: backoff, for DAGWELL_STORE_RETRY seconds) and the engine ride out without freezing.
BUSY_TIMEOUT = 1.0
_MIGRATIONS = Path(__file__).parent / "migrations"


def normalize_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if not url.startswith(("sqlite:", "postgresql+")):
        raise ConfigError(
            f"Unsupported store URL {url!r}: use sqlite:///path/to/dagwell.db or "
            "postgresql://user:password@host/dbname."
        )
    return url


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database  # (decoded: a home may hold '?', '#' or '%')
        if path and path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreNotWritable(
                    f"The run store {path} cannot be created: making its directory failed "
                    f"({error.strerror or error}). Point DAGWELL_HOME at a writable place."
                ) from error
        engine = create_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT, "check_same_thread": False}
        )
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql+psycopg"):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise ConfigError(
                "DAGWELL_STORE_URL points at PostgreSQL, which needs psycopg 3: "
                "pip install 'dagwell[postgres]'."
            ) from None
    return create_engine(
        url, pool_pre_ping=True, pool_size=2, max_overflow=4, connect_args={"connect_timeout": 10}
    )


def _configure_sqlite(engine: Engine, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # dagwell emits BEGIN itself (below)
        cursor = dbapi_conn.cursor()
        if not read_only:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # On the driver's connection, not through exec_driver_sql: SQLAlchemy's execution
        # context for one BEGIN was 40% of a store write's transaction overhead (py-spy,
        # chain of 1500). Its error is wrapped as SQLAlchemy would (OperationalError for a
        # locked database), which is what the store's retry looks at.
        sql = "BEGIN" if conn.get_execution_options().get("dagwell_read") else "BEGIN IMMEDIATE"
        try:
            conn.connection.dbapi_connection.execute(sql)
        except sqlite3.Error as error:
            raise DBAPIError.instance(sql, None, error, sqlite3.Error) from error


def open_read_only(url: str) -> Engine:
    """The SQLite store at ``url`` opened for reading only, for a home nobody may write.

    A WAL database is read through its ``-shm`` index, which a read-only directory cannot
    hold; when no ``-wal`` file exists (every commit is in the database file), the file is
    opened ``immutable`` instead. The schema must be current: migrating would write."""
    path = make_url(url).database or ""
    wal = os.path.exists(f"{path}-wal")
    failure: OperationalError | None = None
    for immutable in (False,) if wal else (False, True):
        uri = f"file:{quote(path)}?mode=ro{'&immutable=1' if immutable else ''}"
        engine = create_engine(
            "sqlite://",
            creator=lambda uri=uri: sqlite3.connect(
                uri, uri=True, timeout=BUSY_TIMEOUT, check_same_thread=False
            ),
        )
        _configure_sqlite(engine, read_only=True)
        try:
            with engine.connect().execution_options(dagwell_read=True) as conn:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except OperationalError as error:
            engine.dispose()
            if "no such table" in str(error):
                revision = None
            else:
                failure = error
                continue
        if revision == HEAD_REVISION:
            return engine
        engine.dispose()
        refuse_newer_schema(path, revision)
        raise StoreNotWritable(
            f"The run store {path} cannot be written and its schema is "
            f"{revision or 'missing'}, not this dagwell's {HEAD_REVISION}, so it cannot be "
            "read as it is: run any dagwell command once with write access to its directory "
            "(DAGWELL_HOME), which migrates it, or copy the home somewhere writable."
        )
    raise StoreNotWritable(
        f"The run store {path} cannot be written, nor opened read-only ({failure}"
        f"{'; its -wal file holds commits that need a writer to be read' if wal else ''}): "
        "check the permissions of it and of its directory (DAGWELL_HOME), or copy the home "
        "somewhere writable."
    )


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect().execution_options(dagwell_read=True) as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        return None


def refuse_newer_schema(where: str, revision: str | None) -> None:
    """Raise :class:`StoreSchemaNewer` when ``revision`` is none this dagwell knows."""
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise StoreSchemaNewer(
            f"The run store {where} has schema revision {revision!r}, which this dagwell "
            f"(schema {HEAD_REVISION}) does not know: a newer dagwell "
            "migrated it. Upgrade dagwell (pip install -U dagwell) to use this store, or "
            "point DAGWELL_HOME (or DAGWELL_STORE_URL) at another one."
        )


def migrate(engine: Engine) -> None:
    """Bring the schema to the head revision (a no-op when it is there already).

    A schema newer than this dagwell's is refused by name, before alembic's "Can't locate
    revision" could reach the user, and without writing anything."""
    revision = current_revision(engine)
    if revision == HEAD_REVISION:
        return
    refuse_newer_schema(engine.url.render_as_string(hide_password=True), revision)
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(74657)"))  # one migrator at a time
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
