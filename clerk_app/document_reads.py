"""What a desk's records say: a document with its files and history, the registers' rows,
search, the files' bytes. Reads only; every write goes through the desk kernel elsewhere."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, literal_column, select, text

from clerk_app import errors
from clerk_app.clock import iso, to_vietnam
from clerk_app.field_rules import DOCUMENT_FIELDS
from clerk_app.kernel import DeskContext
from clerk_app.records import (
    AuditRecord,
    DocumentDetail,
    DocumentSummary,
    FileInfo,
    RecordedVoid,
    RegisterInfo,
    SearchFilters,
)
from clerk_app.reference_data import register_info as info_of_register
from clerk_app.storage import search_index
from clerk_app.storage.models import AuditEntry, Document, DocumentFile, NumberVoid, Register


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def document_fields(doc: Document) -> dict[str, Any]:
    return {name: jsonable(getattr(doc, name)) for name in DOCUMENT_FIELDS}


class DocumentReads:
    """The desk's records as the window, the CLI and printing read them."""

    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    def document(self, document_id: str) -> DocumentDetail:
        with self._ctx.read() as s:
            doc = s.get(Document, document_id)
            if doc is None:
                raise errors.UnknownDocument(document_id)
            files = (
                s.execute(
                    select(DocumentFile)
                    .where(DocumentFile.document_id == document_id)
                    .order_by(
                        DocumentFile.added_at, literal_column("document_file.rowid")
                    )  # parents first
                )
                .scalars()
                .all()
            )
            history = (
                s.execute(
                    select(AuditEntry)
                    .where(AuditEntry.entity == "document", AuditEntry.entity_id == document_id)
                    .order_by(AuditEntry.seq)
                )
                .scalars()
                .all()
            )
            summary = search_index.register_rows(s, doc.register_id, doc.number - 1, 1)[0]
            reg = s.get_one(Register, doc.register_id)
            fields = document_fields(doc) | {"register": reg.name, "series": reg.series}
            return DocumentDetail(
                summary=summary,
                fields=fields,
                files=[
                    FileInfo(
                        f.id,
                        f.sha256,
                        f.role,
                        f.filename,
                        f.media_type,
                        f.size,
                        f.pages,
                        f.parent_id,
                        f.added_at,
                    )
                    for f in files
                ],
                history=[audit_record(a) for a in history],
            )

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        limit: int = 50,
        *,
        prefix: bool = False,
    ) -> list[DocumentSummary]:
        """Newest first; `prefix` lets the last word be unfinished (search as you type)."""
        with self._ctx.read() as s:
            return search_index.search(s, query, filters, limit, prefix)

    def register_rows(self, register_id: str, start: int, count: int) -> list[DocumentSummary]:
        with self._ctx.read() as s:
            return search_index.register_rows(s, register_id, start, count)

    def iter_register(self, register_id: str, batch: int = 1000) -> Iterator[DocumentSummary]:
        """Every entry of a register in number order, fetched in batches."""
        start = 0
        while True:
            rows = self.register_rows(register_id, start, batch)
            yield from rows
            if len(rows) < batch:
                last = self.register_info(register_id).last_number
                if start + batch >= last:
                    return
            start += batch

    def register_info(self, register_id: str) -> RegisterInfo:
        with self._ctx.read() as s:
            return info_of_register(s.get_one(Register, register_id), s, self._ctx.desk_id)

    def register_voids(
        self, register_id: str, after: int = 0, through: int | None = None
    ) -> dict[int, RecordedVoid]:
        """The register's recorded voids numbered after `after` (through `through`), by number."""
        query = select(NumberVoid).where(
            NumberVoid.register_id == register_id, NumberVoid.number > after
        )
        if through is not None:
            query = query.where(NumberVoid.number <= through)
        with self._ctx.read() as s:
            return {
                v.number: RecordedVoid(v.number, v.reason, v.recorded_at)
                for v in s.execute(query).scalars()
            }

    def duplicate_of(
        self, fields: dict[str, Any], prepared: Sequence[Any]
    ) -> tuple[DocumentSummary | None, str]:
        """The registered incoming document a new registration repeats, and why: the same
        original file (its sha256), or the same issuer and reference. The one duplicate rule,
        for a desk numbering alone and for a connected desk numbered by the server."""
        with self._ctx.read() as s:
            hashes = [p.sha256 for p in prepared]
            if hashes:
                row = s.execute(
                    text(
                        f"SELECT {search_index.SUMMARY_COLUMNS} FROM document d "
                        "JOIN document_file f ON f.document_id = d.id "
                        "WHERE d.direction = 'incoming' AND d.status = 'registered' "
                        "AND f.role = 'original' AND f.sha256 IN :hashes "
                        "ORDER BY d.rowid LIMIT 1"
                    ).bindparams(bindparam("hashes", expanding=True)),
                    {"hashes": hashes},
                ).first()
                if row is not None:
                    return search_index.summary_from_row(row), "same_file"
            if fields["reference_key"] and fields["issuer_key"]:
                row = s.execute(
                    text(
                        f"SELECT {search_index.SUMMARY_COLUMNS} FROM document d "
                        "WHERE d.issuer_key = :issuer AND d.reference_key = :ref "
                        "AND d.direction = 'incoming' AND d.status = 'registered' "
                        "ORDER BY d.rowid LIMIT 1"
                    ),
                    {"issuer": fields["issuer_key"], "ref": fields["reference_key"]},
                ).first()
                if row is not None:
                    return search_index.summary_from_row(row), "same_reference"
        return None, ""

    def pending_handover(self, limit: int = 200) -> list[DocumentSummary]:
        with self._ctx.read() as s:
            return search_index.pending_handover(s, limit)

    def pending_handover_count(self) -> int:
        with self._ctx.read() as s:
            return search_index.pending_handover_count(s)

    def file_bytes(self, sha256: str) -> bytes:
        return self._ctx.store.read(sha256)

    def file_path(self, sha256: str) -> Path:
        return self._ctx.store.path(sha256)


def audit_record(a: AuditEntry) -> AuditRecord:
    import json

    return AuditRecord(
        seq=a.seq,
        at=to_vietnam(a.at),
        actor=a.actor,
        station=a.station,
        action=a.action,
        entity=a.entity,
        entity_id=a.entity_id,
        details=json.loads(a.details),
        hash=a.hash,
    )
