"""Desk-side sync: server link and checkpoint, leases, provisional drafts, answers, outages.

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
    op.create_table(
        "sync_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_url", sa.String(length=300), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("server_agency_id", sa.String(length=36), nullable=False),
        sa.Column("token", sa.String(length=200), nullable=False),
        sa.Column("token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("verifier", sa.String(length=200), nullable=False),
        sa.Column("checkpoint", sa.Integer(), nullable=False),
        sa.Column("connected_at", sa.DateTime(), nullable=False),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("offline_since", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_link")),
    )
    op.create_table(
        "sync_lease",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("series", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("holder_desk_id", sa.String(length=36), nullable=True),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("server_last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "series", "year", name=op.f("pk_sync_lease")),
    )
    op.create_table(
        "sync_draft",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_draft")),
    )
    op.create_table(
        "sync_answer",
        sa.Column("mutation_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("mutation_id", name=op.f("pk_sync_answer")),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("server_data", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    op.create_table(
        "sync_outage",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_outage")),
    )


def downgrade() -> None:
    for table in (
        "sync_outage",
        "sync_conflict",
        "sync_answer",
        "sync_draft",
        "sync_lease",
        "sync_link",
    ):
        op.drop_table(table)
