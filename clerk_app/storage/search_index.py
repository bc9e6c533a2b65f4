"""Full-text index and list queries over documents (SQLite FTS5); returns rows, decides nothing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from clerk_app.records import DocumentSummary, SearchFilters
from clerk_app.text import fold, looks_like_reference, reference_key

# The columns of a DocumentSummary, in its order: a field added there is read here too.
_SUMMARY_FIELDS = tuple((f.name, str(f.type)) for f in fields(DocumentSummary))
SUMMARY_COLUMNS = ", ".join(f"d.{name}" for name, _type in _SUMMARY_FIELDS)

_TOKEN = re.compile(r"\w+", re.UNICODE)


def index_document(session: Session, document_id: str, body: str) -> None:
    """Write one document's search row in the caller's transaction; the body comes from
    clerk_app.kernel.indexing, the one place that knows what a document is found by."""
    rowid = session.execute(
        text("SELECT rowid FROM document WHERE id = :id"), {"id": document_id}
    ).scalar_one()
    session.execute(text("DELETE FROM document_fts WHERE rowid = :r"), {"r": rowid})
    session.execute(
        text("INSERT INTO document_fts(rowid, body) VALUES (:r, :b)"), {"r": rowid, "b": body}
    )


def match_expression(query: str, prefix: bool = False) -> str | None:
    """FTS5 MATCH text for what a clerk typed: every word must occur.

    With `prefix` (search as you type) the last word may be unfinished, unless the clerk has
    typed a space after it.
    Words are quoted so FTS5 syntax characters typed by the clerk (-, *, :, ") are plain text.
    """
    tokens = _TOKEN.findall(fold(query))
    if not tokens:
        return None
    quoted = [f'"{t}"' for t in tokens]
    if prefix and query == query.rstrip() and len(tokens[-1]) >= 2:
        quoted[-1] += "*"
    return " ".join(quoted)


def _filter_sql(session: Session, filters: SearchFilters | None) -> tuple[str, dict[str, Any]]:
    """WHERE clauses for the filters, plus a rowid range that lets a full-text search of a
    common word skip the years and months the filters exclude instead of walking past them."""
    if filters is None:
        return "", {}
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if filters.direction:
        clauses.append("d.direction = :f_direction")
        params["f_direction"] = filters.direction
    if filters.register_id:
        clauses.append("d.register_id = :f_register")
        params["f_register"] = filters.register_id
    if filters.year:
        clauses.append("d.year = :f_year")
        params["f_year"] = filters.year
    if filters.urgency:
        clauses.append("d.urgency = :f_urgency")
        params["f_urgency"] = filters.urgency
    if filters.status:
        clauses.append("d.status = :f_status")
        params["f_status"] = filters.status
    if filters.date_from:
        clauses.append("d.register_date >= :f_from")
        params["f_from"] = filters.date_from.isoformat()
    if filters.date_to:
        clauses.append("d.register_date <= :f_to")
        params["f_to"] = filters.date_to.isoformat()
    bounds = _rowid_bounds(session, filters)
    if bounds is not None:
        clauses.append("d.rowid BETWEEN :f_lo AND :f_hi")
        params["f_lo"], params["f_hi"] = bounds
    return "".join(f" AND {c}" for c in clauses), params


def _rowid_bounds(session: Session, filters: SearchFilters) -> tuple[int, int] | None:
    bounds: list[tuple[int, int]] = []
    if filters.year:
        # Two single-row queries, not min() and max() together: within one year the index
        # keeps rowids in order, so each is one seek.
        params = {"v": filters.year}
        first = session.execute(
            text("SELECT rowid FROM document WHERE year = :v ORDER BY rowid LIMIT 1"), params
        ).scalar_one_or_none()
        if first is None:
            return (0, -1)
        last = session.execute(
            text("SELECT rowid FROM document WHERE year = :v ORDER BY rowid DESC LIMIT 1"), params
        ).scalar_one()
        bounds.append((first, last))
    if filters.date_from or filters.date_to:
        # A date range spans many index keys: one pass over that part of the index (about
        # 10 ms for a month at a million documents) gives both ends.
        row = session.execute(
            text(
                "SELECT min(rowid), max(rowid) FROM document "
                "INDEXED BY ix_document_register_date WHERE register_date BETWEEN :lo AND :hi"
            ),
            {
                "lo": (filters.date_from or date.min).isoformat(),
                "hi": (filters.date_to or date.max).isoformat(),
            },
        ).one()
        if row[0] is None:
            return (0, -1)
        bounds.append((row[0], row[1]))
    if not bounds:
        return None
    lo = max(b[0] for b in bounds)
    hi = min(b[1] for b in bounds)
    top = session.execute(text("SELECT max(rowid) FROM document")).scalar_one() or 0
    if lo <= 1 and hi >= top:
        return None  # the whole table: a bound would only cost FTS5 time
    return (lo, hi)


def search(
    session: Session, query: str, filters: SearchFilters | None, limit: int, prefix: bool = False
) -> list[DocumentSummary]:
    """Newest first. A reference such as `12/QĐ-UBND` is looked up by key, not by words."""
    where, params = _filter_sql(session, filters)
    params["limit"] = limit
    if looks_like_reference(query):
        params["key"] = reference_key(query)
        sql = (
            f"SELECT {SUMMARY_COLUMNS} FROM document d WHERE d.reference_key = :key{where} "
            "ORDER BY d.rowid DESC LIMIT :limit"
        )
    else:
        expression = match_expression(query, prefix)
        if expression is None:
            sql = (
                f"SELECT {SUMMARY_COLUMNS} FROM document d WHERE 1 = 1{where} "
                "ORDER BY d.rowid DESC LIMIT :limit"
            )
        else:
            params["match"] = expression
            # FTS5 walks its doclist backwards for ORDER BY rowid DESC, so a common word costs
            # only as many rows as the page needs, not every match.
            if filters is not None and filters.status == "cancelled":
                # Few documents are cancelled: start from them and ask FTS5 about each one,
                # rather than walk a common word's whole doclist for the few that qualify.
                sql = (
                    f"SELECT {SUMMARY_COLUMNS} FROM document d "
                    "CROSS JOIN document_fts f ON f.rowid = d.rowid "
                    f"WHERE document_fts MATCH :match{where} ORDER BY d.rowid DESC LIMIT :limit"
                )
            else:
                # FTS5 applies a rowid range itself; the same range on d is then free.
                fts_where = where.replace("d.rowid BETWEEN", "f.rowid BETWEEN")
                sql = (
                    f"SELECT {SUMMARY_COLUMNS} FROM document_fts f "
                    "JOIN document d ON d.rowid = f.rowid "
                    f"WHERE document_fts MATCH :match{fts_where} "
                    "ORDER BY f.rowid DESC LIMIT :limit"
                )
    return [summary_from_row(r) for r in session.execute(text(sql), params)]


def register_rows(
    session: Session, register_id: str, start: int, count: int
) -> list[DocumentSummary]:
    """Rows `start`..`start+count-1` of a register in number order (row i holds number i+1)."""
    rows = session.execute(
        text(
            f"SELECT {SUMMARY_COLUMNS} FROM document d WHERE d.register_id = :reg "
            "AND d.number > :lo AND d.number <= :hi ORDER BY d.number"
        ),
        {"reg": register_id, "lo": start, "hi": start + count},
    )
    return [summary_from_row(r) for r in rows]


def pending_handover(session: Session, limit: int) -> list[DocumentSummary]:
    rows = session.execute(
        text(
            f"SELECT {SUMMARY_COLUMNS} FROM document d WHERE d.direction = 'incoming' "
            "AND d.status = 'registered' AND d.handed_over_at IS NULL "
            "ORDER BY d.urgency_rank, d.number LIMIT :limit"
        ),
        {"limit": limit},
    )
    return [summary_from_row(r) for r in rows]


def pending_handover_count(session: Session) -> int:
    return int(
        session.execute(
            text(
                "SELECT count(*) FROM document d WHERE d.direction = 'incoming' "
                "AND d.status = 'registered' AND d.handed_over_at IS NULL"
            )
        ).scalar_one()
    )


def _as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _converter(kind: str) -> Any:
    if kind.startswith("datetime"):
        return _as_datetime
    if kind.startswith("date"):
        return _as_date
    return None


# Chosen once from the field types, not per row: a register page reads thousands of rows.
_CONVERTERS = tuple(_converter(kind) for _name, kind in _SUMMARY_FIELDS)


def summary_from_row(row: Sequence[Any]) -> DocumentSummary:
    return DocumentSummary(
        *(
            value if convert is None else convert(value)
            for convert, value in zip(_CONVERTERS, row, strict=True)
        )
    )
