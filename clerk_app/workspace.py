"""The core's facade: a desk's data directory and its use cases; no Qt, no wording for people."""

from __future__ import annotations

import os
import socket
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from clerk_app import errors, lifecycle, numbering
from clerk_app.clock import Clock, system_clock, to_vietnam, vietnam_date
from clerk_app.document_reads import DocumentReads, document_fields, jsonable
from clerk_app.field_rules import TEXT_ROLE
from clerk_app.files import pending
from clerk_app.files.intake import PreparedFile, prepare_all
from clerk_app.files.store import ContentStore, StoredBlob
from clerk_app.instructions.handover import hand_over_to
from clerk_app.instructions.secretary import Secretary
from clerk_app.kernel import DeskContext, Transaction
from clerk_app.kernel.context import current_user
from clerk_app.kernel.transaction import unit_id_of
from clerk_app.numbering import compose_reference
from clerk_app.records import (
    AgencyInfo,
    AuditCheck,
    Change,
    ClerkLogin,
    Direction,
    DocumentDetail,
    DocumentSummary,
    FileInfo,
    IncomingDraft,
    OutgoingDraft,
    PersonInfo,
    RecordedVoid,
    Registered,
    RegisterInfo,
    SearchFilters,
    UnitInfo,
)
from clerk_app.reference_data import (
    ReferenceData,
    open_registers,
    pick_register,
)
from clerk_app.registration import (
    correction_fields,
    incoming_fields,
    outgoing_fields,
)
from clerk_app.registration import free_text as registration_text
from clerk_app.storage import numbering_queries
from clerk_app.storage.data_folder import refuse_if_holds_originals
from clerk_app.storage.database import (
    DB_FILENAME,
    Database,
    Maintenance,
    refuse_network_share,
    storage_error,
)
from clerk_app.storage.journal import documents_missing_entries, verify_chain
from clerk_app.storage.models import (
    Agency,
    DeskState,
    Document,
    DocumentFile,
    Register,
    new_id,
)
from clerk_app.storage.sync_models import SyncLink
from clerk_app.text import fold, nfc

APP_NAME = "clerk-desk"
# Roles of files made from another file of the document, and the audit action of each.
DERIVED_ROLES = {
    "stamped": "file_stamped",
    "signed": "file_signed",
    "numbered": "file_numbered",  # number and date from the register on an outgoing draft
    "issued": "file_issued",  # the version «Phát hành» sent out (clerk_app.lifecycle)
}
PENDING_DIR = "pending"  # notes of registrations whose transaction has not ended
TEXT_LAYER_LIMIT = 200_000  # characters of a PDF's own text indexed; enough for any letter


def default_data_dir() -> Path:
    """CLERK_DATA_DIR if set, else the platform's per-user data folder."""
    override = os.environ.get("CLERK_DATA_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


class Workspace:
    """A desk's data directory opened for work. Every use case returns what it changed."""

    def __init__(self, data_dir: Path, db: Database, actor: str | None, clock: Clock) -> None:
        self.data_dir = data_dir
        self._actor_given = actor
        with db.read() as s:
            state = s.execute(select(DeskState)).scalar_one_or_none()
            known = _clerk_login(s, state) if state is not None else ""
        who = actor or known or current_user()
        self._ctx = DeskContext.load(db, ContentStore(data_dir / "files"), clock, who)
        self._db = db
        self._store = self._ctx.store
        self._clock = clock
        self.actor = who
        self.desk_id = self._ctx.desk_id
        self.station = self._ctx.station
        self._agency_id = self._ctx.agency_id

    def clerk_login(self) -> ClerkLogin:
        """Who works at this desk, as the window shows it: the server account a connected
        desk uses, else the login chosen at setup (the computer's account when neither)."""
        with self._db.read() as s:
            state = s.execute(select(DeskState)).scalar_one()
            link = s.get(SyncLink, 1)
            if link is not None and link.username:
                return ClerkLogin(link.username, "server")
            if state.clerk_login:
                return ClerkLogin(state.clerk_login, "desk")
        return ClerkLogin(current_user(), "computer")

    def reload_actor(self) -> str:
        """After the desk connected to a server: its account is who works here from now on
        (an actor given when opening stays). The services built on the old context go."""
        if self._actor_given is None:
            self.actor = self.clerk_login().name
            self._ctx = self._ctx.as_actor(self.actor)
            for name in ("secretary", "reference", "reads"):
                self.__dict__.pop(name, None)
        return self.actor

    @property
    def context(self) -> DeskContext:
        """The desk as the kernel sees it; the feature services write through it."""
        return self._ctx

    @cached_property
    def secretary(self) -> Secretary:
        """The secretary's desk on this workspace, built once."""
        return Secretary(self)

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def init(
        cls,
        data_dir: Path | None,
        *,
        agency_name: str,
        agency_code: str,
        parent_name: str = "",
        year: int | None = None,
        actor: str | None = None,
        clock: Clock | None = None,
        demo: bool = False,
        desk_id: str | None = None,
        clerk_login: str = "",
    ) -> Workspace:
        """Create a desk's data directory with its agency and the year's registers.

        `desk_id`: the id this desk already used to log in to the agency's server (the first-run
        wizard reads the agency from there before the desk exists); a new one otherwise.
        `clerk_login`: the clerk's name on this desk while it is not connected to a server.
        """
        path = (data_dir or default_data_dir()).expanduser()
        name = nfc(agency_name)
        code = nfc(agency_code).upper()
        login = _checked_login(clerk_login)
        if not name:
            raise errors.MissingField("agency_name")
        if not code or " " in code or "/" in code:
            raise errors.InvalidValue(
                "agency_code", agency_code, "chữ viết tắt không dấu cách, ví dụ UBND"
            )
        path.mkdir(parents=True, exist_ok=True)
        refuse_network_share(path)
        refuse_if_holds_originals(path)
        db = Database(path / DB_FILENAME)
        try:
            db.migrate()
            clock = clock or system_clock
            now = clock()
            with db.write() as s:
                if s.execute(select(DeskState)).first() is not None:
                    raise errors.AlreadyInitialised(str(path))
                agency = Agency(
                    id=new_id(), name=name, code=code, parent_name=nfc(parent_name), created_at=now
                )
                s.add(agency)
                s.flush()
                state = DeskState(
                    desk_id=desk_id or new_id(),
                    station=socket.gethostname(),
                    agency_id=agency.id,
                    last_outbox_seq=0,
                    is_demo=demo,
                    clerk_login=login,
                )
                s.add(state)
                s.flush()
                ctx = DeskContext(
                    db,
                    ContentStore(path / "files"),
                    clock,
                    actor or login or current_user(),
                    state.station,
                    state.desk_id,
                    agency.id,
                )
                tx = Transaction(ctx, s)
                tx.record(
                    "create_agency",
                    "agency",
                    agency.id,
                    {"name": name, "code": code, "parent_name": agency.parent_name},
                    at=now,
                )
                open_registers(tx, year or vietnam_date(now).year, now)
        except BaseException:
            db.close()
            raise
        db.close()
        return cls.open(path, actor=actor, clock=clock)

    @classmethod
    def open(
        cls, data_dir: Path | None = None, *, actor: str | None = None, clock: Clock | None = None
    ) -> Workspace:
        path = (data_dir or default_data_dir()).expanduser()
        db_path = path / DB_FILENAME
        if not db_path.is_file():
            raise errors.NotInitialised(str(path))
        refuse_network_share(path)
        db = Database(db_path)
        try:
            try:
                db.check()
                db.migrate()
                return cls(path, db, actor, clock or system_clock)
            except DBAPIError as exc:
                raise storage_error(exc, db_path) from exc
        except BaseException:
            db.close()
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def now_in_vietnam(self) -> datetime:
        return to_vietnam(self._clock())

    # --- agency, units, people, registers (clerk_app.reference_data) -----------------------

    @cached_property
    def reference(self) -> ReferenceData:
        """The agency's units, people and registers, built once."""
        return ReferenceData(self._ctx)

    def agency(self) -> AgencyInfo:
        return self.reference.agency()

    def add_unit(self, code: str, name: str) -> Change:
        return self.reference.add_unit(code, name)

    def units(self) -> list[UnitInfo]:
        return self.reference.units()

    def known_issuers(self, limit: int = 500) -> tuple[str, ...]:
        """The issuers of the incoming register as the desk spells them, most frequent first.

        What the page reader matches a header's issuer lines against (its OCR slips respelt the
        way the desk registered them). Counted on the issuer index alone, then one spelling
        per name: a few milliseconds at 100,000 documents.
        """
        with self._db.read() as s:
            keys = s.execute(
                text(
                    "SELECT issuer_key FROM document WHERE issuer_key != '' "
                    "GROUP BY issuer_key ORDER BY count(*) DESC, issuer_key LIMIT :n"
                ),
                {"n": limit},
            ).scalars()
            names = []
            for key in list(keys):
                name = s.execute(
                    text(
                        "SELECT issuer FROM document WHERE issuer_key = :k "
                        "AND direction = 'incoming' ORDER BY rowid DESC LIMIT 1"
                    ),
                    {"k": key},
                ).scalar()
                if name:
                    names.append(str(name))
            return tuple(names)

    def add_person(self, full_name: str, unit_code: str | None, title: str = "") -> Change:
        return self.reference.add_person(full_name, unit_code, title)

    def people(self) -> list[PersonInfo]:
        return self.reference.people()

    def registers(self, year: int | None = None) -> list[RegisterInfo]:
        return self.reference.registers(year)

    def register_for(self, kind: Direction, year: int, series: str | None = None) -> RegisterInfo:
        return self.reference.register_for(kind, year, series)

    def open_year(self, year: int) -> Change:
        return self.reference.open_year(year)

    def close_year(self, year: int) -> Change:
        """Close the year's registers (bound at year end): no number is issued in them again."""
        return self.reference.close_year(year)

    def reference_clashes(self) -> list[numbering_queries.ReferenceClash]:
        return self.reference.reference_clashes()

    def add_series(self, year: int, code: str, name: str, doc_types: Sequence[str]) -> Change:
        return self.reference.add_series(year, code, name, doc_types)

    # --- registration ----------------------------------------------------------------------

    def find_duplicate(self, draft: IncomingDraft) -> DocumentSummary | None:
        fields = incoming_fields(draft, self._clock())
        prepared = prepare_all(list(draft.files))
        return self.reads.duplicate_of(fields, prepared)[0]

    def register_incoming(self, draft: IncomingDraft) -> Registered:
        """Give the next arrival number and store the row, files, audit and outbox at once."""
        now = self._clock()
        fields = incoming_fields(draft, now)  # refuses secret documents before reading files
        prepared = prepare_all(list(draft.files))
        if not draft.allow_duplicate:
            existing, reason = self.reads.duplicate_of(fields, prepared)
            if existing is not None:
                raise errors.DuplicateDocument(existing.id, existing.number, existing.year, reason)
        if fields["pages"] is None and prepared:
            fields["pages"] = sum(p.pages for p in prepared)
        year = vietnam_date(fields["received_at"]).year
        late_reason = registration_text(draft.late_reason, "late_reason")
        return self._register(
            "incoming",
            year,
            None,
            fields,
            prepared,
            now,
            late_reason=late_reason,
            timed_now=draft.received_at is None,
        )

    def register_outgoing(self, draft: OutgoingDraft) -> Registered:
        """Give the next number of the right series and year, and compose the reference."""
        now = self._clock()
        fields = outgoing_fields(draft, vietnam_date(now))
        prepared = prepare_all(list(draft.files))
        if fields["unit_code"]:
            with self._db.read() as s:
                unit_id_of(s, fields["unit_code"])
        if prepared:
            fields["pages"] = sum(p.pages for p in prepared)
        fields["has_paper"] = not fields["electronic_only"]
        return self._register(
            "outgoing",
            fields["issued_on"].year,
            draft.series,
            fields,
            prepared,
            now,
            qppl=draft.qppl,
        )

    def _register(
        self,
        kind: Direction,
        year: int,
        series: str | None,
        fields: dict[str, Any],
        prepared: list[PreparedFile],
        now: datetime,
        *,
        qppl: bool = False,
        late_reason: str = "",
        timed_now: bool = False,
    ) -> Registered:
        texts = _text_layers(prepared)
        # Noted before the first blob is stored: a crash before the commit leaves the note,
        # and idle-time upkeep removes what it names (maintain).
        hashes = _blob_hashes(prepared, texts)
        intent = pending.note(self.data_dir / PENDING_DIR, hashes) if hashes else None
        try:
            return self._register_noted(
                kind,
                year,
                series,
                fields,
                prepared,
                texts,
                now,
                qppl=qppl,
                late_reason=late_reason,
                timed_now=timed_now,
            )
        finally:
            if intent is not None:
                intent.done()

    def _register_noted(
        self,
        kind: Direction,
        year: int,
        series: str | None,
        fields: dict[str, Any],
        prepared: list[PreparedFile],
        texts: list[tuple[PreparedFile, str]],
        now: datetime,
        *,
        qppl: bool,
        late_reason: str,
        timed_now: bool,
    ) -> Registered:
        blobs = self._put_files(prepared)
        try:
            text_blobs = [self._store.put(body.encode("utf-8")) for _p, body in texts]
        except BaseException:
            self._discard_unreferenced(blobs)
            raise
        blobs += text_blobs
        try:
            with self._ctx.write() as tx:
                s = tx.session
                numbering_queries.refuse_closed_year(s, self._agency_id, kind, year)
                reg = pick_register(tx, kind, year, series, fields["doc_type"], now, qppl=qppl)
                lease_epoch = _require_numbering_right(s, self.desk_id, reg)
                late = False
                if kind == "incoming":
                    last = numbering_queries.last_arrival(s, reg.id)
                    if timed_now:
                        fields["received_at"] = numbering.received_now(fields["received_at"], last)
                    late = numbering.check_arrival_order(fields["received_at"], last, late_reason)
                if late:
                    fields["notes"] = numbering.late_note(late_reason, fields["notes"])
                number = s.execute(
                    update(Register)
                    .where(Register.id == reg.id)
                    .values(last_number=Register.last_number + 1)
                    .returning(Register.last_number)
                ).scalar_one()
                if kind == "outgoing":
                    agency = s.get_one(Agency, self._agency_id)
                    reference = compose_reference(
                        number,
                        fields["doc_type"],
                        agency.code,
                        fields["unit_code"],
                        year=year,
                        qppl=reg.series == numbering.QPPL_SERIES,
                    )
                    numbering_queries.refuse_taken_reference(s, year, reference)
                    from clerk_app.text import reference_key

                    fields.update(
                        reference=reference,
                        reference_key=reference_key(reference),
                        issuer=agency.name,
                        issuer_key=fold(agency.name),
                    )
                doc = Document(
                    id=new_id(),
                    register_id=reg.id,
                    direction=kind,
                    year=year,
                    number=number,
                    status="registered",
                    created_at=now,
                    updated_at=now,
                    revision=1,
                    **fields,
                )
                s.add(doc)
                try:
                    s.flush()
                except IntegrityError as exc:
                    if numbering_queries.is_reference_conflict(exc):
                        raise errors.DuplicateReference(fields["reference"], year) from exc
                    raise
                files = self._add_file_rows(s, doc.id, prepared, now)
                details = document_fields(doc) | {"register": reg.series, "files": files}
                if late:
                    details["late_reason"] = late_reason
                tx.record(
                    f"register_{kind}", "document", doc.id, details, at=now, lease_epoch=lease_epoch
                )
                # The text already inside attached PDFs (typed, or a scan's OCR layer) is kept
                # and indexed in the same transaction: one commit, one index row.
                for (p, body), blob in zip(texts, text_blobs, strict=True):
                    parent = (
                        s.execute(
                            select(DocumentFile).where(
                                DocumentFile.document_id == doc.id,
                                DocumentFile.sha256 == p.sha256,
                                DocumentFile.role == "original",
                            )
                        )
                        .scalars()
                        .first()
                    )
                    if parent is not None:
                        self._ocr_row(tx, doc, parent, blob.sha256, body, now)
                # Every text of the new document is in hand: no need to read its rows back.
                tx.index(doc, texts=[body for _p, body in texts])
                doc_id = doc.id
        except BaseException:
            self._discard_unreferenced(blobs)
            raise
        change = Change(f"register_{kind}", document_ids=(doc_id,), register_ids=(reg.id,))
        return Registered(self.document(doc_id), change)

    # --- corrections, cancellation, handover, files ----------------------------------------

    def correct(self, document_id: str, changes: dict[str, object], reason: str) -> Change:
        """A correction is a new audited entry with the old and new values; the number stays."""
        with self._ctx.write() as tx:
            return self.correct_within(tx, document_id, changes, reason)

    def correct_within(
        self, tx: Transaction, document_id: str, changes: dict[str, object], reason: str
    ) -> Change:
        """`correct` inside a caller's transaction (a sync conflict settled with its decision)."""
        why = registration_text(reason, "reason")
        if not why:
            raise errors.MissingField("reason")
        doc = tx.live_document(document_id)
        new_values = correction_fields(doc.direction, dict(changes))
        diff = {}
        for name, value in new_values.items():
            old = getattr(doc, name)
            if old != value:
                diff[name] = [jsonable(old), jsonable(value)]
                setattr(doc, name, value)
        if not diff:
            return Change("correct")
        doc.revision += 1
        doc.updated_at = tx.now()
        tx.record("correct", "document", doc.id, {"reason": why, "changes": diff})
        tx.index(doc)
        return Change("correct", document_ids=(document_id,), register_ids=(doc.register_id,))

    def cancel(self, document_id: str, reason: str) -> Change:
        """Cancel a registration; its number stays consumed and is never issued again."""
        why = registration_text(reason, "reason")
        if not why:
            raise errors.MissingField("reason")
        with self._ctx.write() as tx:
            s = tx.session
            doc = tx.live_document(document_id)
            now = self._clock()
            doc.status = "cancelled"
            doc.cancelled_at = now
            doc.cancel_reason = why
            doc.revision += 1
            doc.updated_at = now
            s.flush()
            tx.record("cancel", "document", doc.id, {"reason": why, "number": doc.number})
            register_id = doc.register_id
        return Change("cancel", document_ids=(document_id,), register_ids=(register_id,))

    def hand_over(self, document_id: str, to: str) -> Change:
        """Paper handed over: a line in the handover log and the register's handover columns."""
        # The handover log belongs to the secretary's desk (it also prints slips and takes
        # signed receipts); the register's columns are filled in the same transaction.
        hand_over_to(self.secretary, document_id, to)
        with self._db.read() as s:
            register_id = s.get_one(Document, document_id).register_id
        return Change("hand_over", document_ids=(document_id,), register_ids=(register_id,))

    def attach_files(self, document_id: str, paths: Sequence[Path]) -> Change:
        prepared = prepare_all(list(paths))
        if not prepared:
            return Change("attach_files")
        blobs = self._put_files(prepared)
        try:
            with self._ctx.write() as tx:
                s = tx.session
                doc = tx.live_document(document_id)
                now = self._clock()
                files = self._add_file_rows(s, doc.id, prepared, now)
                doc.updated_at = now
                tx.record("attach_files", "document", doc.id, {"files": files})
        except BaseException:
            self._discard_unreferenced(blobs)
            raise
        return Change("attach_files", document_ids=(document_id,))

    def add_derived_file(
        self,
        document_id: str,
        parent_file_id: str,
        data: bytes,
        *,
        role: str,
        filename: str,
        details: dict[str, str] | None = None,
    ) -> Change:
        """Store a stamped or signed version of one of the document's files.

        The parent stays as it was (originals are evidence); the new bytes become a file row
        with `parent_id` pointing at it, audited as `file_stamped` or `file_signed`.
        """
        if role not in DERIVED_ROLES:
            raise errors.InvalidValue("role", role, ", ".join(sorted(DERIVED_ROLES)))
        if not data:
            raise errors.FileEmpty(filename)
        from clerk_app.files.intake import page_count

        pages = page_count(data, name=filename)
        self._add_derived(
            document_id,
            parent_file_id,
            data,
            role=role,
            action=DERIVED_ROLES[role],
            media_type="application/pdf",
            filename=lambda _parent: nfc(filename),
            pages=lambda _parent: pages,
            details=dict(details or {}) | {"filename": nfc(filename)},
        )
        return Change(DERIVED_ROLES[role], document_ids=(document_id,))

    def set_ocr_text(self, document_id: str, file_id: str, text: str) -> Change:
        """Keep the text read from one of the document's scans and make it searchable.

        The text is stored like any derived file (content-addressed, role `ocr_text`, linked to
        the scan it was read from); the audit entry records its length and hash, not the text.
        """
        body = unicodedata.normalize("NFC", text).strip()
        blob = self._store.put(body.encode("utf-8"))
        try:
            with self._ctx.write() as tx:
                doc, parent = self._parent_file(tx, document_id, file_id)
                self._ocr_row(tx, doc, parent, blob.sha256, body, self._clock())
                tx.index(doc, {blob.sha256: body})
        except BaseException:
            self._discard_unreferenced([blob])
            raise
        return Change("ocr_text_set", document_ids=(document_id,))

    def _add_derived(
        self,
        document_id: str,
        parent_file_id: str,
        data: bytes,
        *,
        role: str,
        action: str,
        media_type: str,
        filename: Callable[[DocumentFile], str],
        pages: Callable[[DocumentFile], int | None],
        details: dict[str, Any],
    ) -> None:
        """One audited file row made from another file of the same document."""
        blob = self._store.put(data)
        try:
            with self._ctx.write() as tx:
                s = tx.session
                doc, parent = self._parent_file(tx, document_id, parent_file_id)
                # Checked again under the write lock: two desk processes that both passed the
                # life-cycle check before a slow signature cannot both number or issue.
                once = lifecycle.ONCE_ROLES.get(role)
                if once is not None and self._has_role(s, doc.id, role):
                    raise errors.WrongState(*once)
                self._derived_row(
                    tx,
                    doc,
                    parent,
                    blob.sha256,
                    len(data),
                    self._clock(),
                    role=role,
                    action=action,
                    media_type=media_type,
                    filename=filename(parent),
                    pages=pages(parent),
                    details=details,
                )
        except BaseException:
            self._discard_unreferenced([blob])
            raise

    @staticmethod
    def _has_role(s: Session, document_id: str, role: str) -> bool:
        found = s.execute(
            select(DocumentFile.id)
            .where(DocumentFile.document_id == document_id, DocumentFile.role == role)
            .limit(1)
        ).first()
        return found is not None

    def _parent_file(
        self, tx: Transaction, document_id: str, file_id: str
    ) -> tuple[Document, DocumentFile]:
        doc = tx.live_document(document_id)
        parent = tx.session.get(DocumentFile, file_id)
        if parent is None or parent.document_id != doc.id:
            raise errors.UnknownFile(file_id, document_id)
        return doc, parent

    def _ocr_row(
        self,
        tx: Transaction,
        doc: Document,
        parent: DocumentFile,
        sha256: str,
        body: str,
        now: datetime,
    ) -> None:
        self._derived_row(
            tx,
            doc,
            parent,
            sha256,
            len(body.encode("utf-8")),
            now,
            role=TEXT_ROLE,
            action="ocr_text_set",
            media_type="text/plain; charset=utf-8",
            filename=f"{Path(parent.filename).stem}.txt",
            pages=parent.pages,
            details={"characters": len(body)},
        )

    def _derived_row(
        self,
        tx: Transaction,
        doc: Document,
        parent: DocumentFile,
        sha256: str,
        size: int,
        now: datetime,
        *,
        role: str,
        action: str,
        media_type: str,
        filename: str,
        pages: int | None,
        details: dict[str, Any],
    ) -> None:
        row = DocumentFile(
            id=new_id(),
            document_id=doc.id,
            sha256=sha256,
            role=role,
            filename=filename,
            media_type=media_type,
            size=size,
            pages=pages,
            parent_id=parent.id,
            added_at=now,
        )
        tx.session.add(row)
        doc.updated_at = now
        tx.session.flush()
        tx.record(
            action,
            "document",
            doc.id,
            {"file_id": row.id, "parent_id": parent.id, "sha256": sha256} | details,
            at=now,
        )

    def arrival_stamp_plan(self, document_id: str) -> tuple[FileInfo, Any, tuple[float, float]]:
        """What the stamp preview shows: the scan to stamp, where the stamp would go (a Box in
        points from the top left) and the page's size in points."""
        from clerk_app.stamping.arrival import page_size, suggest_place

        detail = self.document(document_id)
        lifecycle.require(lifecycle.facts_of(detail), lifecycle.STAMP_ARRIVAL)
        source = _stamp_source(detail.files)
        if source is None:
            raise errors.NothingToStamp(document_id)
        data = self.file_bytes(source.sha256)
        return (
            source,
            suggest_place(data, name=source.filename),
            page_size(data, name=source.filename),
        )

    def stamp_arrival(
        self, document_id: str, place: Any = None, *, show_time: bool | None = None
    ) -> Change:
        """Stamp the arrival stamp (dấu ĐẾN) on page 1 of the document's scan, as a new version.

        The scan stays untouched; the newest stamped version replaces none but is listed after
        it. Documents whose PDF is signed are refused by the stamping code (their record
        carries the arrival data instead). `show_time`: see `stamp_from_record`.
        """
        from clerk_app.stamping.arrival import stamp_arrival, stamp_from_record

        detail = self.document(document_id)
        lifecycle.require(lifecycle.facts_of(detail), lifecycle.STAMP_ARRIVAL)
        source = _stamp_source(detail.files)
        if source is None:
            raise errors.NothingToStamp(document_id)
        stamp = stamp_from_record(self.agency(), detail.summary, show_time=show_time)
        stamped = stamp_arrival(self.file_bytes(source.sha256), stamp, place, name=source.filename)
        box = stamped.box
        return self.add_derived_file(
            document_id,
            source.id,
            stamped.data,
            role="stamped",
            filename=f"{Path(source.filename).stem}-dau-den.pdf",
            details={"place": f"{box.x0:.1f},{box.y0:.1f},{box.x1:.1f},{box.y1:.1f}"},
        )

    def _discard_unreferenced(self, blobs: list[StoredBlob]) -> None:
        # Another desk process may have stored the same bytes and committed a row for them
        # meanwhile; only blobs no row refers to are removed.
        hashes = [b.sha256 for b in blobs if b.created]
        if not hashes:
            return
        with self._db.read() as s:
            used = set(
                s.execute(
                    select(DocumentFile.sha256).where(DocumentFile.sha256.in_(hashes))
                ).scalars()
            )
        for blob in blobs:
            if blob.sha256 not in used:
                self._store.discard(blob)

    def _put_files(self, prepared: list[PreparedFile]) -> list[StoredBlob]:
        # Blobs are written (and fsynced) before the numbering transaction so the write lock is
        # never held during disk I/O; a failed transaction discards what it alone created.
        blobs: list[StoredBlob] = []
        try:
            for p in prepared:
                blobs.append(self._store.put(p.data))
                if p.rendition is not None:
                    blobs.append(self._store.put(p.rendition))
        except BaseException:
            self._discard_unreferenced(blobs)
            raise
        return blobs

    def _add_file_rows(
        self, s: Session, document_id: str, prepared: list[PreparedFile], now: datetime
    ) -> list[dict[str, Any]]:
        added = []
        for p in prepared:
            original = DocumentFile(
                id=new_id(),
                document_id=document_id,
                sha256=p.sha256,
                role="original",
                filename=p.filename,
                media_type=p.media_type,
                size=len(p.data),
                pages=p.pages,
                parent_id=None,
                added_at=now,
            )
            s.add(original)
            added.append({"sha256": p.sha256, "role": "original", "filename": p.filename})
            if p.rendition is not None and p.rendition_sha256 is not None:
                s.flush()
                s.add(
                    DocumentFile(
                        id=new_id(),
                        document_id=document_id,
                        sha256=p.rendition_sha256,
                        role="rendition",
                        filename=Path(p.filename).stem + ".pdf",
                        media_type="application/pdf",
                        size=len(p.rendition),
                        pages=p.pages,
                        parent_id=original.id,
                        added_at=now,
                    )
                )
                added.append({"sha256": p.rendition_sha256, "role": "rendition"})
        s.flush()
        return added

    # --- reading (clerk_app.document_reads) --------------------------------------------------

    @cached_property
    def reads(self) -> DocumentReads:
        """What the records say, built once."""
        return DocumentReads(self._ctx)

    def document(self, document_id: str) -> DocumentDetail:
        return self.reads.document(document_id)

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        limit: int = 50,
        *,
        prefix: bool = False,
    ) -> list[DocumentSummary]:
        """Newest first; `prefix` lets the last word be unfinished (search as you type)."""
        return self.reads.search(query, filters, limit, prefix=prefix)

    def register_rows(self, register_id: str, start: int, count: int) -> list[DocumentSummary]:
        return self.reads.register_rows(register_id, start, count)

    def iter_register(self, register_id: str, batch: int = 1000) -> Iterator[DocumentSummary]:
        """Every entry of a register in number order, fetched in batches."""
        return self.reads.iter_register(register_id, batch)

    def register_info(self, register_id: str) -> RegisterInfo:
        return self.reads.register_info(register_id)

    def register_voids(
        self, register_id: str, after: int = 0, through: int | None = None
    ) -> dict[int, RecordedVoid]:
        """The register's recorded voids numbered after `after` (through `through`), by number."""
        return self.reads.register_voids(register_id, after, through)

    def pending_handover(self, limit: int = 200) -> list[DocumentSummary]:
        return self.reads.pending_handover(limit)

    def pending_handover_count(self) -> int:
        return self.reads.pending_handover_count()

    def file_bytes(self, sha256: str) -> bytes:
        return self.reads.file_bytes(sha256)

    def file_path(self, sha256: str) -> Path:
        return self.reads.file_path(sha256)

    def verify_audit(self) -> AuditCheck:
        # The full page check a large database skips at opening (Database.check).
        self._db.check(full=True)
        with self._db.read() as s:
            count, bad = verify_chain(s)
            unaccounted = tuple(documents_missing_entries(s))
        return AuditCheck(
            entries=count,
            ok=bad is None and not unaccounted,
            first_bad_seq=bad,
            unaccounted=unaccounted,
        )

    def writes_since_maintenance(self) -> int:
        """Write transactions committed since the last idle-time maintenance."""
        return self._db.writes_since_maintenance

    def maintain(self, orphan_age_s: float = pending.STALE_AFTER_S) -> Maintenance:
        """Idle-time upkeep: index merge and WAL checkpoint (see Database), then the blobs of
        registrations that never committed (files/pending.py)."""
        try:
            done = self._db.maintain()
        except OperationalError as exc:
            raise errors.StorageFailed(str(exc.orig)) from exc
        removed = pending.sweep(
            self.data_dir / PENDING_DIR, self._store, self._referenced, older_than_s=orphan_age_s
        )
        return replace(done, orphans_removed=removed)

    def _referenced(self, hashes: list[str]) -> set[str]:
        with self._db.read() as s:
            return set(
                s.execute(
                    select(DocumentFile.sha256).where(DocumentFile.sha256.in_(hashes))
                ).scalars()
            )

    def outbox_pending(self) -> int:
        from clerk_app.storage.journal import pending_outbox_count

        with self._db.read() as s:
            return pending_outbox_count(s)

    # --- internals -------------------------------------------------------------------------


# --- module helpers ------------------------------------------------------------------------


def _text_layers(prepared: Sequence[PreparedFile]) -> list[tuple[PreparedFile, str]]:
    """The text each attached PDF already carries; a PDF whose text cannot be read is skipped,
    since it must not cost the clerk the registration."""
    from clerk_app.files.intake import pdf_text

    found = []
    for p in prepared:
        if p.media_type != "application/pdf":
            continue
        try:
            body = unicodedata.normalize("NFC", pdf_text(p.data, max_chars=TEXT_LAYER_LIMIT))
        except errors.ClerkError:
            continue
        if body.strip():
            found.append((p, body.strip()))
    return found


def _blob_hashes(
    prepared: Sequence[PreparedFile], texts: Sequence[tuple[PreparedFile, str]]
) -> list[str]:
    """Every blob a registration stores: originals, renditions, the text of PDFs' text layers."""
    import hashlib

    found = [p.sha256 for p in prepared]
    found += [p.rendition_sha256 for p in prepared if p.rendition_sha256 is not None]
    found += [hashlib.sha256(body.encode("utf-8")).hexdigest() for _p, body in texts]
    return found


def _clerk_login(s: Session, state: DeskState) -> str:
    link = s.get(SyncLink, 1)
    return link.username if link is not None and link.username else state.clerk_login


CLERK_LOGIN_MAX = 80


def _checked_login(value: str) -> str:
    """A clerk's login typed at setup: one line, no control characters, at most 80 letters."""
    login = nfc(value or "").strip()
    if len(login) > CLERK_LOGIN_MAX or any(unicodedata.category(c)[0] == "C" for c in login):
        raise errors.InvalidValue(
            "clerk_login", value, f"một dòng, tối đa {CLERK_LOGIN_MAX} ký tự, ví dụ nvan"
        )
    return login


def _require_numbering_right(s: Session, desk_id: str, reg: Register) -> int | None:
    """A desk connected to a central server numbers a register only while it holds that
    register's lease; the others make provisional drafts the server numbers. Two desks
    numbering the same register locally would print the same number twice.

    Returns the epoch of the lease the number is given under, kept on its outbox row: the
    server judges the number by it, however the lease moves before the upload (None on a
    desk on its own)."""
    from clerk_app.storage.sync_models import SyncLease

    if s.get(SyncLink, 1) is None:
        return None  # a desk on its own is the numbering authority for its registers
    lease = s.get(SyncLease, (reg.kind, reg.series, reg.year))
    if lease is None or lease.holder_desk_id != desk_id:
        raise errors.NumberingLeaseNotHeld(reg.kind, reg.year, reg.series)
    return lease.epoch


def _stamp_source(files: Sequence[FileInfo]) -> FileInfo | None:
    """The PDF to stamp: the first original that is a PDF, else the PDF made from an image."""
    for role in ("original", "rendition"):
        for f in files:
            if f.role == role and f.media_type == "application/pdf":
                return f
    return None


__all__ = ["Workspace", "default_data_dir", "document_fields"]
