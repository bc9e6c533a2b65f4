"""A revoke (Bussiness doc type 1) is answered by what the recipient did with the document: taken
back (15) while not registered or never arrived, kept (16) once registered; never a duplicate."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from clerk_app.interchange.assessment import Previously, assess_incoming, revoked_document
from clerk_app.interchange.codes import CodeTables
from clerk_app.interchange.edxml_write import write_document
from clerk_app.interchange.values import Business, ExchangedDocument, Organ


def _revoke(doc: ExchangedDocument) -> bytes:
    return write_document(
        replace(
            doc,
            attachments=(),
            business=Business(kind="revoke", reason="Ban hành nhầm", document_id=doc.document_id),
        )
    )


@pytest.mark.parametrize(
    ("last", "code"),
    [(None, "15"), ("arrived", "15"), ("registered", "16"), ("in_progress", "16"), ("done", "16")],
)
def test_a_revoke_is_answered_by_what_became_of_the_document(
    document: ExchangedDocument, tables: CodeTables, now: datetime, last: str | None, code: str
) -> None:
    seen: list[str] = []

    def previously(document_id: str) -> Previously | None:
        seen.append(document_id)
        return None if last is None else Previously(last_status=last)  # type: ignore[arg-type]

    receiver = document.recipients[0]
    verdict = assess_incoming(
        _revoke(document), receiver=receiver, tables=tables, now=now, previously=previously
    )
    assert verdict.outcome == "revoke" and verdict.reply is not None
    assert verdict.reply.code == code and verdict.reply.description == "Ban hành nhầm"
    assert verdict.document is not None
    assert seen == [revoked_document(verdict.document)] == [document.document_id]


def test_a_revoke_for_another_agency_is_refused(
    document: ExchangedDocument, tables: CodeTables, now: datetime
) -> None:
    stranger = Organ("000.99.99.H44", "Không phải nơi nhận")
    verdict = assess_incoming(_revoke(document), receiver=stranger, tables=tables, now=now)
    assert verdict.outcome == "refused" and verdict.reason == "wrong-recipient"
    assert verdict.reply is not None and verdict.reply.code == "02"
