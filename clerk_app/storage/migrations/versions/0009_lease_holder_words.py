"""What the lease list says of a holder, and a release whose answer never came.

`sync_lease.holder_login` and `held_since`: the login that connected the holder desk and since
when it holds the lease, as the server named them (two computers may both be «Văn thư»).
`release_sent_at`: this desk sent a release and never heard back; it numbers nothing offline in
that register until the server says again who holds it.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_lease") as batch:
        batch.add_column(sa.Column("holder_login", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("held_since", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("release_sent_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_lease") as batch:
        batch.drop_column("release_sent_at")
        batch.drop_column("held_since")
        batch.drop_column("holder_login")
