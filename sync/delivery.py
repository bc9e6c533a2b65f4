"""Electronic exchange on a desk: sending an issued document to other agencies through the server
(queued while offline), the electronic inbox («Văn bản đến điện tử»), registering or refusing
an item, the statuses that go back, and the per-recipient statuses of what this desk sent.

`send_document` is the one function issuing («Phát hành») and `clerk send` call."""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clerk_app import errors
from clerk_app.clock import Clock, system_clock
from clerk_app.interchange import progress
from clerk_app.interchange.assessment import Previously, assess_incoming, revoked_document
from clerk_app.interchange.codes import CodeTables
from clerk_app.interchange.edxml_write import write_document
from clerk_app.interchange.exchange import write_atomically
from clerk_app.interchange.mapping import (
    answer_ref,
    fields_from_json,
    fields_json,
    files_to_send,
    incoming_draft,
    outgoing_document,
    package_of,
)
from clerk_app.interchange.values import (
    Business,
    ExchangedDocument,
    Organ,
    StatusMessage,
    document_id_for,
)
from clerk_app.storage.exchange_models import (
    ExchangeInboxItem,
    ExchangeQueued,
    ExchangeRecipientStatus,
)
from clerk_app.storage.journal import canonical_json
from clerk_app.text import fold
from clerk_app.workdays.calendar import WorkCalendar
from clerk_app.workdays.office_hours import load_office_hours
from clerk_app.workspace import Workspace
from sync.client import ServerClient
from sync.engine import DeskSync

# Received "through the system": passed on within 08 working hours (Phú Yên art. 5.2).
HANDLE_WITHIN_HOURS = 8
# The server's exchange directory as last seen, so recipients can be chosen offline.
DIRECTORY_FILE = "exchange-directory.json"
OPEN = "arrived"
REFUSAL_REASONS = ("wrong-recipient", "not-valid")
# Refusals about the session, not the row: the row waits for the clerk to log in again.
KEEP_QUEUED = frozenset(
    {"not_logged_in", "session_expired", "account_locked", "password_change_required"}
)


@dataclass(frozen=True)
class SendOutcome:
    document_id: str
    queued: bool  # the server was not reachable: it goes up with the next refresh
    recipients: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "queued": self.queued,
            "recipients": self.recipients,
        }


def send_document(
    data_dir: Path,
    document_id: str,
    to: Sequence[str],
    *,
    replaces: str | None = None,
    answers: Sequence[str] = (),
    clock: Clock = system_clock,
    at: datetime | None = None,
) -> SendOutcome:
    """Send a numbered outgoing document to the agencies named by `to` (exchange identifiers or
    the server's agency codes). Offline, the send waits in the desk's queue. `at`: when the
    clerk pressed «Phát hành» (the package's TraceHeader time); now when not given."""
    with ExchangeDesk(data_dir, clock) as desk:
        return desk.send(document_id, to, replaces=replaces, answers=answers, at=at)


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


class ExchangeDesk:
    """One desk's electronic exchange, over its data directory and its server link."""

    def __init__(
        self, data_dir: Path, clock: Clock = system_clock, desk: DeskSync | None = None
    ) -> None:
        """`desk`: a DeskSync already open on `data_dir` (the background sync's), kept open."""
        self.data_dir = data_dir
        self.clock = clock
        self._owns_desk = desk is None
        self.sync = desk or DeskSync(data_dir, clock)
        self.db = self.sync.db
        self.store = self.sync.store
        self.tables = CodeTables.load(data_dir)

    def close(self) -> None:
        if self._owns_desk:
            self.sync.close()

    def __enter__(self) -> ExchangeDesk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _client(self) -> Iterator[ServerClient]:
        with self.sync._client() as client:
            yield client

    def _online(self, work: Any) -> Any:
        """`work(client)` against the server; None when it cannot be reached (the desk works on
        with what it has, and the outage is recorded as any other)."""
        try:
            with self._client() as client:
                result = work(client)
        except errors.ServerUnreachable as exc:
            self.sync._went_offline(str(exc.detail))
            return None
        self.sync._came_back()
        return result

    # --- sending ---------------------------------------------------------------------------

    def send(
        self,
        document_id: str,
        to: Sequence[str],
        *,
        replaces: str | None = None,
        answers: Sequence[str] = (),
        at: datetime | None = None,
    ) -> SendOutcome:
        pressed = at or self.clock()
        codes = [c.strip() for c in to if c.strip()]
        if not codes:
            raise errors.MissingField("recipients")
        self._check_sendable(document_id, replaces, answers)
        self.sync._link()  # a desk without a server has nowhere to send: said now, not later
        payload = {
            "document": document_id,
            "to": codes,
            "replaces": replaces,
            "answers": list(answers),
        }
        row_id = self._queue("send", document_id, payload, pressed)

        def push(client: ServerClient) -> dict[str, Any]:
            return self._push_one(client, row_id, drop_on_refusal=True)

        answer = self._online(push)
        if answer is None:
            return SendOutcome(
                document_id, True, [{"organ_id": c, "outcome": "queued"} for c in codes]
            )
        return SendOutcome(document_id, False, list(answer["recipients"]))

    def _check_sendable(
        self, document_id: str, replaces: str | None, answers: Sequence[str]
    ) -> None:
        """Refuses now what the package could never be made of (an incoming, cancelled or
        unnumbered document, one without a file), so nothing hopeless waits in the queue."""
        with Workspace.open(self.data_dir) as ws:
            detail = ws.document(document_id)
            files = [(f, b"") for f in files_to_send(detail)]
            outgoing_document(
                detail,
                sender=Organ("?"),
                recipients=[Organ("?")],
                files=files,
                tables=self.tables,
                now=ws.now_in_vietnam(),
            )
            if replaces:
                ws.document(replaces)
            for incoming_id in answers:
                if ws.document(incoming_id).summary.direction != "incoming":
                    raise errors.InvalidValue("answers", incoming_id, "một văn bản đến")

    def _package(self, client: ServerClient, payload: dict[str, Any], at: datetime) -> bytes:
        """The package as it was when the clerk sent it at `at` (its TraceHeader's time)."""
        directory = client.exchange_organs()
        own_row = directory["own"]
        own = Organ(own_row["organ_id"], own_row["name"], in_charge=own_row.get("in_charge", ""))
        known: dict[str, dict[str, Any]] = {}
        for o in directory["organs"]:
            known[o["organ_id"].upper()] = o
            if o.get("agency_code"):
                known.setdefault(o["agency_code"].upper(), o)
        recipients = []
        for code in payload["to"]:
            o = known.get(code.upper())
            if o is None:
                raise errors.OrganNotInDirectory(code, "máy chủ")
            recipients.append(Organ(o["organ_id"], o["name"], in_charge=o.get("in_charge", "")))
        by_name = {fold(o["name"]): o for o in directory["organs"]}
        with Workspace.open(self.data_dir) as ws:
            detail = ws.document(payload["document"])
            answers = []
            for incoming_id in payload.get("answers") or ():
                incoming = ws.document(incoming_id)
                o = by_name.get(fold(incoming.summary.issuer))
                if o is None:
                    raise errors.OrganNotInDirectory(incoming.summary.issuer, "máy chủ")
                answers.append(answer_ref(incoming, Organ(o["organ_id"], o["name"])))
            doc = package_of(
                ws,
                detail,
                sender=own,
                recipients=recipients,
                tables=self.tables,
                answers=answers,
                now=at,
            )
            if payload.get("replaces"):
                old = ws.document(payload["replaces"]).summary
                if old.issued_on is None:
                    raise errors.MissingField("issued_on")
                doc = replace(
                    doc,
                    business=Business(
                        kind="replace",
                        document_id=document_id_for(own.organ_id, old.issued_on, old.reference),
                        paper=doc.business.paper,
                    ),
                )
        return write_document(doc)

    def _queue(
        self, kind: str, target: str, payload: dict[str, Any], at: datetime | None = None
    ) -> int:
        """`at`: when the clerk pressed the button (the row's time, which the message carries)."""
        with self.db.write() as s:
            row = ExchangeQueued(
                kind=kind,
                target=target,
                payload=canonical_json(payload),
                created_at=at or self.clock(),
                answer="",
            )
            s.add(row)
            s.flush()
            return int(row.id)

    def _push_one(
        self, client: ServerClient, row_id: int, *, drop_on_refusal: bool = False
    ) -> dict[str, Any]:
        """Sends one queued row; a refusal ends it (said to the caller), an outage keeps it."""
        with self.db.read() as s:
            row = s.get_one(ExchangeQueued, row_id)
            kind, target, payload = row.kind, row.target, json.loads(row.payload)
            created_at = row.created_at
        try:
            if kind == "send":
                raw = self._package(client, payload, created_at)
                answer = client.send_package(raw, target)
            elif kind == "status":
                answer = client.set_item_status(
                    target,
                    payload["status"],
                    payload.get("reason", ""),
                    payload.get("document", ""),
                    at=payload.get("at") or progress.moment(created_at),
                )
            else:
                recalled = client.exchange_recall(
                    target, payload["reason"], at=progress.moment(created_at)
                )
                answer = {"recipients": recalled}
        except (errors.ServerUnreachable, errors.ServerFailed):
            raise  # not an answer about this row: it stays queued
        except errors.ServerRefused as exc:
            if exc.reason in KEEP_QUEUED:
                raise  # the clerk logs in again, and the row goes then
            self._set_aside(row_id, exc, drop=drop_on_refusal)
            raise
        except errors.ClerkError as exc:
            self._set_aside(row_id, exc, drop=drop_on_refusal)
            raise
        with self.db.write() as s:
            done = s.get_one(ExchangeQueued, row_id)
            done.done_at = self.clock()
            done.answer = canonical_json(answer)
        return answer

    def _set_aside(self, row_id: int, exc: errors.ClerkError, *, drop: bool) -> None:
        """A row the server refused: dropped when the clerk is told now, else kept answered."""
        with self.db.write() as s:
            done = s.get_one(ExchangeQueued, row_id)
            if drop:
                s.delete(done)
            else:
                done.done_at = self.clock()
                done.answer = canonical_json({"error": type(exc).__name__, "detail": str(exc)})

    def flush(self, client: ServerClient) -> int:
        """Everything queued, in order. A refused row is set aside (its answer kept); the
        rest still go. Returns how many went."""
        with self.db.read() as s:
            ids = list(
                s.execute(
                    select(ExchangeQueued.id)
                    .where(ExchangeQueued.done_at.is_(None))
                    .order_by(ExchangeQueued.id)
                ).scalars()
            )
        sent = 0
        for row_id in ids:
            try:
                self._push_one(client, row_id)
                sent += 1
            except (errors.ServerUnreachable, errors.ServerFailed):
                raise
            except errors.ServerRefused as exc:
                if exc.reason in KEEP_QUEUED:
                    raise
            except errors.ClerkError:
                continue
        return sent

    def pending(self) -> int:
        with self.db.read() as s:
            return len(
                list(
                    s.execute(
                        select(ExchangeQueued.id).where(ExchangeQueued.done_at.is_(None))
                    ).scalars()
                )
            )

    # --- choosing recipients ----------------------------------------------------------------

    def directory(self, document_id: str | None = None) -> dict[str, Any]:
        """Every agency this one may send to (the server's directory: its agencies and the ones
        outside reached over the axis), this agency left out, the ones the document's «Nơi
        nhận» names marked `suggested`. Offline: the list last seen, kept in the data folder."""
        cache = self.data_dir / DIRECTORY_FILE
        try:
            self.sync._link()
        except errors.DeskNotConnected:
            return {"connected": False, "online": False, "organs": []}
        fresh = self._online(lambda c: c.exchange_organs())
        if fresh is not None:
            write_atomically(cache, json.dumps(fresh, ensure_ascii=False).encode("utf-8"))
            known = fresh
        elif cache.is_file():
            known = json.loads(cache.read_text(encoding="utf-8"))
        else:
            known = {"own": {"organ_id": ""}, "organs": []}
        own = known["own"]["organ_id"].upper()
        named = ""
        if document_id is not None:
            with Workspace.open(self.data_dir) as ws:
                named = ws.document(document_id).summary.recipients
        organs = [
            {
                "organ_id": o["organ_id"],
                "name": o["name"],
                "agency_code": o.get("agency_code", ""),
                "external": bool(o.get("external")),
                "suggested": names_organ(named, o["name"]),
            }
            for o in known["organs"]
            if o["organ_id"].upper() != own
        ]
        return {"connected": True, "online": fresh is not None, "organs": organs}

    # --- the sender's view -----------------------------------------------------------------

    def delivery_status(self, document_id: str) -> dict[str, Any]:
        """Per recipient of a document this agency sent: its status now, from the server when it
        answers (kept for offline use), else as last seen."""

        def ask(client: ServerClient) -> list[dict[str, Any]]:
            self.flush(client)
            return client.exchange_sent(document_id)

        fresh = self._online(ask)
        now = self.clock()
        if fresh is not None:
            with self.db.write() as s:
                for r in fresh:
                    row = s.get(ExchangeRecipientStatus, (document_id, r["organ_id"]))
                    if row is None:
                        row = ExchangeRecipientStatus(
                            document_id=document_id, organ_id=r["organ_id"]
                        )
                        s.add(row)
                    row.name, row.status, row.reason = r["name"], r["status"], r["reason"]
                    row.history = canonical_json(r["history"])
                    row.updated_at = now
        with self.db.read() as s:
            rows = s.execute(
                select(ExchangeRecipientStatus)
                .where(ExchangeRecipientStatus.document_id == document_id)
                .order_by(ExchangeRecipientStatus.organ_id)
            ).scalars()
            recipients = [
                {
                    "organ_id": r.organ_id,
                    "name": r.name,
                    "status": r.status,
                    "reason": r.reason,
                    "history": json.loads(r.history),
                }
                for r in rows
            ]
            waiting = [
                json.loads(q.payload)["to"]
                for q in s.execute(
                    select(ExchangeQueued).where(
                        ExchangeQueued.kind == "send",
                        ExchangeQueued.target == document_id,
                        ExchangeQueued.done_at.is_(None),
                    )
                ).scalars()
            ]
        for codes in waiting:
            recipients += [
                {"organ_id": c, "name": "", "status": "queued", "reason": "", "history": []}
                for c in codes
            ]
        return {"document_id": document_id, "online": fresh is not None, "recipients": recipients}

    def recall(self, document_id: str, reason: str) -> dict[str, Any]:
        if not reason.strip():
            raise errors.MissingField("reason")
        self.sync._link()
        row_id = self._queue("recall", document_id, {"reason": reason.strip()})
        answer = self._online(lambda c: self._push_one(c, row_id, drop_on_refusal=True))
        if answer is None:
            return {"document_id": document_id, "queued": True, "recipients": []}
        return {"document_id": document_id, "queued": False, "recipients": answer["recipients"]}

    # --- the inbox ---------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Sends what waits, takes the agency's items from the server and their files; False
        when the server could not be reached (the inbox shows what the desk has)."""
        try:
            self.sync._link()
        except errors.DeskNotConnected:
            return False

        def take(client: ServerClient) -> bool:
            self.flush(client)
            items = client.exchange_inbox()["items"]
            self._store_items(items)
            self._fetch_files(client)
            return True

        return bool(self._online(take))

    def _store_items(self, items: list[dict[str, Any]]) -> None:
        now = self.clock()
        with self.db.write() as s:
            waiting = set(
                s.execute(
                    select(ExchangeQueued.target).where(
                        ExchangeQueued.kind == "status", ExchangeQueued.done_at.is_(None)
                    )
                ).scalars()
            )
            for it in items:
                row = s.get(ExchangeInboxItem, it["id"])
                if row is None:
                    twin = s.execute(
                        select(ExchangeInboxItem).where(
                            ExchangeInboxItem.document_id == it["document_id"]
                        )
                    ).scalar_one_or_none()
                    if twin is not None:
                        continue  # the same document imported from a file: shown once
                    row = ExchangeInboxItem(
                        id=it["id"],
                        document_id=it["document_id"],
                        source="server",
                        sender_organ_id=it["sender"]["organ_id"],
                        sender_name=it["sender"]["name"],
                        fields=canonical_json(it["fields"]),
                        files=canonical_json(it["files"]),
                        raw_sha256=it["raw_sha256"],
                        arrived_at=datetime.fromisoformat(it["arrived_at"]),
                        signatures=None,
                        flag="",
                    )
                    s.add(row)
                elif row.id in waiting:
                    continue  # what this desk did and has not sent yet is newer
                row.status, row.reason = it["status"], it["reason"]
                row.registered_document_id = it["registered_document_id"]
                row.updated_at = now

    def _fetch_files(self, client: ServerClient) -> None:
        with self.db.read() as s:
            rows = list(
                s.execute(
                    select(ExchangeInboxItem).where(
                        ExchangeInboxItem.status == OPEN, ExchangeInboxItem.source == "server"
                    )
                ).scalars()
            )
        for row in rows:
            shas = [f["sha256"] for f in json.loads(row.files)] + [row.raw_sha256]
            for sha in shas:
                if not self.store.contains(sha):
                    data = b"".join(client.file_chunks(sha))
                    stored = self.store.put(data)
                    if stored.sha256 != sha:
                        raise errors.StoredFileDamaged(sha256=sha, reason="mismatch")
            if row.signatures is None:
                self._check_signatures(row.id)

    def _check_signatures(self, item_id: str) -> None:
        """Verifies every signature of the item's PDF files (pyHanko) and keeps the result; a
        signature that does not verify flags the item (it may only be refused as not valid)."""
        from clerk_app.signing.verify import check_json, check_signatures

        with self.db.read() as s:
            row = s.get_one(ExchangeInboxItem, item_id)
            files = json.loads(row.files)
        results = []
        flag = ""
        for f in files:
            if f["content_type"] != "application/pdf" and not f["name"].lower().endswith(".pdf"):
                continue
            try:
                checks = check_signatures(self.store.path(f["sha256"]).read_bytes(), name=f["name"])
            except errors.FileCorrupt:
                results.append({"file": f["name"], "error": "file_corrupt"})
                flag = flag or "file_corrupt"
                continue
            for c in checks:
                results.append({"file": f["name"], **check_json(c), "sound": c.sound})
                if not (c.intact and c.valid):
                    flag = "signature_invalid"
        with self.db.write() as s:
            row = s.get_one(ExchangeInboxItem, item_id)
            row.signatures = canonical_json(results)
            row.flag = flag

    def inbox(self, *, everything: bool = False) -> dict[str, Any]:
        online = self.refresh()
        calendar = WorkCalendar((), load_office_hours(self.data_dir).spans)
        now = self.clock()
        with self.db.read() as s:
            q = select(ExchangeInboxItem).order_by(ExchangeInboxItem.arrived_at)
            if not everything:
                q = q.where(ExchangeInboxItem.status == OPEN)
            items = [self._item_json(r, calendar, now) for r in s.execute(q).scalars()]
        return {"online": online, "items": items, "queued": self.pending()}

    def _item_json(
        self, r: ExchangeInboxItem, calendar: WorkCalendar, now: datetime
    ) -> dict[str, Any]:
        due = calendar.add_working_hours(r.arrived_at, HANDLE_WITHIN_HOURS)
        return {
            "id": r.id,
            "document_id": r.document_id,
            "source": r.source,
            "sender": {"organ_id": r.sender_organ_id, "name": r.sender_name},
            "fields": json.loads(r.fields),
            "files": json.loads(r.files),
            "status": r.status,
            "reason": r.reason,
            "registered_document_id": r.registered_document_id,
            "arrived_at": r.arrived_at.isoformat(),
            "handle_by": due.isoformat(),
            "overdue": r.status == OPEN and now > due,
            "signatures": _loads(r.signatures),
            "flag": r.flag,
        }

    def _item(self, s: Session, item_id: str) -> ExchangeInboxItem:
        row = s.get(ExchangeInboxItem, item_id)
        if row is None:
            raise errors.ExchangeItemNotFound(item_id)
        return row

    def open_item(self, item_id: str) -> dict[str, Any]:
        """One item as the clerk opens it: fields, files and the signatures' verdict."""
        self.refresh()
        with self.db.read() as s:
            row = self._item(s, item_id)
            checked = row.signatures is not None
        if not checked and self._files_here(item_id):
            self._check_signatures(item_id)
        calendar = WorkCalendar((), load_office_hours(self.data_dir).spans)
        with self.db.read() as s:
            return self._item_json(self._item(s, item_id), calendar, self.clock())

    def _files_here(self, item_id: str) -> bool:
        with self.db.read() as s:
            row = self._item(s, item_id)
            files = json.loads(row.files)
        return all(self.store.contains(f["sha256"]) for f in files)

    def receive(self, item_id: str) -> dict[str, Any]:
        """Registers an item as an incoming document from its metadata (the arrival time is
        the item's), then tells the sender (03). Nothing is registered when anything is wrong."""
        pressed = self.clock()
        self.refresh()
        with self.db.read() as s:
            row = self._item(s, item_id)
            status, flag, signatures = row.status, row.flag, _loads(row.signatures)
            files = json.loads(row.files)
            fields = fields_from_json(json.loads(row.fields), row.document_id)
            arrived_at = row.arrived_at
        if status != OPEN:
            raise errors.ExchangeItemClosed(item_id, status)
        if not self._files_here(item_id):
            raise errors.ExchangeFilesMissing(item_id)
        if signatures is None:
            self._check_signatures(item_id)
            with self.db.read() as s:
                row = self._item(s, item_id)
                flag, signatures = row.flag, _loads(row.signatures)
        if flag:
            bad = next((x["file"] for x in signatures or () if not x.get("sound", False)), "")
            if flag == "file_corrupt":
                raise errors.FileCorrupt(bad)
            raise errors.ExchangeSignatureInvalid(item_id, bad)
        with tempfile.TemporaryDirectory(prefix="clerk-exchange-") as tmp:
            paths = []
            for i, f in enumerate(files):
                folder = Path(tmp) / str(i)  # two files may share a name
                folder.mkdir()
                path = folder / (Path(f["name"]).name or f"tep-{i}")
                path.write_bytes(self.store.path(f["sha256"]).read_bytes())
                paths.append(path)
            draft = incoming_draft(fields, files=paths, received_at=arrived_at)
            registered = self._register(draft)
        document = registered.get("document", {})
        local_id = str(document.get("id") or registered.get("draft_id") or "")
        with self.db.write() as s:
            row = self._item(s, item_id)
            row.status, row.registered_document_id, row.updated_at = (
                "registered",
                local_id,
                self.clock(),
            )
        if row.source == "server":
            self._tell(item_id, "registered", pressed, document=local_id)
        return {"item": item_id, **registered}

    def _register(self, draft: Any) -> dict[str, Any]:
        """Registered as the clerk's own registrations are: on a connected desk numbered by
        the server inside the registration, whoever holds the lease (sync.online), a draft
        only when the server cannot be reached and another desk holds the lease."""
        from clerk_app.cli import detail_json
        from sync import desk_store, online

        with self.db.read() as s:
            connected = desk_store.link(s) is not None
        if connected:
            got = online.register(self.sync, draft)
            if got.number is None:
                return {"draft_id": got.document_id, "provisional": True}
            with Workspace.open(self.data_dir) as ws:
                return {"document": detail_json(ws.document(got.document_id))}
        with Workspace.open(self.data_dir) as ws:
            return {"document": detail_json(ws.register_incoming(draft).document)}

    def _tell(
        self, item_id: str, status: str, at: datetime, reason: str = "", document: str = ""
    ) -> bool:
        """Queues the status for the sender, dated `at`, and sends it now when the server
        answers."""
        payload = {
            "status": status,
            "reason": reason,
            "document": document,
            "at": progress.moment(at),
        }
        row_id = self._queue("status", item_id, payload, at)
        return self._online(lambda c: self._push_one(c, row_id)) is not None

    def refuse(self, item_id: str, reason: str) -> dict[str, Any]:
        """Refuses an item for one of the two reasons the rules allow (status 02 back)."""
        if reason not in REFUSAL_REASONS:
            raise errors.InvalidValue("reason", reason, " hoặc ".join(REFUSAL_REASONS))
        pressed = self.clock()
        self.refresh()
        with self.db.write() as s:
            row = self._item(s, item_id)
            if row.status != OPEN:
                raise errors.ExchangeItemClosed(item_id, row.status)
            row.status, row.reason, row.updated_at = "refused", reason, pressed
            source = row.source
        told = False
        if source == "server":
            told = self._tell(item_id, "refused", pressed, reason=reason)
        return {"item": item_id, "status": "refused", "reason": reason, "sent": told}

    def progress(self, item_id: str, status: str) -> dict[str, Any]:
        """Assigned, in progress, done told by hand (`clerk exchange-progress`); the desk's own
        actions tell them by themselves (clerk_app.interchange.progress). A status the sender
        already has, or an earlier one, tells nothing."""
        if status not in progress.LATER_STATUSES:
            raise errors.InvalidValue("status", status, ", ".join(progress.LATER_STATUSES))
        with self.db.write() as s:
            row = self._item(s, item_id)
            if row.status in ("arrived", "refused", "recalled", "replaced"):
                raise errors.ExchangeItemClosed(item_id, row.status)
            moved = progress.record(s, row, status, self.clock())
            source = row.source
        told = False
        if moved is not None and source == "server":
            told = self._online(lambda c: self.flush(c)) is not None
        return {"item": item_id, "status": status, "sent": told}

    # --- a package from a file -------------------------------------------------------------

    def import_file(self, data: bytes, now: datetime | None = None) -> dict[str, Any]:
        """A package received outside the server (a file): checked as its recipient would,
        then into the inbox. Refused or duplicate packages raise; the reply is returned."""
        own = self._own_organ()
        arrived = now or self.clock()

        def previously(document_id: str) -> Previously | None:
            with self.db.read() as s:
                row = s.execute(
                    select(ExchangeInboxItem).where(ExchangeInboxItem.document_id == document_id)
                ).scalar_one_or_none()
            if row is None:
                return None
            known = ("refused", *progress.FORWARD)
            last = row.status if row.status in known else None
            return Previously(last_status=last)  # type: ignore[arg-type]

        verdict = assess_incoming(
            data, receiver=own, tables=self.tables, now=arrived, previously=previously
        )
        if verdict.outcome == "revoke" and verdict.document is not None:
            return self._revoked(verdict.document, verdict.reply, arrived)
        if verdict.outcome != "accepted" or verdict.document is None or verdict.fields is None:
            if verdict.problem is not None:
                raise verdict.problem
            raise errors.EdxmlNotAMessage("Status")  # a status message is not an inbox item
        doc = verdict.document
        files = []
        for a in doc.attachments:
            self.store.put(a.data)
            files.append(
                {"name": a.name, "content_type": a.content_type, "sha256": a.sha256, "size": a.size}
            )
        raw = self.store.put(data)
        item_id = str(uuid.uuid4())
        with self.db.write() as s:
            s.add(
                ExchangeInboxItem(
                    id=item_id,
                    document_id=doc.document_id,
                    source="file",
                    sender_organ_id=doc.sender.organ_id,
                    sender_name=doc.sender.name,
                    fields=canonical_json(fields_json(verdict.fields)),
                    files=canonical_json(files),
                    raw_sha256=raw.sha256,
                    status=OPEN,
                    reason="",
                    registered_document_id="",
                    arrived_at=arrived.astimezone(UTC),
                    updated_at=arrived,
                    signatures=None,
                    flag="",
                )
            )
        self._check_signatures(item_id)
        reply = verdict.reply
        return {
            "item": item_id,
            "document_id": doc.document_id,
            "reply": None if reply is None else {"code": reply.code},
        }

    def _revoked(
        self, doc: ExchangedDocument, reply: StatusMessage | None, at: datetime
    ) -> dict[str, Any]:
        """A revoke from a file: the item it names leaves the inbox while not registered; a
        registered one stays (the reply, 15 or 16, says which, for the sender)."""
        target = revoked_document(doc)
        with self.db.write() as s:
            row = s.execute(
                select(ExchangeInboxItem).where(ExchangeInboxItem.document_id == target)
            ).scalar_one_or_none()
            item_id = row.id if row is not None else None
            status = row.status if row is not None else None
            if row is not None and row.status == OPEN:
                row.status, row.reason, row.updated_at = "recalled", doc.business.reason, at
                status = row.status
        return {
            "item": item_id,
            "document_id": target,
            "revoked": status == "recalled",
            "status": status,
            "reply": None if reply is None else {"code": reply.code},
        }

    def _own_organ(self) -> Organ:
        """This agency as the exchange knows it: from the server's directory when connected,
        else from the desk's organ directory by the agency's name."""

        def ask(client: ServerClient) -> dict[str, Any]:
            return client.exchange_organs()

        try:
            self.sync._link()
            directory = self._online(ask)
        except errors.DeskNotConnected:
            directory = None
        if directory is not None:
            own = directory["own"]
            return Organ(own["organ_id"], own["name"], in_charge=own.get("in_charge", ""))
        with Workspace.open(self.data_dir) as ws:
            name = ws.agency().name
        found = self.tables.organ_named(name)
        if found is None:
            raise errors.OrganNotInDirectory(name, self.tables.organ_source)
        return found


def names_organ(recipients: str, name: str) -> bool:
    """Whether a document's «Nơi nhận» text names the agency `name` (one of its lines or
    ;-separated parts, accents and case aside, either way round: "Sở Tài chính" names "Sở Tài
    chính tỉnh Phú Yên")."""
    whole = fold(name).strip()
    if not whole:
        return False
    for part in recipients.replace("\n", ";").split(";"):
        p = fold(part).strip(" -+.,:")
        if len(p) >= 4 and (p in whole or whole in p):
            return True
    return False


def handle_by(arrived_at: datetime, data_dir: Path) -> datetime:
    """When an item that arrived at `arrived_at` must have been passed on (08 working hours)."""
    calendar = WorkCalendar((), load_office_hours(data_dir).spans)
    return calendar.add_working_hours(arrived_at, HANDLE_WITHIN_HOURS)
