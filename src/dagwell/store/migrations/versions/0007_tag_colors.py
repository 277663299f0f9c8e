"""Tags keep their color: ZenML's ``Tag(color=...)``, ``create_tag(color=)``,
``update_tag(color=)``.

Before, a color was accepted and dropped, and ``tag.color`` was an AttributeError. A tag
from before has none recorded: it reads as the color of its name (core.tag_colors).

Revision ID: 0007_tag_colors
Revises: 0006_cache_entries
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_tag_colors"
down_revision = "0006_cache_entries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tags") as batch:
        batch.add_column(sa.Column("color", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tags") as batch:
        batch.drop_column("color")
