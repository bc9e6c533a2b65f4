"""Connecting a desk that already has registrations: the server adopts its history while the
agency's registers there are empty, and otherwise the connection is refused with what to do.

Adopting means the desk takes the leases of its registers before anything is uploaded, so its
outbox goes up with the numbers the clerk already wrote on paper, in order; no server number
1 or 2 is issued again beside them. No wording.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from clerk_app import errors
from clerk_app.refusals import Refusal
from clerk_app.storage.models import Document, OutboxEntry, Register
from sync import desk_store
from sync.client import ServerClient


def adopt_if_needed(desk: Any, client: ServerClient, server_url: str) -> int:
    """Before the desk is linked to `server_url`: take the leases of the registers it has
    numbered in; returns how many. Refuses (ServerRefused) when the server already has
    another desk's registrations, or when this desk's history went to another server."""
    with desk.db.read() as s:
        row = desk_store.link(s)
        if row is not None and row.server_url.rstrip("/") == server_url.rstrip("/"):
            return 0  # connecting again to the same server: its history is there already
        has_history = s.execute(select(func.count()).select_from(Document)).scalar_one() > 0
        if not has_history:
            return 0
        sent = s.execute(
            select(func.count())
            .select_from(OutboxEntry)
            .where(OutboxEntry.acked_at.is_not(None), OutboxEntry.entity == "document")
        ).scalar_one()
        if sent:
            # Its registrations were answered by another server: they cannot go up again here.
            raise errors.ServerRefused(Refusal.HISTORY_SENT_ELSEWHERE, {"documents": int(sent)})
        registers = [
            {"kind": r.kind, "series": r.series, "year": r.year}
            for r in s.execute(select(Register).where(Register.last_number > 0)).scalars()
        ]
    answer = client.adopt(registers)
    for data in answer:
        desk._remember_lease(data)
    return len(answer)
