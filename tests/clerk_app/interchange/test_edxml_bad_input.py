"""Every kind of bad package is refused or flagged with a typed error and a Vietnamese line, and
the core decides which status goes back (and to whom)."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import zipfile
from dataclasses import replace
from datetime import datetime

import pytest
from edxml_samples import FINANCE, HOME_AFFAIRS, PROVINCE

from clerk_app import errors
from clerk_app.interchange.assessment import Previously, assess_incoming, recall_reply
from clerk_app.interchange.codes import CodeTables
from clerk_app.interchange.edxml_read import read_document, read_message, read_status
from clerk_app.interchange.edxml_schema import REQUIRED
from clerk_app.interchange.edxml_write import write_document, write_status
from clerk_app.interchange.values import Attachment, Business, ExchangedDocument
from clerk_app.messages import describe

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


def _without(raw: bytes, element: str) -> bytes:
    """`raw` with every edXML:`element` (and what it holds) taken out."""
    pattern = (
        rf"<edXML:{element}>.*?</edXML:{element}>|<edXML:{element} [^>]*>.*?</edXML:{element}>"
    )
    return re.sub(pattern.encode(), b"", raw, flags=re.S)


def _with_text(raw: bytes, element: str, value: bytes) -> bytes:
    return re.sub(
        rf"(<edXML:{element}>).*?(</edXML:{element}>)".encode(),
        rb"\g<1>" + value + rb"\g<2>",
        raw,
        count=1,
        flags=re.S,
    )


def _one_line(error: Exception) -> str:
    line = describe(error).one_line()
    assert "\n" not in line and not line.startswith("Lỗi không mong đợi")
    return line


@pytest.fixture
def simple(document: ExchangedDocument) -> ExchangedDocument:
    """The sample package, sent to the province by the finance department."""
    return replace(
        document,
        sender=FINANCE,
        recipients=(PROVINCE,),
        priority="1",
        business=Business(),
        document_id="000.01.32.H44,2026/03/10,05/QĐ-UBND",
    )


# --- reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [p for p, _ in REQUIRED])
def test_each_required_element_missing_is_named(simple: ExchangedDocument, path: str) -> None:
    raw = write_document(simple)
    if path == "MessageHeader/From/OrganId":
        broken = raw.replace(b"<edXML:OrganId>000.01.32.H44</edXML:OrganId>", b"", 1)
    elif path == "MessageHeader/From/OrganName":
        broken = raw.replace("<edXML:OrganName>Sở Tài chính</edXML:OrganName>".encode(), b"", 1)
    elif path == "MessageHeader/DocumentType/TypeName":
        broken = _without(raw, "DocumentType")
    elif path == "MessageHeader/DocumentId":
        # Only the header's own DocumentId (the last one), not ResponseFor's.
        head, _, tail = raw.rpartition(b"<edXML:DocumentId>")
        broken = head + tail.split(b"</edXML:DocumentId>", 1)[1]
    elif path == "edXMLBody/edXMLManifest/Reference":
        broken = _without(_without(raw, "edXMLManifest"), "AttachmentEncoded")
        broken = re.sub(rb"<AttachmentEncoded>.*</AttachmentEncoded>", b"", broken, flags=re.S)
    else:
        element = path.rsplit("/", 1)[-1]
        broken = _without(raw, "To" if element == "OrganId" else element)
    with pytest.raises(errors.EdxmlElementMissing) as caught:
        read_document(broken)
    assert caught.value.element == path
    assert path in _one_line(caught.value)


def test_attachment_with_bad_base64(simple: ExchangedDocument) -> None:
    raw = write_document(simple)
    broken = re.sub(
        rb"<ContentTransferEncoded>JVBER", b"<ContentTransferEncoded>JV*ER", raw, count=1
    )
    with pytest.raises(errors.EdxmlAttachmentDamaged) as caught:
        read_document(broken)
    assert (caught.value.name, caught.value.reason) == ("05-QĐ-UBND.pdf", "base64")
    assert "base64" in _one_line(caught.value)


def test_attachment_cut_short_is_bad_base64(simple: ExchangedDocument) -> None:
    raw = write_document(simple)
    start = raw.index(b"<ContentTransferEncoded>") + len(b"<ContentTransferEncoded>")
    broken = raw[:start] + raw[start + 3 :]
    with pytest.raises(errors.EdxmlAttachmentDamaged) as caught:
        read_document(broken)
    assert caught.value.reason == "base64"


def test_attachment_named_in_manifest_but_not_sent(simple: ExchangedDocument) -> None:
    raw = write_document(simple)
    broken = re.sub(rb"<Attachment>.*?</Attachment>", b"", raw, count=1, flags=re.S)
    with pytest.raises(errors.EdxmlAttachmentDamaged) as caught:
        read_document(broken)
    assert caught.value.reason == "missing"


def _signed(raw: bytes, cid: str, digest: bytes) -> bytes:
    signature = (
        f'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>'
        f'<Reference URI="cid:{cid}"><DigestMethod '
        f'Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
        f"<DigestValue>{base64.b64encode(digest).decode()}</DigestValue></Reference>"
        f"</SignedInfo></Signature>"
    ).encode()
    return raw.replace(b"</edXML:edXMLHeader>", signature + b"</edXML:edXMLHeader>", 1)


def test_attachment_whose_signed_digest_does_not_match(simple: ExchangedDocument) -> None:
    first = simple.attachments[0]
    raw = write_document(simple)
    good = _signed(raw, first.content_id, hashlib.sha256(first.data).digest())
    assert read_document(good).attachments[0].data == first.data
    tampered = _signed(raw, first.content_id, hashlib.sha256(first.data + b"x").digest())
    with pytest.raises(errors.EdxmlAttachmentDamaged) as caught:
        read_document(tampered)
    assert (caught.value.name, caught.value.reason) == (first.name, "hash")
    assert "mã băm" in _one_line(caught.value)


def test_damaged_zip_wrapper(simple: ExchangedDocument) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("qd.pdf", b"%PDF-1.4 " + b"x" * 5000)
    zipped = bytearray(buffer.getvalue())
    zipped[60:70] = b"\x00" * 10  # inside the compressed stream: the CRC will not match
    doc = replace(
        simple,
        attachments=(Attachment("qd.pdf", "application/pdf", "z1", "Văn bản", bytes(zipped)),),
    )
    with pytest.raises(errors.EdxmlAttachmentDamaged) as caught:
        read_document(write_document(doc))
    assert caught.value.reason == "zip"


def test_zip_bomb_is_not_inflated(
    simple: ExchangedDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clerk_app.interchange import attachments

    monkeypatch.setattr(attachments, "MAX_BYTES", 100_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("qd.pdf", b"\x00" * 5_000_000)
    doc = replace(
        simple,
        attachments=(Attachment("qd.pdf", "application/pdf", "z1", "Văn bản", buffer.getvalue()),),
    )
    with pytest.raises(errors.EdxmlAttachmentDamaged) as caught:
        read_document(write_document(doc))
    assert caught.value.reason == "too_large"


def test_office_files_are_zip_archives_not_wrappers(simple: ExchangedDocument) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    docx = buffer.getvalue()
    doc = replace(
        simple,
        attachments=(
            Attachment("bao-cao.docx", "application/octet-stream", "w1", "Văn bản", docx),
        ),
    )
    (back,) = read_document(write_document(doc)).attachments
    assert (back.data, back.zipped) == (docx, False)


@pytest.mark.parametrize(
    ("element", "value", "error"),
    [
        ("PromulgationDate", b"2026-13-45", errors.EdxmlBadValue),
        ("PageAmount", b"ba trang", errors.EdxmlBadValue),
        ("BussinessDocType", b"7", errors.EdxmlBadValue),
        ("Timestamp", "hôm qua".encode(), errors.EdxmlBadValue),
        ("Paper", b"yes", errors.EdxmlBadValue),
    ],
)
def test_bad_values_are_named(
    simple: ExchangedDocument, element: str, value: bytes, error: type[Exception]
) -> None:
    raw = write_document(replace(simple, pages=3, business=Business(paper=True)))
    with pytest.raises(error) as caught:
        read_document(_with_text(raw, element, value))
    assert element in str(caught.value.element)  # type: ignore[attr-defined]
    _one_line(caught.value)


def test_xml_that_is_not_an_edxml_message() -> None:
    with pytest.raises(errors.EdxmlNotAMessage) as caught:
        read_message(b"<html><body>404</body></html>")
    assert caught.value.root == "html"
    _one_line(caught.value)


def test_a_status_is_not_a_document_and_back(simple: ExchangedDocument) -> None:
    with pytest.raises(errors.EdxmlNotAMessage):
        read_status(write_document(simple))


# --- deciding what to do and what to answer -----------------------------------------------------


def test_accepted_package_is_answered_arrived(
    simple: ExchangedDocument, tables: CodeTables, now: datetime
) -> None:
    verdict = assess_incoming(write_document(simple), receiver=PROVINCE, tables=tables, now=now)
    assert verdict.outcome == "accepted"
    assert verdict.problem is None and verdict.fields is not None
    assert verdict.fields.urgency == "Khẩn"
    reply = verdict.reply
    assert reply is not None
    assert (reply.code, reply.sender, reply.at) == ("01", PROVINCE, now.replace(microsecond=0))
    assert reply.responds_to.document_id == simple.document_id
    assert reply.responds_to.organ_id == FINANCE.organ_id
    # The reply goes out as a status message the sender can read.
    assert read_status(write_status(reply)) == reply


def test_wrong_recipient_is_refused_with_that_reason(
    simple: ExchangedDocument, tables: CodeTables, now: datetime
) -> None:
    verdict = assess_incoming(write_document(simple), receiver=HOME_AFFAIRS, tables=tables, now=now)
    assert (verdict.outcome, verdict.reason) == ("refused", "wrong-recipient")
    assert isinstance(verdict.problem, errors.EdxmlWrongRecipient)
    assert verdict.problem.recipients == (PROVINCE.organ_id,)
    assert "gửi nhầm" in _one_line(verdict.problem)
    assert verdict.reply is not None
    assert verdict.reply.code == "02"
    assert verdict.reply.description == "Gửi nhầm đơn vị nhận"
    assert verdict.reply.responds_to.organ_id == FINANCE.organ_id


def test_recipient_match_ignores_case_and_blanks(
    simple: ExchangedDocument, tables: CodeTables, now: datetime
) -> None:
    receiver = replace(PROVINCE, organ_id=" 000.00.00.h44 ")
    verdict = assess_incoming(write_document(simple), receiver=receiver, tables=tables, now=now)
    assert verdict.outcome == "accepted"


def test_duplicate_repeats_the_last_answer(
    simple: ExchangedDocument, tables: CodeTables, now: datetime
) -> None:
    seen = {simple.document_id: Previously(last_status="registered")}
    verdict = assess_incoming(
        write_document(simple), receiver=PROVINCE, tables=tables, now=now, previously=seen.get
    )
    assert verdict.outcome == "duplicate"
    assert isinstance(verdict.problem, errors.EdxmlDuplicate)
    assert "đã nhận trước đó" in _one_line(verdict.problem)
    assert verdict.reply is not None and verdict.reply.code == "03"


def test_duplicate_never_answered_gets_no_reply(
    simple: ExchangedDocument, tables: CodeTables, now: datetime
) -> None:
    verdict = assess_incoming(
        write_document(simple),
        receiver=PROVINCE,
        tables=tables,
        now=now,
        previously=lambda _id: Previously(),
    )
    assert (verdict.outcome, verdict.reply) == ("duplicate", None)


def test_damaged_package_is_refused_as_not_valid_and_the_sender_told(
    simple: ExchangedDocument, tables: CodeTables, now: datetime
) -> None:
    raw = re.sub(
        rb"<ContentTransferEncoded>JVBER", b"<ContentTransferEncoded>JV*ER", write_document(simple)
    )
    verdict = assess_incoming(raw, receiver=PROVINCE, tables=tables, now=now)
    assert (verdict.outcome, verdict.reason) == ("refused", "not-valid")
    assert isinstance(verdict.problem, errors.EdxmlAttachmentDamaged)
    reply = verdict.reply
    assert reply is not None and reply.code == "02"
    assert reply.description.startswith("Văn bản điện tử không đủ giá trị pháp lý: ")
    assert "base64" in reply.description
    assert (reply.responds_to.organ_id, reply.responds_to.document_id) == (
        FINANCE.organ_id,
        simple.document_id,
    )
    assert reply.responds_to.code == "05/QĐ-UBND"


def test_unknown_priority_is_refused_not_guessed(
    simple: ExchangedDocument, tables: CodeTables, now: datetime
) -> None:
    raw = write_document(replace(simple, priority="9"))
    verdict = assess_incoming(raw, receiver=PROVINCE, tables=tables, now=now)
    assert verdict.outcome == "refused"
    assert isinstance(verdict.problem, errors.EdxmlBadValue)
    assert verdict.problem.element == "OtherInfo/Priority"
    assert verdict.reply is not None and verdict.reply.code == "02"


@pytest.mark.parametrize(
    "payload",
    [b"<edXML><unclosed>", b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", b"<html/>"],
    ids=["malformed", "hostile", "not-edxml"],
)
def test_unreadable_package_is_refused_with_no_one_to_tell(
    payload: bytes, tables: CodeTables, now: datetime
) -> None:
    verdict = assess_incoming(payload, receiver=PROVINCE, tables=tables, now=now)
    assert (verdict.outcome, verdict.reason, verdict.reply) == ("refused", "not-valid", None)
    assert isinstance(verdict.problem, errors.EdxmlProblem)
    _one_line(verdict.problem)


def test_status_about_our_document_is_accepted(tables: CodeTables, now: datetime) -> None:
    from clerk_app.interchange.assessment import about, status_reply

    doc = replace(full_document_sent_by(PROVINCE), recipients=(FINANCE,))
    reply = status_reply(about(doc), "done", receiver=FINANCE, tables=tables, now=now)
    verdict = assess_incoming(write_status(reply), receiver=PROVINCE, tables=tables, now=now)
    assert verdict.outcome == "accepted"
    assert verdict.status == reply
    assert verdict.reply is None  # statuses are not answered


def test_status_about_someone_elses_document_is_refused(tables: CodeTables, now: datetime) -> None:
    from clerk_app.interchange.assessment import about, status_reply

    doc = full_document_sent_by(HOME_AFFAIRS)
    reply = status_reply(about(doc), "arrived", receiver=FINANCE, tables=tables, now=now)
    verdict = assess_incoming(write_status(reply), receiver=PROVINCE, tables=tables, now=now)
    assert (verdict.outcome, verdict.reason) == ("refused", "wrong-recipient")


def test_status_with_an_unknown_code_is_refused(tables: CodeTables, now: datetime) -> None:
    from clerk_app.interchange.assessment import about, status_reply

    reply = status_reply(
        about(full_document_sent_by(PROVINCE)), "done", receiver=FINANCE, tables=tables, now=now
    )
    verdict = assess_incoming(
        write_status(replace(reply, code="42")), receiver=PROVINCE, tables=tables, now=now
    )
    assert verdict.outcome == "refused"
    assert isinstance(verdict.problem, errors.EdxmlBadValue)


def test_recall_is_accepted_only_before_registration() -> None:
    assert recall_reply(registered=False) == "recall_accepted"
    assert recall_reply(registered=True) == "recall_refused"


def full_document_sent_by(sender):  # type: ignore[no-untyped-def]
    from edxml_samples import full_document

    return replace(full_document(), sender=sender)
