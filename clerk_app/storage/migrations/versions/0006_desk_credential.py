"""The desk's server credential on its sync_link row (it was the file `server-credential`).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_link") as batch:
        batch.add_column(sa.Column("desk_credential", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_link") as batch:
        batch.drop_column("desk_credential")
