"""Initial schema: runs, steps, attempts, artifacts, step cache.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("pipeline", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_rule", sa.String(200)),
        sa.Column("plan", sa.JSON, nullable=False),
        sa.Column("params", sa.JSON),
        sa.Column("orchestrator", sa.JSON),
        sa.Column("owner", sa.String(200)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("ended_at", sa.Float),
        sa.Column("heartbeat_at", sa.Float),
        sa.Column("stop_requested", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_runs_created", "runs", ["created_at"])
    op.create_index("ix_runs_pipeline", "runs", ["pipeline"])
    op.create_table(
        "steps",
        sa.Column("run_id", sa.String(32), primary_key=True),
        sa.Column("step_id", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("upstream", sa.JSON),
        sa.Column("params", sa.JSON),
        sa.Column("cache_key", sa.String(64)),
        sa.Column("cached_from", sa.String(32)),
        sa.Column("outputs", sa.JSON),
        sa.Column("started_at", sa.Float),
        sa.Column("ended_at", sa.Float),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_steps_name", "steps", ["name"])
    op.create_table(
        "attempts",
        sa.Column("run_id", sa.String(32), primary_key=True),
        sa.Column("step_id", sa.String(200), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("failure_kind", sa.String(32)),
        sa.Column("failure_message", sa.Text),
        sa.Column("exit_code", sa.Integer),
        sa.Column("signal", sa.Integer),
        sa.Column("reason", sa.String(200)),
        sa.Column("oom_scope", sa.String(32)),
        sa.Column("node", sa.String(200)),
        sa.Column("traceback", sa.Text),
        sa.Column("memory_limit", sa.BigInteger),
        sa.Column("memory_request", sa.BigInteger),
        sa.Column("peak_memory", sa.BigInteger),
        sa.Column("budget", sa.String(16)),
        sa.Column("backoff", sa.Float),
        sa.Column("external_id", sa.String(300)),
        sa.Column("started_at", sa.Float),
        sa.Column("ended_at", sa.Float),
        sa.ForeignKeyConstraint(
            ["run_id", "step_id"], ["steps.run_id", "steps.step_id"], ondelete="CASCADE"
        ),
    )
    op.create_table(
        "artifacts",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("materializer", sa.String(64), nullable=False),
        sa.Column("type_name", sa.String(300), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("python", sa.String(16)),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "step_cache",
        sa.Column("cache_key", sa.String(64), primary_key=True),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("step_id", sa.String(200), nullable=False),
        sa.Column("outputs", sa.JSON, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in ("step_cache", "artifacts", "attempts", "steps", "runs"):
        op.drop_table(table)
