"""The document's life cycle enforced by the core: each action needs its state and moves it on."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pymupdf
import pytest
from signing_pki import NOW, Pki, outgoing_draft

from clerk_app import errors, lifecycle
from clerk_app.demo import letter_pdf
from clerk_app.instructions import document_state
from clerk_app.instructions.records import InstructionDraft
from clerk_app.instructions.secretary import Secretary
from clerk_app.messages import describe
from clerk_app.records import IncomingDraft, OutgoingDraft
from clerk_app.signing import issuing
from clerk_app.signing.desk import SigningSettings, sign_for_agency
from clerk_app.workspace import Workspace


def _incoming(ws: Workspace, tmp_path: Path) -> str:
    pdf = tmp_path / "den.pdf"
    pdf.write_bytes(
        letter_pdf("Sở Tài chính", "45/STC-VP", date(2026, 3, 9), "Công văn", "Về việc quyết toán")
    )
    draft = IncomingDraft(
        issuer="Sở Tài chính",
        reference="45/STC-VP",
        issued_on=date(2026, 3, 9),
        doc_type="Công văn",
        subject="Về việc quyết toán",
        files=[pdf],
    )
    return ws.register_incoming(draft).document.summary.id


def _outgoing(ws: Workspace, tmp_path: Path, data: bytes, name: str = "qd.pdf") -> str:
    pdf = tmp_path / name
    pdf.write_bytes(data)
    draft = OutgoingDraft(
        doc_type="Quyết định",
        subject="Về việc thành lập Tổ công tác",
        signer="Nguyễn Văn Hùng",
        recipients="Như Điều 3",
        issued_on=date(2026, 3, 10),
        files=[pdf],
    )
    return ws.register_outgoing(draft).document.summary.id


def _state(ws: Workspace, document_id: str) -> str:
    return lifecycle.state_of(lifecycle.facts_of(ws.document(document_id)))


def _settings(pki: Pki, tmp_path: Path, seal_png: bytes) -> SigningSettings:
    seal = tmp_path / "dau.png"
    seal.write_bytes(seal_png)
    roots = tmp_path / "roots"
    roots.mkdir(exist_ok=True)
    (roots / "ca.der").write_bytes(pki.ca.der)
    return SigningSettings(
        pkcs11_module=pki.choice.module,
        token_label=pki.choice.token_label,
        certificate_label=pki.choice.certificate_label,
        seal_image=str(seal),
        trust_dirs=(str(roots),),
    )


def _versions(ws: Workspace, document_id: str) -> list[str]:
    return [f.role for f in ws.document(document_id).files if f.role != "ocr_text"]


def _page_text(ws: Workspace, sha256: str) -> str:
    with pymupdf.open(stream=ws.file_bytes(sha256), filetype="pdf") as doc:
        return str(doc[0].get_text())


# --- the states, from the record -------------------------------------------------------------


def test_states_follow_the_record() -> None:
    facts = lifecycle.Facts("incoming", False, frozenset({"original"}))
    assert lifecycle.state_of(facts) == lifecycle.REGISTERED
    stamped = lifecycle.Facts("incoming", False, frozenset({"original", "stamped"}))
    assert lifecycle.state_of(stamped) == lifecycle.STAMPED
    handed = lifecycle.Facts("incoming", False, frozenset({"stamped"}), handed_over=True)
    assert lifecycle.state_of(handed) == lifecycle.HANDED_OVER
    assigned = lifecycle.Facts("incoming", False, frozenset(), True, instructed=True)
    assert lifecycle.state_of(assigned) == lifecycle.INSTRUCTED
    closed = lifecycle.Facts("incoming", False, frozenset(), True, True, closed=True)
    assert lifecycle.state_of(closed) == lifecycle.CLOSED
    out = lifecycle.Facts("outgoing", False, frozenset({"original"}))
    assert lifecycle.state_of(out) == lifecycle.NUMBERED
    assert lifecycle.offered(out) == (
        lifecycle.WRITE_NUMBER,
        lifecycle.ISSUE,
        lifecycle.SIGN_ATTACHMENT,
    )
    on_file = lifecycle.Facts("outgoing", False, frozenset({"original", "numbered"}))
    assert lifecycle.offered(on_file)[:2] == (lifecycle.SIGN_AGENCY, lifecycle.ISSUE)
    issued = lifecycle.Facts("outgoing", False, frozenset({"numbered", "issued"}))
    assert lifecycle.state_of(issued) == lifecycle.ISSUED
    assert lifecycle.offered(issued) == (lifecycle.SIGN_ATTACHMENT,)
    cancelled = lifecycle.Facts("outgoing", True, frozenset({"numbered"}))
    assert lifecycle.state_of(cancelled) == lifecycle.CANCELLED


def test_incoming_moves_on_through_its_whole_cycle(workspace: Workspace, tmp_path: Path) -> None:
    doc = _incoming(workspace, tmp_path)
    assert _state(workspace, doc) == lifecycle.REGISTERED
    workspace.stamp_arrival(doc)
    assert _state(workspace, doc) == lifecycle.STAMPED
    assert workspace.document(doc).history[-1].action == "file_stamped"
    workspace.hand_over(doc, "Phòng Kinh tế")
    assert _state(workspace, doc) == lifecycle.HANDED_OVER
    secretary = Secretary(workspace)
    saved = secretary.instruct(
        doc, InstructionDraft(leader="Chủ tịch", text="Giao Phòng Kinh tế xử lý.", lead="KT")
    )
    assert document_state.state(workspace, doc) == lifecycle.INSTRUCTED
    # The routing stamp (Chuyển filled in) is still an arrival stamp on the same scan.
    assert saved.stamp_error is None
    for assignment in saved.instruction.assignments:
        secretary.complete(assignment.id)
    assert document_state.state(workspace, doc) == lifecycle.CLOSED
    workspace.correct(doc, {"notes": "Đã xử lý xong"}, "ghi chú")  # corrections still work
    assert workspace.document(doc).fields["notes"] == "Đã xử lý xong"


# --- refusals: nothing written, one Vietnamese line -------------------------------------------


def test_arrival_stamp_on_an_outgoing_document_is_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    doc = _outgoing(workspace, tmp_path, outgoing_draft())
    before = workspace.document(doc)
    with pytest.raises(errors.WrongDirection) as refused:
        workspace.stamp_arrival(doc)
    with pytest.raises(errors.WrongDirection):
        workspace.arrival_stamp_plan(doc)
    after = workspace.document(doc)
    assert after.files == before.files
    assert len(after.history) == len(before.history)
    line = describe(refused.value).one_line()
    assert "\n" not in line and "không đóng dấu ĐẾN" in line


def test_hand_over_and_instructions_on_an_outgoing_document_are_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    doc = _outgoing(workspace, tmp_path, outgoing_draft())
    before = workspace.document(doc)
    with pytest.raises(errors.WrongDirection) as refused:
        workspace.hand_over(doc, "Văn phòng")
    assert "chuyển giao bản giấy" in describe(refused.value).one_line()
    with pytest.raises(errors.WrongDirection):
        Secretary(workspace).instruct(
            doc, InstructionDraft(leader="Chủ tịch", text="Giao VP xử lý", lead="VP")
        )
    after = workspace.document(doc)
    assert after.summary.handed_over_at is None
    assert after.summary.recipients == before.summary.recipients
    assert len(after.history) == len(before.history)


def test_agency_signature_before_the_number_is_refused_before_the_pin(
    workspace: Workspace,
    pki: Pki,
    seal_png: bytes,
    leader_signed: Callable[..., bytes],
    tmp_path: Path,
) -> None:
    doc = _outgoing(workspace, tmp_path, leader_signed())
    settings = _settings(pki, tmp_path, seal_png)
    # A wrong PIN would raise TokenPinIncorrect if the token were reached at all.
    with pytest.raises(errors.WrongState) as refused:
        sign_for_agency(workspace, doc, "000000", settings, at=NOW)
    assert refused.value.state == lifecycle.NUMBERED
    assert _versions(workspace, doc) == ["original"]
    assert "chưa được ghi số, ngày" in describe(refused.value).one_line()


def test_marks_on_an_incoming_document_are_refused(workspace: Workspace, tmp_path: Path) -> None:
    doc = _incoming(workspace, tmp_path)
    with pytest.raises(errors.WrongDirection) as refused:
        issuing.write_number(workspace, doc)
    assert (
        describe(refused.value)
        .one_line()
        .startswith("Không ghi số, ngày lên văn bản trên văn bản đến.")
    )
    assert _versions(workspace, doc) == ["original"]


def test_cancelled_documents_take_no_marks_but_cancel_works_at_every_state(
    workspace: Workspace, tmp_path: Path
) -> None:
    doc = _outgoing(workspace, tmp_path, outgoing_draft())
    issuing.write_number(workspace, doc)
    workspace.correct(doc, {"subject": "Về việc thành lập Tổ công tác (sửa)"}, "gõ nhầm")
    workspace.cancel(doc, "đăng ký nhầm")
    assert _state(workspace, doc) == lifecycle.CANCELLED
    with pytest.raises(errors.ClerkError):
        issuing.write_number(workspace, doc)
    incoming = _incoming(workspace, tmp_path)
    workspace.stamp_arrival(incoming)
    workspace.cancel(incoming, "trùng")
    with pytest.raises(errors.ClerkError):
        workspace.stamp_arrival(incoming)


# --- marks from the record ---------------------------------------------------------------------


def test_number_and_date_come_from_the_register(workspace: Workspace, tmp_path: Path) -> None:
    doc = _outgoing(workspace, tmp_path, outgoing_draft())
    summary = workspace.document(doc).summary
    change = issuing.write_number(workspace, doc)
    assert change.action == "file_numbered"
    detail = workspace.document(doc)
    numbered = next(f for f in detail.files if f.role == "numbered")
    text = _page_text(workspace, numbered.sha256)
    assert f"Số: {summary.reference}" in text
    assert "ngày 10 tháng 3 năm 2026" in text
    assert detail.history[-1].action == "file_numbered"
    assert _state(workspace, doc) == lifecycle.NUMBER_ON_FILE
    with pytest.raises(errors.WrongState):
        issuing.write_number(workspace, doc)  # once only: the number is on the file


def test_issue_numbers_signs_and_stores_the_issued_version_with_one_pin(
    workspace: Workspace,
    pki: Pki,
    seal_png: bytes,
    leader_signed: Callable[..., bytes],
    tmp_path: Path,
) -> None:
    doc = _outgoing(workspace, tmp_path, leader_signed())
    settings = _settings(pki, tmp_path, seal_png)
    change = issuing.issue(workspace, doc, pki.pin, settings, at=NOW)
    assert change.action == "file_issued"
    detail = workspace.document(doc)
    assert _versions(workspace, doc) == ["original", "numbered", "issued"]
    numbered, issued = detail.files[-2:]
    assert issued.parent_id == numbered.id
    assert [h.action for h in detail.history[-2:]] == ["file_numbered", "file_issued"]
    assert _state(workspace, doc) == lifecycle.ISSUED
    out = tmp_path / "phat-hanh.pdf"
    out.write_bytes(workspace.file_bytes(issued.sha256))
    report = subprocess.run(["pdfsig", str(out)], capture_output=True, text=True).stdout
    # leader, number, date, agency seal: all valid
    assert report.count("Signature Validation: Signature is Valid.") == 4
    with pytest.raises(errors.WrongState):
        issuing.issue(workspace, doc, pki.pin, settings, at=NOW)
    workspace.cancel(doc, "thu hồi")  # cancellation still works once issued
    assert _state(workspace, doc) == lifecycle.CANCELLED


def test_issue_after_separate_steps_marks_the_signed_version(
    workspace: Workspace,
    pki: Pki,
    seal_png: bytes,
    leader_signed: Callable[..., bytes],
    tmp_path: Path,
) -> None:
    doc = _outgoing(workspace, tmp_path, leader_signed())
    settings = _settings(pki, tmp_path, seal_png)
    issuing.write_number(workspace, doc, pki.pin, settings, at=NOW)
    sign_for_agency(workspace, doc, pki.pin, settings, at=NOW)
    assert _state(workspace, doc) == lifecycle.SIGNED
    with pytest.raises(errors.WrongState):
        sign_for_agency(workspace, doc, pki.pin, settings, at=NOW)
    issuing.issue(workspace, doc, pki.pin, settings, at=NOW)
    files = workspace.document(doc).files
    assert files[-1].role == "issued" and files[-1].sha256 == files[-2].sha256


def test_issuing_an_unsigned_draft_writes_nothing(
    workspace: Workspace, pki: Pki, seal_png: bytes, tmp_path: Path
) -> None:
    doc = _outgoing(workspace, tmp_path, outgoing_draft())
    before = workspace.document(doc)
    with pytest.raises(errors.SignerSignatureMissing):
        issuing.issue(workspace, doc, pki.pin, _settings(pki, tmp_path, seal_png), at=NOW)
    after = workspace.document(doc)
    assert after.files == before.files and len(after.history) == len(before.history)


def test_a_second_number_is_refused_under_the_write_lock(
    workspace: Workspace, tmp_path: Path
) -> None:
    # As if two desk processes had both passed the check before writing: the store refuses.
    doc = _outgoing(workspace, tmp_path, outgoing_draft())
    issuing.write_number(workspace, doc)
    draft = workspace.document(doc).files[0]
    before = workspace.document(doc)
    with pytest.raises(errors.WrongState) as refused:
        workspace.add_derived_file(
            doc, draft.id, outgoing_draft(), role="numbered", filename="lan-hai.pdf"
        )
    assert refused.value.state == lifecycle.NUMBER_ON_FILE
    after = workspace.document(doc)
    assert after.files == before.files and len(after.history) == len(before.history)


def test_preview_shows_the_registers_number(workspace: Workspace, tmp_path: Path) -> None:
    doc = _outgoing(workspace, tmp_path, outgoing_draft())
    png = issuing.preview_png(workspace, doc)
    assert png.startswith(b"\x89PNG")
    assert _versions(workspace, doc) == ["original"]  # nothing stored
