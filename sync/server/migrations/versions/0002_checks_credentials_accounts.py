"""Refused mutations and account events for the administrator; desk credentials; login failures.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refused_mutation",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("desk_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("mutation_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("op", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_refused_mutation_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refused_mutation")),
    )
    with op.batch_alter_table("refused_mutation") as batch:
        batch.create_index(batch.f("ix_refused_mutation_agency_id"), ["agency_id"], unique=False)
    op.create_table(
        "account_event",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_account_event_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_account_event_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_event")),
    )
    with op.batch_alter_table("account_event") as batch:
        batch.create_index(batch.f("ix_account_event_agency_id"), ["agency_id"], unique=False)
        batch.create_index("ix_account_event_account_at", ["account_id", "at"], unique=False)
    with op.batch_alter_table("account") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("last_failed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("password_changed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("reactivated_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("desk") as batch:
        batch.add_column(sa.Column("credential_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("bound_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("desk") as batch:
        batch.drop_column("bound_at")
        batch.drop_column("credential_hash")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("reactivated_at")
        batch.drop_column("password_changed_at")
        batch.drop_column("last_failed_at")
        batch.drop_column("failed_logins")
    op.drop_table("account_event")
    op.drop_table("refused_mutation")
