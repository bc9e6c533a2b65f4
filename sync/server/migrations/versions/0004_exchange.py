"""Electronic exchange (liên thông): the organ directory, deliveries and their statuses.

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
    op.create_table(
        "exchange_organ",
        sa.Column("organ_id", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=True),
        sa.Column("in_charge", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_exchange_organ_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("organ_id", name=op.f("pk_exchange_organ")),
        sa.UniqueConstraint("agency_id", name=op.f("uq_exchange_organ_agency_id")),
    )
    op.create_table(
        "exchange_delivery",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("document_id", sa.String(length=300), nullable=False),
        sa.Column("sender_organ_id", sa.String(length=60), nullable=False),
        sa.Column("sender_agency_id", sa.String(length=36), nullable=True),
        sa.Column("source_document_id", sa.String(length=36), nullable=False),
        sa.Column("recipient_organ_id", sa.String(length=60), nullable=False),
        sa.Column("recipient_agency_id", sa.String(length=36), nullable=True),
        sa.Column("business", sa.String(length=10), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("raw_size", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("registered_document_id", sa.String(length=36), nullable=False),
        sa.Column("arrived_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sender_agency_id"],
            ["agency.id"],
            name=op.f("fk_exchange_delivery_sender_agency_id_agency"),
        ),
        sa.ForeignKeyConstraint(
            ["recipient_agency_id"],
            ["agency.id"],
            name=op.f("fk_exchange_delivery_recipient_agency_id_agency"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_delivery")),
        sa.UniqueConstraint(
            "recipient_organ_id",
            "document_id",
            name=op.f("uq_exchange_delivery_recipient_organ_id"),
        ),
    )
    with op.batch_alter_table("exchange_delivery") as batch:
        batch.create_index(
            "ix_exchange_delivery_recipient", ["recipient_agency_id", "arrived_at"], unique=False
        )
        batch.create_index(
            "ix_exchange_delivery_source", ["sender_agency_id", "source_document_id"], unique=False
        )
    op.create_table(
        "exchange_status",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["exchange_delivery.id"],
            name=op.f("fk_exchange_status_delivery_id_exchange_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_status")),
    )
    with op.batch_alter_table("exchange_status") as batch:
        batch.create_index(batch.f("ix_exchange_status_delivery_id"), ["delivery_id"], unique=False)


def downgrade() -> None:
    op.drop_table("exchange_status")
    op.drop_table("exchange_delivery")
    op.drop_table("exchange_organ")
