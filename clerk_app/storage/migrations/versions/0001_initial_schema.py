"""Initial desk schema: agency, units, people, registers, documents, files, audit, outbox, search.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 01:13:03.398280
"""

import sqlalchemy as sa
from alembic import op

# Evidence is append-only: the database itself refuses deletes and rewrites of history.
GUARDS = [
    """CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
    """CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
    """CREATE TRIGGER document_no_delete BEFORE DELETE ON document
       BEGIN SELECT RAISE(ABORT, 'registrations are never deleted'); END""",
    """CREATE TRIGGER document_number_fixed BEFORE UPDATE OF register_id, number, year, direction
       ON document
       WHEN NEW.register_id IS NOT OLD.register_id OR NEW.number IS NOT OLD.number
         OR NEW.year IS NOT OLD.year OR NEW.direction IS NOT OLD.direction
       BEGIN SELECT RAISE(ABORT, 'an issued number is never changed'); END""",
    """CREATE TRIGGER register_number_never_back BEFORE UPDATE OF last_number ON register
       WHEN NEW.last_number < OLD.last_number
       BEGIN SELECT RAISE(ABORT, 'a register never takes back a number'); END""",
    """CREATE TRIGGER document_file_no_delete BEFORE DELETE ON document_file
       BEGIN SELECT RAISE(ABORT, 'files of a registration are never deleted'); END""",
]
GUARD_NAMES = [
    "audit_entry_no_update",
    "audit_entry_no_delete",
    "document_no_delete",
    "document_number_fixed",
    "register_number_never_back",
    "document_file_no_delete",
]


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("parent_name", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency")),
    )
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("station", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entry")),
        sa.UniqueConstraint("id", name=op.f("uq_audit_entry_id")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_entity", ["entity", "entity_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mutation_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("op", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("acked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("mutation_id", name=op.f("uq_outbox_mutation_id")),
    )
    op.create_table(
        "desk_state",
        sa.Column("desk_id", sa.String(length=36), nullable=False),
        sa.Column("station", sa.String(length=200), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("last_outbox_seq", sa.Integer(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_desk_state_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("desk_id", name=op.f("pk_desk_state")),
    )
    op.create_table(
        "register",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("doc_types", sa.JSON(), nullable=True),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_register_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register")),
        sa.UniqueConstraint(
            "agency_id", "kind", "year", "series", name=op.f("uq_register_agency_id")
        ),
    )
    op.create_table(
        "unit",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_folded", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_unit_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("code", name=op.f("uq_unit_code")),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("register_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("issuer_key", sa.String(length=300), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("reference_key", sa.String(length=120), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("register_date", sa.Date(), nullable=False),
        sa.Column("doc_type", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(length=20), nullable=False),
        sa.Column("urgency_rank", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("has_paper", sa.Boolean(), nullable=False),
        sa.Column("source_channel", sa.String(length=40), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("signer", sa.String(length=200), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("electronic_only", sa.Boolean(), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=True),
        sa.Column("file_copy_holder", sa.String(length=200), nullable=False),
        sa.Column("handed_over_at", sa.DateTime(), nullable=True),
        sa.Column("handed_over_to", sa.String(length=300), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["register_id"], ["register.id"], name=op.f("fk_document_register_id_register")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint("register_id", "number", name=op.f("uq_document_register_id")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(
            "ix_document_issuer_reference", ["issuer_key", "reference_key"], unique=False
        )
        batch_op.create_index(
            "ix_document_pending_handover",
            ["urgency_rank", "number"],
            unique=False,
            sqlite_where=sa.text(
                "direction = 'incoming' AND status = 'registered' AND handed_over_at IS NULL"
            ),
        )
        batch_op.create_index("ix_document_reference_key", ["reference_key"], unique=False)
        batch_op.create_index("ix_document_year", ["year"], unique=False)
        batch_op.create_index(
            "ix_document_cancelled",
            ["status"],
            unique=False,
            sqlite_where=sa.text("status = 'cancelled'"),
        )
        batch_op.create_index("ix_document_register_date", ["register_date"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("name_folded", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_person_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_person_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    op.create_table(
        "document_file",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("media_type", sa.String(length=80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_document_file_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["document_file.id"],
            name=op.f("fk_document_file_parent_id_document_file"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_file")),
    )
    with op.batch_alter_table("document_file", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_file_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_document_file_sha256"), ["sha256"], unique=False)

    # Search text is folded (no diacritics, đ→d) before indexing; remove_diacritics 2 also
    # folds whatever slips through. The rowid is the document's rowid, so rowid order is
    # registration order and "newest first" needs no sort. Prefix indexes of 2 and 3
    # letters keep search-as-you-type fast on short unfinished words (bench/RESULTS.md).
    op.execute(
        "CREATE VIRTUAL TABLE document_fts USING fts5("
        "body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    for guard in GUARDS:
        op.execute(guard)


def downgrade() -> None:
    for name in GUARD_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS document_fts")
    with op.batch_alter_table("document_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_file_sha256"))
        batch_op.drop_index(batch_op.f("ix_document_file_document_id"))

    op.drop_table("document_file")
    op.drop_table("person")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index("ix_document_register_date")
        batch_op.drop_index("ix_document_year")
        batch_op.drop_index("ix_document_cancelled", sqlite_where=sa.text("status = 'cancelled'"))
        batch_op.drop_index("ix_document_reference_key")
        batch_op.drop_index(
            "ix_document_pending_handover",
            sqlite_where=sa.text(
                "direction = 'incoming' AND status = 'registered' AND handed_over_at IS NULL"
            ),
        )
        batch_op.drop_index("ix_document_issuer_reference")

    op.drop_table("document")
    op.drop_table("unit")
    op.drop_table("register")
    op.drop_table("desk_state")
    op.drop_table("outbox")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_entity")

    op.drop_table("audit_entry")
    op.drop_table("agency")
