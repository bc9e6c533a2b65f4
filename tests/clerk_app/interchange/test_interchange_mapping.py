"""A registered outgoing document becomes a package, and the package registers on the receiving
desk with the same fields and byte-identical files (two real desks, real files)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pymupdf
import pytest
from edxml_samples import FINANCE, HOME_AFFAIRS, PROVINCE

from clerk_app import errors
from clerk_app.clock import VIETNAM
from clerk_app.interchange.codes import CodeTables
from clerk_app.interchange.edxml_read import read_document
from clerk_app.interchange.edxml_write import write_document
from clerk_app.interchange.mapping import (
    ELECTRONIC_CHANNEL,
    answer_ref,
    files_to_send,
    incoming_draft,
    organs_coded,
    organs_named,
    outgoing_document,
    recipient_names,
    reference_parts,
    registration_fields,
    signer_position,
)
from clerk_app.records import IncomingDraft, OutgoingDraft
from clerk_app.workspace import Workspace

DIRECTORY = (
    "organ_id,name,in_charge,email\n"
    f"{PROVINCE.organ_id},{PROVINCE.name},,\n"
    f"{FINANCE.organ_id},{FINANCE.name},{FINANCE.in_charge},\n"
    f"{HOME_AFFAIRS.organ_id},{HOME_AFFAIRS.name},{HOME_AFFAIRS.in_charge},\n"
)


def _directory(data_dir: Path) -> CodeTables:
    folder = data_dir / "interchange"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "organs.csv").write_text(DIRECTORY, encoding="utf-8")
    return CodeTables.load(data_dir)


@pytest.fixture
def finance_desk(tmp_path: Path) -> Iterator[Workspace]:
    moments = iter(datetime(2026, 3, 11, 7, 30, s, tzinfo=VIETNAM) for s in range(60))
    ws = Workspace.init(
        tmp_path / "finance",
        agency_name=FINANCE.name,
        agency_code="STC",
        parent_name=FINANCE.in_charge,
        actor="vanthu.stc",
        clock=lambda: next(moments),
    )
    try:
        yield ws
    finally:
        ws.close()


@pytest.fixture
def issued(workspace: Workspace, make_pdf: Callable[..., Path]) -> str:
    """Quyết định 01/QĐ-UBND to two departments, Khẩn, with a signed version of its PDF."""
    workspace.add_person("Nguyễn Văn Hùng", "VP", "Chủ tịch")
    pdf = make_pdf("QUYẾT ĐỊNH", "Về việc thành lập Tổ công tác", pages=2, name="qd-01.pdf")
    annex = make_pdf("Phụ lục danh sách", name="phu-luc.pdf")
    detail = workspace.register_outgoing(
        OutgoingDraft(
            doc_type="Quyết định",
            subject="Về việc thành lập Tổ công tác cải cách hành chính",
            signer="Nguyễn Văn Hùng",
            recipients="Sở Tài chính;\nSở Nội vụ",
            urgency="Khẩn",
            copies=3,
            electronic_only=True,
            files=(pdf, annex),
        )
    ).document
    original = next(f for f in detail.files if f.filename == "qd-01.pdf")
    signed = pymupdf.open(pdf)
    signed[0].insert_text((72, 300), "Đã ký số", fontsize=12)
    workspace.add_derived_file(
        detail.summary.id, original.id, signed.tobytes(), role="signed", filename="qd-01-ky.pdf"
    )
    signed.close()
    return detail.summary.id


def _package(workspace: Workspace, document_id: str, tables: CodeTables, **extra):  # type: ignore[no-untyped-def]
    detail = workspace.document(document_id)
    files = [(f, workspace.file_bytes(f.sha256)) for f in files_to_send(detail)]
    people = [(p.full_name, p.title) for p in workspace.people()]
    return outgoing_document(
        detail,
        sender=PROVINCE,
        recipients=organs_named(recipient_names(detail.summary.recipients), tables),
        files=files,
        tables=tables,
        now=datetime(2026, 3, 10, 10, 0, 0, 123456, tzinfo=VIETNAM),
        position=signer_position(detail.summary.signer, people),
        **extra,
    )


def test_only_the_newest_version_of_each_file_is_sent(workspace: Workspace, issued: str) -> None:
    detail = workspace.document(issued)
    assert [f.filename for f in files_to_send(detail)] == ["qd-01-ky.pdf", "phu-luc.pdf"]


def test_outgoing_document_to_package_and_back(
    workspace: Workspace, issued: str, data_dir: Path
) -> None:
    tables = _directory(data_dir)
    doc = _package(workspace, issued, tables, due_on=date(2026, 3, 20), place="Phú Yên")
    summary = workspace.document(issued).summary
    assert doc.document_id == f"{PROVINCE.organ_id},2026/03/10,{summary.reference}"
    assert (doc.number, doc.notation) == ("01", "QĐ-UBND")
    assert [o.organ_id for o in doc.recipients] == [FINANCE.organ_id, HOME_AFFAIRS.organ_id]
    assert doc.to_places == ("Sở Tài chính", "Sở Nội vụ")
    assert (doc.type_code, doc.type_name, doc.priority) == ("2", "Quyết định", "1")
    assert (doc.signer.full_name, doc.signer.position) == ("Nguyễn Văn Hùng", "Chủ tịch")
    assert (doc.copies, doc.business.paper) == (3, False)
    assert doc.traces[0].at.microsecond == 0

    back = read_document(write_document(doc))
    assert back == doc
    fields = registration_fields(back, tables)
    assert fields.issuer == PROVINCE.name
    assert fields.issuer_organ_id == PROVINCE.organ_id
    assert fields.reference == summary.reference
    assert fields.issued_on == summary.issued_on
    assert fields.doc_type == summary.doc_type
    assert fields.subject == summary.subject
    assert fields.urgency == summary.urgency
    assert fields.signer == summary.signer
    assert fields.deadline == date(2026, 3, 20)
    assert fields.has_paper is False


def test_package_registers_on_the_receiving_desk_unchanged(
    workspace: Workspace,
    issued: str,
    data_dir: Path,
    finance_desk: Workspace,
    tmp_path: Path,
) -> None:
    tables = _directory(data_dir)
    incoming = workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Tài chính",
            reference="45/STC-NS",
            issued_on=date(2026, 3, 2),
            doc_type="Công văn",
            subject="Về việc đề nghị thành lập Tổ công tác",
        )
    ).document
    answer = answer_ref(incoming, FINANCE)
    assert answer.document_id == f"{FINANCE.organ_id},2026/03/02,45/STC-NS"
    doc = _package(workspace, issued, tables, answers=[answer])
    received = read_document(write_document(doc))

    fields = registration_fields(received, CodeTables.load(finance_desk.data_dir))
    folder = tmp_path / "received-files"
    folder.mkdir()
    paths = []
    for a in received.attachments:
        path = folder / a.name
        path.write_bytes(a.data)
        paths.append(path)
    registered = finance_desk.register_incoming(
        incoming_draft(fields, files=paths, received_at=None)
    ).document
    sent = workspace.document(issued)
    got = registered.summary
    assert (got.issuer, got.reference, got.issued_on, got.doc_type, got.subject, got.urgency) == (
        PROVINCE.name,
        sent.summary.reference,
        sent.summary.issued_on,
        sent.summary.doc_type,
        sent.summary.subject,
        sent.summary.urgency,
    )
    assert registered.fields["source_channel"] == ELECTRONIC_CHANNEL
    assert registered.fields["has_paper"] is False
    notes = str(registered.fields["notes"])
    assert "Người ký: Chủ tịch Nguyễn Văn Hùng" in notes
    assert "Trả lời văn bản: 45/STC-NS" in notes
    sent_hashes = {f.sha256 for f in files_to_send(sent)}
    got_hashes = {f.sha256 for f in registered.files if f.role == "original"}
    assert got_hashes == sent_hashes


def test_timed_urgency_carries_its_hour(tables: CodeTables) -> None:
    from edxml_samples import full_document

    doc = replace(full_document(), priority="4", due_on=date(2026, 3, 12), due_time=time(15, 0))
    fields = registration_fields(read_document(write_document(doc)), tables)
    assert (fields.urgency, fields.timed) == ("Hỏa tốc", True)
    assert fields.urgency_time == datetime(2026, 3, 12, 15, 0, tzinfo=VIETNAM)
    draft = incoming_draft(fields, files=(), received_at=None)
    assert draft.urgency == "Hỏa tốc"
    assert "Hỏa tốc hẹn giờ: 15:00 12/03/2026" in draft.notes

    without_hour = registration_fields(replace(doc, due_time=None), tables)
    assert (without_hour.timed, without_hour.urgency_time) == (True, None)
    assert "không ghi giờ" in incoming_draft(without_hour, files=(), received_at=None).notes


def test_type_code_names_a_type_the_name_does_not(tables: CodeTables) -> None:
    from edxml_samples import full_document

    doc = replace(full_document(), type_name="QĐ", type_code="2")
    assert registration_fields(doc, tables).doc_type == "Quyết định"
    odd = replace(full_document(), type_name="Thông tư liên tịch", type_code="")
    assert registration_fields(odd, tables).doc_type == "Thông tư liên tịch"


def test_export_refusals(
    workspace: Workspace, issued: str, data_dir: Path, make_pdf: Callable[..., Path]
) -> None:
    tables = _directory(data_dir)
    incoming = workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Tài chính",
            reference="45/STC-NS",
            issued_on=date(2026, 3, 2),
            doc_type="Công văn",
            subject="Về việc X",
            files=(make_pdf("x"),),
        )
    ).document
    with pytest.raises(errors.NotExportable) as caught:
        _package(workspace, incoming.summary.id, tables)
    assert caught.value.reason == "incoming"
    bare = workspace.register_outgoing(
        OutgoingDraft(
            doc_type="Thông báo",
            subject="Về việc Y",
            signer="Nguyễn Văn Hùng",
            recipients="Sở Nội vụ",
        )
    ).document
    with pytest.raises(errors.NotExportable) as caught:
        _package(workspace, bare.summary.id, tables)
    assert caught.value.reason == "no_file"
    workspace.cancel(issued, "cấp số nhầm")
    with pytest.raises(errors.NotExportable) as caught:
        _package(workspace, issued, tables)
    assert caught.value.reason == "cancelled"


def test_recipients_not_in_the_directory_are_named(tables: CodeTables, data_dir: Path) -> None:
    with pytest.raises(errors.OrganNotInDirectory) as caught:
        organs_named(recipient_names("- Như Điều 3;\n- Lưu: VT"), tables)
    assert caught.value.name == "Như Điều 3"
    with pytest.raises(errors.OrganNotInDirectory):
        organs_coded(["000.99.99.H99"], _directory(data_dir))


def test_reference_parts() -> None:
    assert reference_parts("05/QĐ-UBND") == ("05", "QĐ-UBND")
    assert reference_parts("123/UBND-VP") == ("123", "UBND-VP")
    assert reference_parts("TB-VP") == ("", "TB-VP")
