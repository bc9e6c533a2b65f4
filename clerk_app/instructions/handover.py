"""The handover log of paper given to units or people, with signed receipts; no layout, no Qt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from clerk_app import errors, lifecycle
from clerk_app.clock import VIETNAM, iso, to_vietnam
from clerk_app.instructions.records import Handler, HandoverInfo, PaperToHand
from clerk_app.instructions.secretary import Secretary, document_limit
from clerk_app.interchange import progress
from clerk_app.kernel import Transaction
from clerk_app.records import Change
from clerk_app.storage.models import Document, DocumentFile, new_id
from clerk_app.storage.secretary_models import Assignment, HandoverEntry
from clerk_app.text import fold, nfc


def hand_over_paper(
    sec: Secretary,
    document_id: str,
    receiver: str,
    *,
    copies: int | None = None,
    note: str = "",
) -> HandoverInfo:
    """A line in the handover log; the register's handover columns are filled at once."""
    return hand_over_papers(sec, [document_id], receiver, copies=copies, note=note)[0]


def hand_over_to(sec: Secretary, document_id: str, receiver: str) -> HandoverInfo:
    """The desk's everyday handover (Ctrl+G, `clerk hand-over`): a line in the handover log.

    To the unit or person the name designates when it matches one, otherwise to the name as
    typed (someone outside the agency's lists): either way the paper's trip is in the log the
    office prints and binds, not only in the register's columns.
    """
    if not nfc(receiver):
        raise errors.MissingField("to")
    return hand_over_papers(sec, [document_id], receiver, outside_lists=True)[0]


@dataclass(frozen=True)
class HandedOver:
    """Several documents handed to one receiver: their log lines, the slip, what changed."""

    entries: list[HandoverInfo]
    slip: Path
    change: Change


SLIP_FOLDER = "phieu-chuyen-giao"  # under the data directory: the slips the desk printed


def slip_path(data_dir: Path, handed_at: datetime, folder: Path | None = None) -> Path:
    """Where the slip of a hand-over made at `handed_at` is written (one name rule)."""
    where = folder or data_dir / SLIP_FOLDER
    where.mkdir(parents=True, exist_ok=True)
    return where / f"phieu-chuyen-giao-{to_vietnam(handed_at):%Y%m%d-%H%M%S}.pdf"


def hand_over_several(
    sec: Secretary, document_ids: Sequence[str], receiver: str, slip_folder: Path | None = None
) -> HandedOver:
    """Ctrl+G on several documents of the register (`clerk hand-over ID ID …`): one receiver,
    one line per document in the handover log, all or none, and one slip to sign listing them.

    The receiver is taken as `hand_over_to` takes it: a unit or person when the name is one,
    otherwise the name as typed.
    """
    from clerk_app.instructions.printing import write_handover_slip

    if not nfc(receiver):
        raise errors.MissingField("to")
    unique = list(dict.fromkeys(document_ids))
    entries = hand_over_papers(sec, unique, receiver, outside_lists=True)
    slip = write_handover_slip(
        entries, sec.ws.agency().name, slip_path(sec.ws.data_dir, entries[0].handed_at, slip_folder)
    )
    registers = tuple(dict.fromkeys(sec.ws.document(d).summary.register_id for d in unique))
    return HandedOver(entries, slip, Change("hand_over", tuple(unique), registers))


def hand_over_papers(
    sec: Secretary,
    document_ids: Sequence[str],
    receiver: str,
    *,
    copies: int | None = None,
    note: str = "",
    outside_lists: bool = False,
) -> list[HandoverInfo]:
    """Several documents handed to one receiver on one slip: all recorded, or none.

    With `outside_lists`, a receiver that is no known unit or person is taken as typed.
    """
    if not document_ids:
        raise errors.MissingField("document_id")
    now = sec._clock()
    with sec.context.write() as tx:
        s = tx.session
        try:
            handler = sec._resolve(s, receiver)
        except (errors.UnknownUnit, errors.UnknownHandler):
            if not outside_lists:
                raise
            name = nfc(receiver)
            handler = Handler("unit", "", "", name, fold(name))
        return [
            _hand_over(tx, tx.live_document(d), handler, now, copies, note) for d in document_ids
        ]


def _hand_over(
    tx: Transaction,
    doc: Document,
    handler: Handler,
    now: datetime,
    copies: int | None,
    note: str,
) -> HandoverInfo:
    """One log line and the register's handover columns, in the caller's transaction."""
    tx.require(doc, lifecycle.HAND_OVER)
    entry = HandoverEntry(
        id=new_id(),
        document_id=doc.id,
        handed_at=now,
        # A receiver typed outside the agency's lists has no id: the log keeps the name alone.
        unit_id=(handler.id or None) if handler.kind == "unit" else None,
        person_id=(handler.id or None) if handler.kind == "person" else None,
        receiver=handler.label,
        copies=copies,
        note=nfc(note),
        signed_by="",
        signed_at=None,
        receipt_file_id=None,
        created_at=now,
        updated_at=now,
        version=1,
    )
    tx.session.add(entry)
    doc.handed_over_at = now
    doc.handed_over_to = handler.label
    if not doc.recipients:
        doc.recipients = handler.label
    doc.updated_at = now
    tx.index(doc)  # the recipients it may have filled are searched
    progress.after_action(tx.session, doc.id, "hand_over", now, to_unit=bool(entry.unit_id))
    details = {"document_id": doc.id, "receiver": handler.label, "copies": copies}
    tx.record("hand_over_paper", "handover_entry", entry.id, details)
    tx.record("hand_over", "document", doc.id, {"to": handler.label, "at": iso(now)})
    return _info(entry, doc)


def pending_paper(sec: Secretary, limit: int = 500) -> list[PaperToHand]:
    """Paper routed to its handlers and not yet handed over: urgent first, then by number."""
    cal = sec.calendar()
    now = sec._clock()
    with sec._db.read() as s:
        rows = (
            s.execute(
                select(Document)
                .where(
                    Document.direction == "incoming",
                    Document.status == "registered",
                    Document.handed_over_at.is_(None),
                    Document.has_paper.is_(True),
                    Document.recipients != "",
                )
                .order_by(Document.urgency_rank, Document.year, Document.number)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        routed = dict(
            s.execute(
                select(Assignment.document_id, func.min(Assignment.created_at))
                .where(Assignment.document_id.in_([d.id for d in rows]))
                .group_by(Assignment.document_id)
            )
            .tuples()
            .all()
        )
        return [
            PaperToHand(
                d.id,
                d.number,
                d.year,
                d.reference,
                d.issuer,
                d.subject,
                d.urgency,
                d.recipients,
                to_vietnam(d.received_at) if d.received_at else None,
                document_limit(d, routed.get(d.id), now, cal),
            )
            for d in rows
        ]


def sign_receipts(
    sec: Secretary,
    entries: Sequence[tuple[str, int]],
    signed_by: str,
    *,
    signed_at: datetime | None = None,
    slip_scan: Path | None = None,
) -> list[HandoverInfo]:
    """One signature for the lines of one slip (entry id, version read); the scan kept on each.

    The scanned slip is attached to every document on it, so each entry's receipt is a file of
    its own document, as the log requires.
    """
    signed = []
    for entry_id, version in entries:
        file_id = None
        if slip_scan is not None:
            with sec._db.read() as s:
                document_id = sec._get(s, HandoverEntry, "handover_entry", entry_id).document_id
            before = {f.id for f in sec.ws.document(document_id).files}
            sec.ws.attach_files(document_id, [slip_scan])
            after = sec.ws.document(document_id).files
            file_id = next((f.id for f in after if f.id not in before), None)
        signed.append(
            sign_receipt(
                sec, entry_id, signed_by, version, signed_at=signed_at, receipt_file_id=file_id
            )
        )
    return signed


def sign_receipt(
    sec: Secretary,
    entry_id: str,
    signed_by: str,
    expected_version: int | None = None,
    *,
    signed_at: datetime | None = None,
    receipt_file_id: str | None = None,
) -> HandoverInfo:
    """The receiver's signature on the slip: who signed, when, and the scanned slip if any."""
    who = nfc(signed_by)
    if not who:
        raise errors.MissingField("signed_by")
    with sec.context.write() as tx:
        s = tx.session
        entry = sec._get(s, HandoverEntry, "handover_entry", entry_id)
        sec._check_version(s, entry, "handover_entry", expected_version)
        if receipt_file_id is not None:
            f = s.get(DocumentFile, receipt_file_id)
            if f is None or f.document_id != entry.document_id:
                raise errors.UnknownFile(receipt_file_id, entry.document_id)
        entry.signed_by = who
        entry.signed_at = signed_at or sec._clock()
        entry.receipt_file_id = receipt_file_id
        entry.updated_at = sec._clock()
        entry.version += 1
        s.flush()
        tx.record(
            "sign_receipt",
            "handover_entry",
            entry.id,
            {"signed_by": who, "signed_at": iso(entry.signed_at), "file_id": receipt_file_id},
        )
        return _info(entry, s.get_one(Document, entry.document_id))


def handover_log(
    sec: Secretary, first: date, last: date, *, unsigned_only: bool = False
) -> list[HandoverInfo]:
    """Lines of the log handed over between two dates (Vietnam time), in the order given."""
    start = datetime.combine(first, datetime.min.time(), VIETNAM)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), VIETNAM)
    with sec._db.read() as s:
        query = (
            select(HandoverEntry, Document)
            .join(Document, HandoverEntry.document_id == Document.id)
            .where(HandoverEntry.handed_at >= start, HandoverEntry.handed_at < end)
            .order_by(HandoverEntry.handed_at)
        )
        if unsigned_only:
            query = query.where(HandoverEntry.signed_at.is_(None))
        return [_info(e, d) for e, d in s.execute(query).all()]


def _info(e: HandoverEntry, d: Document) -> HandoverInfo:
    return HandoverInfo(
        e.id,
        d.id,
        d.number,
        d.year,
        d.reference,
        d.subject,
        to_vietnam(e.handed_at),
        e.receiver,
        e.copies,
        e.note,
        e.signed_by,
        to_vietnam(e.signed_at) if e.signed_at else None,
        e.receipt_file_id,
        e.version,
        d.doc_type,
    )
