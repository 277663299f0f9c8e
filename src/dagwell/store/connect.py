"""Opening a database: URL normalization, SQLite pragmas, migrations on first use.

SQLite runs in WAL mode with a busy timeout, and write transactions start with
``BEGIN IMMEDIATE`` so two writers queue instead of deadlocking on a lock upgrade.
PostgreSQL is reached through psycopg 3 (``postgresql://`` URLs are mapped to it).
Migrations are alembic's; a store already at the head revision skips importing alembic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from dagwell.core.errors import ConfigError

HEAD_REVISION = "0002_memory_samples"
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
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
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


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # dagwell emits BEGIN itself (below)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("dagwell_read"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect().execution_options(dagwell_read=True) as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        return None


def migrate(engine: Engine) -> None:
    """Bring the schema to the head revision (a no-op when it is there already)."""
    if current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(74657)"))  # one migrator at a time
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
