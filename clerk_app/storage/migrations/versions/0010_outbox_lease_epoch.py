"""The lease a number given offline was given under, on its outbox row.

`outbox.lease_epoch`: written in the transaction that gives the number and sent with it, so the
server judges the number by the lease it was given under, not by the one the desk holds when
it uploads (a lease revoked and taken again since has a later epoch). Rows queued before this
revision keep NULL, and are sent as before: with the epoch the desk holds at upload time.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_epoch", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("lease_epoch")
