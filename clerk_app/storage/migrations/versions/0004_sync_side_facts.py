"""Sync facts once kept in JSON beside the database: lease holder station, clock skew, resolutions.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_lease") as batch:
        batch.add_column(sa.Column("holder_station", sa.String(length=200), nullable=True))
    with op.batch_alter_table("sync_link") as batch:
        batch.add_column(sa.Column("clock_skew_s", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("clock_measured_at", sa.DateTime(), nullable=True))
    for table in ("sync_conflict", "sync_answer"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("resolved_at", sa.DateTime(), nullable=True))
            batch.add_column(sa.Column("resolved_by", sa.String(length=80), nullable=True))
            batch.add_column(sa.Column("resolution", sa.Text(), nullable=True))


def downgrade() -> None:
    for table in ("sync_answer", "sync_conflict"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("resolution")
            batch.drop_column("resolved_by")
            batch.drop_column("resolved_at")
    with op.batch_alter_table("sync_link") as batch:
        batch.drop_column("clock_measured_at")
        batch.drop_column("clock_skew_s")
    with op.batch_alter_table("sync_lease") as batch:
        batch.drop_column("holder_station")
