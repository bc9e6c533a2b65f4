"""Write → read gives back every field and every attachment byte, for packages and statuses."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, datetime

import pytest
from edxml_samples import FINANCE, PROVINCE

from clerk_app.clock import VIETNAM
from clerk_app.interchange.codes import STATUS_KEYS, CodeTables, StatusKey
from clerk_app.interchange.edxml_read import read_document, read_message, read_status
from clerk_app.interchange.edxml_write import write_document, write_status, written
from clerk_app.interchange.values import (
    Business,
    ExchangedDocument,
    ResponseRef,
    StaffInfo,
    StatusMessage,
)


def _differences(a: object, b: object) -> list[str]:
    return [
        f.name
        for f in fields(a)  # type: ignore[arg-type]
        if f.compare and getattr(a, f.name) != getattr(b, f.name)
    ]


def test_every_field_and_byte_survives(document: ExchangedDocument) -> None:
    raw = write_document(document)
    back = read_document(raw)
    assert _differences(back, document) == []
    assert back == document
    for sent, received in zip(document.attachments, back.attachments, strict=True):
        assert received.data == sent.data
        assert received.sha256 == sent.sha256
    # The raw message is kept with what was read, byte for byte.
    assert back.raw == raw


def test_written_keeps_the_raw_message(document: ExchangedDocument) -> None:
    sent = written(document)
    assert sent.raw == write_document(document)
    assert read_document(sent.raw) == sent


def test_minimal_package_round_trips(document: ExchangedDocument) -> None:
    minimal = ExchangedDocument(
        document_id="000.01.32.H44,2026/01/05,45/STC-NS",
        sender=FINANCE,
        recipients=(PROVINCE,),
        number="45",
        notation="STC-NS",
        promulgated_on=date(2026, 1, 5),
        type_name="Công văn",
        subject="Về việc quyết toán kinh phí",
        attachments=document.attachments[:1],
    )
    assert read_document(write_document(minimal)) == minimal


def test_revoke_needs_no_attachment(document: ExchangedDocument) -> None:
    revoke = replace(
        document,
        attachments=(),
        business=Business(kind="revoke", reason="Ban hành nhầm", document_id=document.document_id),
    )
    assert read_document(write_document(revoke)) == revoke


def test_text_xml_cannot_carry_is_dropped_not_fatal(document: ExchangedDocument) -> None:
    dirty = replace(document, subject="Về việc\x01 kiểm tra\x0b hồ sơ\ud800")
    back = read_document(write_document(dirty))
    assert back.subject == "Về việc kiểm tra hồ sơ"


def test_same_document_gives_the_same_bytes(document: ExchangedDocument) -> None:
    assert write_document(document) == write_document(document)


@pytest.mark.parametrize("key", STATUS_KEYS)
def test_status_round_trips_for_every_code(tables: CodeTables, key: StatusKey) -> None:
    status = StatusMessage(
        responds_to=ResponseRef(
            "000.00.00.H44", "05/QĐ-UBND", date(2026, 3, 10), "000.00.00.H44,2026/03/10,05/QĐ-UBND"
        ),
        sender=FINANCE,
        code=tables.status_code(key),
        at=datetime(2026, 3, 10, 14, 5, 9, tzinfo=VIETNAM),
        description="Đã chuyển Phòng Ngân sách xử lý",
        staff=StaffInfo("Văn phòng Sở", "Lê Văn Bình", "0914 222 333", "binh@stc.gov.vn"),
    )
    raw = write_status(status)
    back = read_status(raw)
    assert back == status
    assert back.raw == raw
    assert isinstance(read_message(raw), StatusMessage)
