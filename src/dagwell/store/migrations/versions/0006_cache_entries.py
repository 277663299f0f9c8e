"""One cache entry per step run with the key, not one per key.

Before, a step run that completed with a key replaced the key's entry, so expiring it
(ZenML's ``update_step_run(cache_expires_at=now)``) left no entry although an older step
run with the key was still valid: ZenML serves that one (its lookup is the newest
unexpired step run with the key), dagwell ran the step again. The table is made anew with
the key, run and step as its primary key; each entry from before is kept. Two indexes
keep its reads from growing with the runs: the lookup's (newest entry of a key) and the
expiry's (a step run's entries).

Revision ID: 0006_cache_entries
Revises: 0005_tags
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_cache_entries"
down_revision = "0005_tags"
branch_labels = None
depends_on = None

_COLUMNS = "cache_key, run_id, step_id, outputs, created_at"


def _table(name: str, *key: str) -> None:
    op.create_table(
        name,
        sa.Column("cache_key", sa.String(64), primary_key=True),
        sa.Column("run_id", sa.String(32), primary_key="run_id" in key, nullable=False),
        sa.Column("step_id", sa.String(200), primary_key="step_id" in key, nullable=False),
        sa.Column("outputs", sa.JSON, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )


def _move(into: str) -> None:
    op.execute(f"INSERT INTO {into} ({_COLUMNS}) SELECT {_COLUMNS} FROM step_cache")
    op.drop_table("step_cache")
    op.rename_table(into, "step_cache")


def upgrade() -> None:
    _table("step_cache_new", "run_id", "step_id")
    _move("step_cache_new")
    op.create_index("ix_step_cache_newest", "step_cache", ["cache_key", "created_at"])
    op.create_index("ix_step_cache_step_run", "step_cache", ["run_id", "step_id"])


def downgrade() -> None:
    op.drop_index("ix_step_cache_step_run", "step_cache")
    op.drop_index("ix_step_cache_newest", "step_cache")
    _table("step_cache_old")
    op.execute(  # (the newest entry of each key: one row per key, ties broken by the run)
        f"INSERT INTO step_cache_old ({_COLUMNS}) SELECT {_COLUMNS} FROM ("
        f"SELECT {_COLUMNS}, ROW_NUMBER() OVER (PARTITION BY cache_key "
        "ORDER BY created_at DESC, run_id DESC, step_id DESC) AS n FROM step_cache) ranked "
        "WHERE n = 1"
    )
    op.drop_table("step_cache")
    op.rename_table("step_cache_old", "step_cache")
