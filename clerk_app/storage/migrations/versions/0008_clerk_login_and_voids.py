"""The clerk's login chosen at setup, and the register's recorded voids.

`desk_state.clerk_login`: the name the window shows and the audit records on a desk that is not
connected to a server (a connected desk shows its server account). `number_void`: numbers the
server recorded as never used (ceded by the lease holder, then passed over), so the register
shows them as voids and has no unexplained gap.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("desk_state") as batch:
        batch.add_column(
            sa.Column("clerk_login", sa.String(length=80), nullable=False, server_default="")
        )
    op.create_table(
        "number_void",
        sa.Column("register_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["register_id"], ["register.id"], name=op.f("fk_number_void_register_id_register")
        ),
        sa.PrimaryKeyConstraint("register_id", "number", name=op.f("pk_number_void")),
    )


def downgrade() -> None:
    op.drop_table("number_void")
    with op.batch_alter_table("desk_state") as batch:
        batch.drop_column("clerk_login")
