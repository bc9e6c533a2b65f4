"""The desk's server credential on its sync_link row (it was the file `server-credential`).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_link") as batch:
        batch.add_column(sa.Column("desk_credential", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_link") as batch:
        batch.drop_column("desk_credential")
