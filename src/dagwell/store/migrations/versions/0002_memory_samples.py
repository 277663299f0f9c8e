"""Attempts keep their memory over time (dagwell.core.memory.MemorySeries as JSON).

Revision ID: 0002_memory_samples
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_memory_samples"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("memory_samples", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("memory_samples")
