"""The account that last logged in as each desk.

The lease list names a holder by its station, which two computers may share («Văn thư» on
both): the login that connected the desk, with the desk id's short form, tells them apart.

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
    with op.batch_alter_table("desk") as batch:
        batch.add_column(sa.Column("login", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("desk") as batch:
        batch.drop_column("login")
