"""A run's plan in a table of its own, out of the row every heartbeat updates.

SQLite rewrites a whole row on UPDATE, so with the plan in ``runs`` each heartbeat (one
a second) copied the plan: ~50 MB for a 100,000-step run, a third of the orchestrator's
time. ``runs.plan`` stays (dropping a column would rebuild the table under its foreign
keys) and holds ``{}`` from now on.

Revision ID: 0003_run_plans
Revises: 0002_memory_samples
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_run_plans"
down_revision = "0002_memory_samples"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_plans",
        sa.Column(
            "run_id", sa.String(32), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("plan", sa.JSON, nullable=False),
    )
    op.execute("INSERT INTO run_plans (run_id, plan) SELECT id, plan FROM runs")
    op.execute("UPDATE runs SET plan = '{}'")


def downgrade() -> None:
    op.execute(
        "UPDATE runs SET plan = (SELECT plan FROM run_plans WHERE run_plans.run_id = runs.id)"
    )
    op.drop_table("run_plans")
