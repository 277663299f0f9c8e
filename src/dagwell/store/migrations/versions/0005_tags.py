"""Tags of runs and pipelines: ZenML's ``@pipeline(tags=...)``, ``add_tags(run=...)``.

Before, a run's tags were dropped with a warning, and ``list_pipeline_runs(tags=...)`` was
refused. A tag is a row of ``tags`` (with whether it is exclusive: ZenML keeps such a tag
on one run of each pipeline); each run or pipeline it is on is a row of ``tag_links``.
Stores from before have no tags: nothing to move.

Revision ID: 0005_tags
Revises: 0004_cached_step
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_tags"
down_revision = "0004_cached_step"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("exclusive", sa.Boolean, nullable=False, default=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "tag_links",
        sa.Column("tag", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("resource_id", sa.String(200), primary_key=True),
        sa.Column("scope", sa.String(200)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.ForeignKeyConstraint(["tag"], ["tags.name"], ondelete="CASCADE"),
    )
    op.create_index("ix_tag_links_resource", "tag_links", ["kind", "resource_id"])


def downgrade() -> None:
    op.drop_index("ix_tag_links_resource", "tag_links")
    op.drop_table("tag_links")
    op.drop_table("tags")
