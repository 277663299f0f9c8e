"""A cached step records which step of the producing run it took its outputs from.

``cached_from`` names only the run, and its outputs were looked up under the cached step's
own invocation id there: a run's ``s`` cached from another run's ``s_2`` (same function and
parameters, a different place in its pipeline) showed ``s``'s outputs of that run, another
step's values. Rows from before keep NULL: they are read as before.

Revision ID: 0004_cached_step
Revises: 0003_run_plans
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_cached_step"
down_revision = "0003_run_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("steps") as batch:
        batch.add_column(sa.Column("cached_step", sa.String(200)))


def downgrade() -> None:
    with op.batch_alter_table("steps") as batch:
        batch.drop_column("cached_step")
