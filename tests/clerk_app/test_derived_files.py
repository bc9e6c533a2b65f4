"""Stamped and signed versions of a document's files: new rows, the original untouched."""

from __future__ import annotations

import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pymupdf
import pytest

from clerk_app import errors
from clerk_app.demo import letter_pdf
from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace


def _register_letter(workspace: Workspace, tmp_path: Path) -> str:
    pdf = tmp_path / "cong-van.pdf"
    pdf.write_bytes(
        letter_pdf(
            "Sở Tài chính tỉnh Phú Yên",
            "45/STC-VP",
            date(2026, 3, 9),
            "Công văn",
            "Về việc quyết toán",
        )
    )
    draft = IncomingDraft(
        issuer="Sở Tài chính tỉnh Phú Yên",
        reference="45/STC-VP",
        issued_on=date(2026, 3, 9),
        doc_type="Công văn",
        subject="Về việc quyết toán",
        recipients="Phòng Kinh tế",
        files=[pdf],
    )
    return workspace.register_incoming(draft).document.summary.id


def test_arrival_stamp_makes_a_new_version_and_keeps_the_scan(
    workspace: Workspace, tmp_path: Path
) -> None:
    doc_id = _register_letter(workspace, tmp_path)
    original = workspace.document(doc_id).files[0]
    before = workspace.file_bytes(original.sha256)
    change = workspace.stamp_arrival(doc_id)
    assert change.action == "file_stamped"
    detail = workspace.document(doc_id)
    stamped = next(f for f in detail.files if f.role == "stamped")
    assert stamped.parent_id == original.id
    assert workspace.file_bytes(original.sha256) == before
    assert detail.history[-1].action == "file_stamped"
    assert detail.history[-1].details["parent_id"] == original.id
    data = workspace.file_bytes(stamped.sha256)
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        text = doc[0].get_text()
    # The stamp's lines come after the letter's; the agency name wraps beside the QR code.
    stamp_text = text[text.index("ỦY BAN NHÂN DÂN") :]
    assert unicodedata.is_normalized("NFC", stamp_text)
    lines = stamp_text.split("\n")
    assert " ".join(lines[: lines.index("ĐẾN")]) == "ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN"
    for expected in ("Số: 1", "Ngày: 10/03/2026", "Chuyển: Phòng Kinh tế"):
        assert expected in lines
    path = tmp_path / "stamped.pdf"
    path.write_bytes(data)
    assert (
        subprocess.run(["qpdf", "--check", str(path)], capture_output=True, check=False).returncode
        == 0
    )
    assert workspace.verify_audit().ok


def test_derived_file_must_belong_to_the_document(workspace: Workspace, tmp_path: Path) -> None:
    first = _register_letter(workspace, tmp_path)
    second = workspace.register_incoming(
        IncomingDraft(issuer="A", reference="1/A", issued_on=None, doc_type="Công văn", subject="B")
    ).document.summary.id
    parent = workspace.document(first).files[0]
    pdf = workspace.file_bytes(parent.sha256)
    with pytest.raises(errors.UnknownFile):
        workspace.add_derived_file(second, parent.id, pdf, role="stamped", filename="x.pdf")
    with pytest.raises(errors.InvalidValue):
        workspace.add_derived_file(first, parent.id, pdf, role="edited", filename="x.pdf")
    with pytest.raises(errors.FileCorrupt):
        workspace.add_derived_file(
            first, parent.id, b"%PDF-1.7 broken", role="signed", filename="x.pdf"
        )
    with pytest.raises(errors.NothingToStamp):
        workspace.stamp_arrival(second)
    assert [f.role for f in workspace.document(first).files] == ["original", "ocr_text"]


def test_ocr_text_joins_the_search_and_survives_corrections(
    workspace: Workspace, tmp_path: Path
) -> None:
    doc_id = _register_letter(workspace, tmp_path)
    scan = workspace.document(doc_id).files[0]
    assert workspace.search("tang cuong phong chay") == []
    read = "Đề nghị tăng cường phòng cháy, chữa cháy mùa khô"
    workspace.set_ocr_text(doc_id, scan.id, read)
    assert [d.id for d in workspace.search("tang cuong phong chay")] == [doc_id]
    workspace.correct(doc_id, {"notes": "đã gọi điện"}, "bổ sung")
    assert [d.id for d in workspace.search("phong chay")] == [doc_id]
    assert [d.id for d in workspace.search("da goi dien")] == [doc_id]
    detail = workspace.document(doc_id)
    text_file = [f for f in detail.files if f.role == "ocr_text"][-1]
    assert text_file.parent_id == scan.id
    assert workspace.file_bytes(text_file.sha256).decode() == read
    entry = [h for h in detail.history if h.action == "ocr_text_set"][-1]
    assert entry.details["characters"] == len(read)
    assert "text" not in entry.details
    assert workspace.verify_audit().ok


def test_text_inside_an_attached_pdf_is_searchable(workspace: Workspace, make_pdf) -> None:
    pdf = make_pdf("Kinh gui: So Tai chinh", "De nghi bo sung kinh phi phong chong lut bao")
    doc = workspace.register_incoming(
        IncomingDraft(
            issuer="UBND huyện",
            reference="7/UBND",
            issued_on=None,
            doc_type="Công văn",
            subject="Về việc kinh phí",
            files=[pdf],
        )
    ).document
    assert [d.id for d in workspace.search("phong chong lut bao")] == [doc.summary.id]
    assert [f.role for f in doc.files] == ["original", "ocr_text"]
