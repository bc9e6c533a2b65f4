"""A document's life-cycle facts with the secretary's records: instructions and assignments."""

from __future__ import annotations

from clerk_app import lifecycle
from clerk_app.instructions.secretary import Secretary
from clerk_app.records import DocumentDetail
from clerk_app.workspace import Workspace


def read(ws: Workspace, document_id: str) -> tuple[DocumentDetail, lifecycle.Facts]:
    """The document's detail and its full facts: for an incoming document, whether its active
    instructions assigned it (instructed) and every assignment is done (closed)."""
    detail = ws.document(document_id)
    if detail.summary.direction != "incoming":
        return detail, lifecycle.facts_of(detail)
    instructions = Secretary(ws).instructions_for(document_id)
    statuses = [a.status for i in instructions if i.status == "active" for a in i.assignments]
    return detail, lifecycle.facts_of(detail, statuses)


def state(ws: Workspace, document_id: str) -> str:
    return lifecycle.state_of(read(ws, document_id)[1])
