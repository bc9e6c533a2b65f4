"""Numbers held for the desk whose lease an admin revoked.

A forced revocation names the last number the revoked desk may have written on paper while it
could not reach the server; the numbers after the server's last up to that one are recorded as
voids held for that desk and epoch, so the server never gives them to anyone else, and that
desk's own registrations of them, when they come up, fill them.

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
    with op.batch_alter_table("number_void") as batch:
        batch.add_column(sa.Column("held_for_desk_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("held_epoch", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("number_void") as batch:
        batch.drop_column("held_epoch")
        batch.drop_column("held_for_desk_id")
