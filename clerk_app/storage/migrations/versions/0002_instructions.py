"""Secretary's desk: instructions, assignments, handovers, calendar overrides, assigned tasks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 02:15:09.860709
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_override",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_override")),
        sa.UniqueConstraint("day", name=op.f("uq_calendar_override_day")),
    )
    with op.batch_alter_table("calendar_override", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_override_year"), ["year"], unique=False)

    op.create_table(
        "delegation",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("leader", sa.String(length=200), nullable=False),
        sa.Column("delegate", sa.String(length=120), nullable=False),
        sa.Column("basis", sa.String(length=300), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegation")),
    )
    op.create_table(
        "assigned_task",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source_document_id", sa.String(length=36), nullable=True),
        sa.Column("source_reference", sa.String(length=300), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("lead_unit_id", sa.String(length=36), nullable=False),
        sa.Column("co_unit_ids", sa.JSON(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("period", sa.String(length=12), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("late_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_unit_id"], ["unit.id"], name=op.f("fk_assigned_task_lead_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["source_document_id"],
            ["document.id"],
            name=op.f("fk_assigned_task_source_document_id_document"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assigned_task")),
    )
    with op.batch_alter_table("assigned_task", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assigned_task_lead_unit_id"), ["lead_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assigned_task_source_document_id"), ["source_document_id"], unique=False
        )

    op.create_table(
        "handover_entry",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("handed_at", sa.DateTime(), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("receiver", sa.String(length=300), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_by", sa.String(length=200), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("receipt_file_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_handover_entry_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_handover_entry_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_file_id"],
            ["document_file.id"],
            name=op.f("fk_handover_entry_receipt_file_id_document_file"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_handover_entry_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_entry")),
    )
    with op.batch_alter_table("handover_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handover_entry_document_id"), ["document_id"], unique=False
        )

    op.create_table(
        "instruction",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("leader", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("entered_by", sa.String(length=120), nullable=False),
        sa.Column("delegation_id", sa.String(length=36), nullable=True),
        sa.Column("handwriting_file_id", sa.String(length=36), nullable=True),
        sa.Column("handwriting_page", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deadline_days", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delegation_id"],
            ["delegation.id"],
            name=op.f("fk_instruction_delegation_id_delegation"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_instruction_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["handwriting_file_id"],
            ["document_file.id"],
            name=op.f("fk_instruction_handwriting_file_id_document_file"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instruction")),
    )
    with op.batch_alter_table("instruction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_instruction_document_id"), ["document_id"], unique=False
        )

    op.create_table(
        "task_status_update",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("period_label", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["assigned_task.id"],
            name=op.f("fk_task_status_update_task_id_assigned_task"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_status_update")),
    )
    with op.batch_alter_table("task_status_update", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_task_status_update_task_id"), ["task_id"], unique=False
        )

    op.create_table(
        "assignment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("instruction_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("handler_name", sa.String(length=300), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("notified", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_assignment_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["instruction.id"],
            name=op.f("fk_assignment_instruction_id_instruction"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_assignment_person_id_person")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_assignment_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assignment_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assignment_instruction_id"), ["instruction_id"], unique=False
        )
        batch_op.create_index("ix_assignment_open_deadline", ["status", "deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignment_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_unit_id"))
        batch_op.drop_index("ix_assignment_open_deadline")
        batch_op.drop_index(batch_op.f("ix_assignment_instruction_id"))
        batch_op.drop_index(batch_op.f("ix_assignment_document_id"))

    op.drop_table("assignment")
    with op.batch_alter_table("task_status_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_status_update_task_id"))

    op.drop_table("task_status_update")
    with op.batch_alter_table("instruction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instruction_document_id"))

    op.drop_table("instruction")
    with op.batch_alter_table("handover_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_entry_document_id"))

    op.drop_table("handover_entry")
    with op.batch_alter_table("assigned_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assigned_task_source_document_id"))
        batch_op.drop_index(batch_op.f("ix_assigned_task_lead_unit_id"))

    op.drop_table("assigned_task")
    op.drop_table("delegation")
    with op.batch_alter_table("calendar_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_override_year"))

    op.drop_table("calendar_override")
