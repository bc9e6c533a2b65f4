"""One live outgoing reference per year (a partial unique index), closed registers.

Existing duplicates do not stop the upgrade: every row after the first of a group sharing a
reference gets `reference_clash` = its rank and stays outside the index, so the administrator
finds them with `clerk reference-clashes` and cancels or corrects them.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Written out rather than imported: a migration keeps the schema of its own day.
LIVE_OUTGOING_REFERENCE = (
    "direction = 'outgoing' AND status != 'cancelled' AND reference_key != '' "
    "AND reference_clash = 0"
)


# The look-alikes text.fold now folds (written out: a migration keeps its own day's rules).
_INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e")
_HYPHENS: tuple[str, ...] = (
    "\u2010",
    "\u2011",
    "\u2012",
    "\u2013",
    "\u2014",
    "\u2015",
    "\u2212",
    "\ufe58",
    "\ufe63",
    "\uff0d",
)


def _folded(column: str) -> str:
    """SQL that folds the look-alikes out of `column`, as text.fold does for new rows."""
    expr = column
    for ch in _INVISIBLE:
        expr = f"replace({expr}, '{ch}', '')"
    for ch in _HYPHENS:
        expr = f"replace({expr}, '{ch}', '-')"
    return expr


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch copy: copying the document table would drop its guards
    # (the triggers that refuse deletes and renumbering).
    op.add_column("register", sa.Column("closed_at", sa.DateTime(), nullable=True))
    op.add_column(
        "document",
        sa.Column("reference_clash", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    # Keys stored before the fold learnt the look-alikes, so old and new rows compare alike.
    op.execute(
        f"UPDATE document SET reference_key = {_folded('reference_key')}, "
        f"issuer_key = {_folded('issuer_key')}"
    )
    op.execute(
        """
        UPDATE document SET reference_clash = (
            SELECT count(*) FROM document AS earlier
            WHERE earlier.direction = 'outgoing' AND earlier.status != 'cancelled'
              AND earlier.year = document.year AND earlier.reference_key = document.reference_key
              AND earlier.rowid < document.rowid
        )
        WHERE direction = 'outgoing' AND status != 'cancelled' AND reference_key != ''
        """
    )
    op.create_index(
        "uq_document_outgoing_reference",
        "document",
        ["year", "reference_key"],
        unique=True,
        sqlite_where=sa.text(LIVE_OUTGOING_REFERENCE),
    )


def downgrade() -> None:
    op.drop_index("uq_document_outgoing_reference", table_name="document")
    op.drop_column("document", "reference_clash")
    op.drop_column("register", "closed_at")
