"""Online numbering: the numbers a lease holder ceded to the server, and recorded voids.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("register_counter") as batch:
        batch.add_column(
            sa.Column("ceded_through", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "number_void",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("counter_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_number_void_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["counter_id"],
            ["register_counter.id"],
            name=op.f("fk_number_void_counter_id_register_counter"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_void")),
        sa.UniqueConstraint("counter_id", "number", name=op.f("uq_number_void_counter_id")),
    )
    op.create_index(op.f("ix_number_void_agency_id"), "number_void", ["agency_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_number_void_agency_id"), table_name="number_void")
    op.drop_table("number_void")
    with op.batch_alter_table("register_counter") as batch:
        batch.drop_column("ceded_through")
