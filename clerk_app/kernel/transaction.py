"""One write transaction of the desk: the audit entry, the outbox entry, the search row, the
live-document lookup; what one change writes lands together or not at all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clerk_app import errors, lifecycle
from clerk_app.kernel import indexing
from clerk_app.storage.journal import append_audit, append_outbox
from clerk_app.storage.models import Document, DocumentFile, Unit
from clerk_app.text import nfc

if TYPE_CHECKING:
    from clerk_app.kernel.context import DeskContext


class Transaction:
    """The session of one guarded write, with the desk's ways of recording a change in it."""

    def __init__(self, ctx: DeskContext, session: Session) -> None:
        self.ctx = ctx
        self.session = session

    @property
    def actor(self) -> str:
        return self.ctx.actor

    def now(self) -> datetime:
        return self.ctx.clock()

    # --- the journal -----------------------------------------------------------------------

    def record(
        self,
        action: str,
        entity: str,
        entity_id: str,
        details: dict[str, Any],
        *,
        at: datetime | None = None,
        lease_epoch: int | None = None,
    ) -> None:
        """A change of this desk: its audit entry and its outbox entry (sent to the server);
        `lease_epoch`: the lease a number given here was given under."""
        moment = at or self.now()
        self.audit(action, entity, entity_id, details, at=moment)
        self.outbox(entity, entity_id, action, details, at=moment, lease_epoch=lease_epoch)

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: str,
        details: dict[str, Any],
        *,
        at: datetime | None = None,
        actor: str | None = None,
    ) -> None:
        """The audit entry alone: for rows the server made, which must not echo back to it.
        `actor` names who decided when that was someone at another desk (an imported decision)."""
        append_audit(
            self.session,
            at=at or self.now(),
            actor=actor or self.ctx.actor,
            station=self.ctx.station,
            action=action,
            entity=entity,
            entity_id=entity_id,
            details=details,
        )

    def outbox(
        self,
        entity: str,
        entity_id: str,
        op: str,
        payload: dict[str, Any],
        *,
        at: datetime | None = None,
        lease_epoch: int | None = None,
    ) -> None:
        append_outbox(
            self.session,
            at=at or self.now(),
            entity=entity,
            entity_id=entity_id,
            op=op,
            payload=payload,
            lease_epoch=lease_epoch,
        )

    # --- documents -------------------------------------------------------------------------

    def document(self, document_id: str) -> Document:
        doc = self.session.get(Document, document_id)
        if doc is None:
            raise errors.UnknownDocument(document_id)
        return doc

    def live_document(self, document_id: str) -> Document:
        """The document, refused when cancelled: a cancelled registration takes no change."""
        doc = self.document(document_id)
        if doc.status == "cancelled":
            raise errors.DocumentCancelled(document_id, doc.number)
        return doc

    def require(self, doc: Document, action: str) -> str:
        """The document's state if `action` fits it (clerk_app.lifecycle), read in this
        transaction; otherwise the typed refusal before anything is written."""
        roles = self.session.execute(
            select(DocumentFile.role).where(DocumentFile.document_id == doc.id)
        ).scalars()
        facts = lifecycle.Facts(
            direction=doc.direction,  # type: ignore[arg-type]
            cancelled=doc.status == "cancelled",
            file_roles=frozenset(roles),
            handed_over=doc.handed_over_at is not None,
        )
        return lifecycle.require(facts, action)

    def index(
        self, doc: Document, known: Mapping[str, str] = {}, *, texts: Sequence[str] | None = None
    ) -> None:
        """The document's search row from its fields and every text kept for its files."""
        self.session.flush()
        indexing.index_document(self.session, self.ctx.store, doc, known, texts)

    def unit_id(self, code: str) -> str:
        return unit_id_of(self.session, code)


def unit_id_of(session: Session, code: str) -> str:
    """The id of the unit with this code (as typed); UnknownUnit when there is none."""
    unit_id = session.execute(
        select(Unit.id).where(Unit.code == nfc(code).upper())
    ).scalar_one_or_none()
    if unit_id is None:
        raise errors.UnknownUnit(code)
    return unit_id
