"""Handover log with signed receipts, assigned tasks of KH&CN 2023, and their printed tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pymupdf
import pytest
from openpyxl import load_workbook

from clerk_app import errors
from clerk_app.clock import VIETNAM
from clerk_app.instructions.handover import (
    hand_over_paper,
    hand_over_papers,
    handover_log,
    pending_paper,
    sign_receipt,
    sign_receipts,
)
from clerk_app.instructions.printing import write_handover_slip, write_task_table
from clerk_app.instructions.records import InstructionDraft, TaskDraft
from clerk_app.instructions.secretary import Secretary
from clerk_app.instructions.tasks import (
    add_task,
    monthly_table,
    next_report_due,
    report_task,
    return_task,
    tasks,
)
from clerk_app.workspace import Workspace


def test_handover_log_and_signed_receipt(
    secretary: Secretary, workspace: Workspace, incoming: Callable[..., str], tmp_path: Path
) -> None:
    doc_id = incoming("Về kế hoạch năm 2026", scan=False)
    entry = hand_over_paper(secretary, doc_id, "kinh te", copies=1, note="Bản chính")
    detail = workspace.document(doc_id)
    assert detail.fields["handed_over_to"] == "Phòng Kinh tế"
    assert workspace.pending_handover_count() == 0
    assert [
        e.id
        for e in handover_log(secretary, date(2026, 3, 10), date(2026, 3, 10), unsigned_only=True)
    ] == [entry.id]
    signed = sign_receipt(secretary, entry.id, "Nguyễn Văn Đức", entry.version)
    assert signed.signed_by == "Nguyễn Văn Đức" and signed.signed_at is not None
    assert handover_log(secretary, date(2026, 3, 10), date(2026, 3, 10), unsigned_only=True) == []
    with pytest.raises(errors.EditConflict):
        sign_receipt(secretary, entry.id, "Người khác", entry.version)
    slip = write_handover_slip(
        handover_log(secretary, date(2026, 3, 10), date(2026, 3, 10)),
        "UBND tỉnh Phú Yên",
        tmp_path / "slip.pdf",
    )
    with pymupdf.open(slip) as pdf:
        text = " ".join(pdf[0].get_text().split())
    assert "SỔ CHUYỂN GIAO VĂN BẢN ĐẾN" in text
    assert "Phòng Kinh tế" in text and "Nguyễn Văn Đức (10/03/2026)" in text
    assert workspace.verify_audit().ok


def test_pending_paper_handed_over_together_and_signed_with_the_slip_scan(
    secretary: Secretary,
    workspace: Workspace,
    incoming: Callable[..., str],
    make_pdf: Callable[..., Path],
) -> None:
    plain, urgent, unrouted = incoming("Thường"), incoming("Khẩn", urgency="Khẩn"), incoming()
    for doc in (plain, urgent):
        secretary.instruct(doc, InstructionDraft(leader="Chủ tịch", text="Xử lý", lead="KT"))
    pending = pending_paper(secretary)
    # Routed paper only, urgent first; the unrouted document waits for its instruction.
    assert [p.document_id for p in pending] == [urgent, plain]
    assert unrouted not in [p.document_id for p in pending]
    assert pending[0].recipients == "Phòng Kinh tế"
    assert pending[0].limit is not None and pending[0].limit.state == "at_risk"
    assert pending[1].limit is not None and pending[1].limit.state == "pending"
    with pytest.raises(errors.UnknownHandler):
        hand_over_papers(secretary, [plain, urgent], "Phòng Không Có")
    workspace.cancel(unrouted, "đăng ký nhầm")
    with pytest.raises(errors.ClerkError):
        hand_over_papers(secretary, [plain, unrouted], "KT")
    assert len(pending_paper(secretary)) == 2  # the first of the two is not half-recorded
    entries = hand_over_papers(secretary, [urgent, plain], "Nguyễn Văn Đức", copies=1)
    assert [e.receiver for e in entries] == ["Nguyễn Văn Đức", "Nguyễn Văn Đức"]
    assert pending_paper(secretary) == []
    slip = make_pdf("SỔ CHUYỂN GIAO", "đã ký nhận", name="phieu-da-ky.pdf")
    signed = sign_receipts(
        secretary, [(e.id, e.version) for e in entries], "Nguyễn Văn Đức", slip_scan=slip
    )
    for entry, doc in zip(signed, (urgent, plain), strict=True):
        assert entry.signed_by == "Nguyễn Văn Đức" and entry.signed_at is not None
        files = {f.id: f.filename for f in workspace.document(doc).files}
        assert files[entry.receipt_file_id or ""] == "phieu-da-ky.pdf"
    with pytest.raises(errors.EditConflict):
        sign_receipts(secretary, [(entries[0].id, entries[0].version)], "Người khác")
    assert workspace.verify_audit().ok


def test_handover_to_an_unknown_unit_or_cancelled_document(
    secretary: Secretary, workspace: Workspace, incoming: Callable[..., str]
) -> None:
    doc_id = incoming(scan=False)
    with pytest.raises(errors.UnknownUnit):
        hand_over_paper(secretary, doc_id, "ABC")
    workspace.cancel(doc_id, "Nhầm")
    with pytest.raises(errors.DocumentCancelled):
        hand_over_paper(secretary, doc_id, "KT")


def test_report_dates_follow_the_regulation() -> None:
    assert next_report_due("quarterly", date(2026, 3, 10)) == date(2026, 3, 31)
    assert next_report_due("half_yearly", date(2026, 6, 10)) == date(2026, 11, 30)
    assert next_report_due("yearly", date(2026, 12, 1)) == date(2027, 11, 30)
    assert next_report_due("", date(2026, 1, 1)) is None


def test_task_statuses_and_secret_tasks(secretary: Secretary, clock: object) -> None:
    on_time = add_task(
        secretary,
        TaskDraft(
            "KT",
            "Xây dựng đề án chuyển đổi số",
            source_reference="12/CT-TTg",
            deadline=date(2026, 3, 20),
        ),
    )
    late = add_task(
        secretary,
        TaskDraft(
            "KT", "Báo cáo tổng kết", source_reference="12/CT-TTg", deadline=date(2026, 3, 12)
        ),
    )
    secret = add_task(
        secretary,
        TaskDraft("VP", secret=True, source_reference="05/MẬT", deadline=date(2026, 3, 11)),
    )
    periodic = add_task(
        secretary, TaskDraft("TC", "Theo dõi giải ngân", co_units=["KT"], period="quarterly")
    )
    assert periodic.next_report_due == date(2026, 3, 31) and periodic.co_units == ("KT",)
    with pytest.raises(errors.SecretTaskContent):
        add_task(
            secretary, TaskDraft("VP", "nội dung mật", secret=True, deadline=date(2026, 3, 12))
        )
    # A deadline on 30/4 is kept as the superior body wrote it: it runs to Monday 04/05.
    holiday = add_task(secretary, TaskDraft("VP", "Báo cáo nhanh", deadline=date(2026, 4, 30)))
    assert holiday.deadline == date(2026, 4, 30)
    assert secretary.deadline_warning(holiday.deadline) is not None
    with pytest.raises(errors.UnknownUnit):
        add_task(secretary, TaskDraft("XX", "x", deadline=date(2026, 3, 12)))

    with pytest.raises(errors.DateInFuture):
        report_task(secretary, on_time.id, done=True, reported_on=date(2026, 3, 18))
    clock.now = datetime(2026, 3, 31, 9, 0, tzinfo=VIETNAM)  # type: ignore[attr-defined]
    report_task(secretary, on_time.id, done=True, reported_on=date(2026, 3, 18))
    with pytest.raises(errors.LateReasonMissing):
        report_task(secretary, late.id, done=True, reported_on=date(2026, 3, 16))
    report_task(
        secretary, late.id, done=True, reported_on=date(2026, 3, 16), reason="Chờ số liệu của Sở"
    )
    with pytest.raises(errors.SecretTaskContent):
        report_task(
            secretary, secret.id, done=False, note="chi tiết", reported_on=date(2026, 3, 16)
        )
    report_task(secretary, secret.id, done=False, reported_on=date(2026, 3, 16))
    report_task(
        secretary, periodic.id, done=False, reported_on=date(2026, 3, 31), period_label="Quý I/2026"
    )
    by_id = {t.id: t for t in tasks(secretary)}
    assert (
        by_id[late.id].status == "done_late" and by_id[late.id].late_reason == "Chờ số liệu của Sở"
    )
    assert by_id[secret.id].content == "" and by_id[secret.id].late_reason == ""
    assert by_id[periodic.id].next_report_due == date(2026, 6, 30)
    assert [t.id for t in tasks(secretary, "KT")] == [on_time.id, late.id]

    rows = {r.unit_code: r for r in monthly_table(secretary, date(2026, 3, 31))}
    kt, vp, tc = rows["KT"], rows["VP"], rows["TC"]
    assert (kt.documents, kt.tasks, kt.done_on_time, kt.done_late) == (1, 2, 1, 1)
    assert (vp.tasks, vp.in_progress_overdue, vp.in_progress) == (2, 1, 1)
    assert (tc.tasks, tc.in_progress) == (1, 1)
    # As of 15/03 the on-time task was not yet done and still within its deadline.
    early = {r.unit_code: r for r in monthly_table(secretary, date(2026, 3, 15))}
    assert (early["KT"].in_progress, early["KT"].in_progress_overdue) == (1, 1)
    # Done on Monday 04/05, the first working day after 30/4 and 1/5: on time, no reason asked.
    clock.now = datetime(2026, 5, 4, 9, 0, tzinfo=VIETNAM)  # type: ignore[attr-defined]
    done = report_task(secretary, holiday.id, done=True, reported_on=date(2026, 5, 4))
    assert done.status == "done_on_time"
    vp_may = monthly_table(secretary, date(2026, 5, 2))[2]  # KT, TC, VP
    assert (vp_may.in_progress, vp_may.in_progress_overdue) == (1, 1)  # 30/4's, the secret one


def test_monthly_table_as_pdf_and_xlsx(secretary: Secretary, tmp_path: Path, clock: object) -> None:
    clock.now = datetime(2026, 3, 25, 9, 0, tzinfo=VIETNAM)  # type: ignore[attr-defined]
    add_task(
        secretary,
        TaskDraft("KT", "Nhiệm vụ A", source_reference="1/NQ-CP", deadline=date(2026, 3, 12)),
    )
    t = add_task(
        secretary,
        TaskDraft("VP", "Nhiệm vụ B", source_reference="2/NQ-CP", deadline=date(2026, 3, 20)),
    )
    report_task(secretary, t.id, done=True, reported_on=date(2026, 3, 19))
    rows = monthly_table(secretary, date(2026, 3, 25))
    pdf = write_task_table(
        rows, "Ủy ban nhân dân tỉnh Phú Yên", date(2026, 3, 25), tmp_path / "t.pdf"
    )
    with pymupdf.open(pdf) as doc:
        text = " ".join(doc[0].get_text().split())
    assert "KẾT QUẢ THỰC HIỆN NHIỆM VỤ CẤP TRÊN GIAO" in text
    assert "Thời gian trích xuất báo cáo: ngày 25/03/2026" in text
    assert "Phòng Kinh tế" in text and "Văn phòng" in text and "100% đúng hạn" in text
    xlsx = write_task_table(
        rows, "Ủy ban nhân dân tỉnh Phú Yên", date(2026, 3, 25), tmp_path / "t.xlsx"
    )
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert values[0][:5] == [
        "STT",
        "Đơn vị được giao",
        "Tổng số văn bản giao nhiệm vụ",
        "Tổng số nhiệm vụ giao",
        "Đã hoàn thành",
    ]
    assert values[1][4:] == ["Đúng hạn", "Quá hạn", "Kết quả thực hiện", "Trong hạn", "Quá hạn"]
    assert values[2] == [1, "Phòng Kinh tế", 1, 1, 0, 0, None, 0, 1]
    assert values[3] == [2, "Văn phòng", 1, 1, 1, 0, "100% đúng hạn", 0, 0]
    assert values[4][1:] == ["Tổng cộng", 2, 2, 1, 0, "100% đúng hạn", 0, 1]
    with pytest.raises(errors.InvalidValue):
        write_task_table(rows, "x", date(2026, 3, 25), tmp_path / "t.csv")


def test_secret_task_journal_has_no_content(secretary: Secretary, workspace: Workspace) -> None:
    add_task(
        secretary,
        TaskDraft("VP", secret=True, source_reference="05/MẬT", deadline=date(2026, 3, 12)),
    )
    detail_words = []
    with workspace._db.read() as s:
        from sqlalchemy import select

        from clerk_app.storage.models import AuditEntry

        detail_words = (
            s.execute(select(AuditEntry.details).where(AuditEntry.entity == "assigned_task"))
            .scalars()
            .all()
        )
    assert detail_words and all('"content":""' in d for d in detail_words)


def test_a_misaddressed_task_goes_back_within_one_working_day(
    secretary: Secretary, clock: object
) -> None:
    """KH&CN 2023 art. 4: returned within 01 working day of arrival, with the reason."""
    wrong = add_task(
        secretary,
        TaskDraft(
            "KT", "Việc của bộ khác", source_reference="7/TB-VPCP", deadline=date(2026, 3, 31)
        ),
    )
    late = add_task(
        secretary,
        TaskDraft(
            "KT", "Cũng không đúng", source_reference="8/TB-VPCP", deadline=date(2026, 3, 31)
        ),
    )
    ours = add_task(
        secretary,
        TaskDraft("KT", "Việc của ta", source_reference="9/TB-VPCP", deadline=date(2026, 3, 31)),
    )
    secret = add_task(
        secretary,
        TaskDraft("VP", secret=True, source_reference="05/MẬT", deadline=date(2026, 3, 31)),
    )
    # Arrived Tuesday 10/03 08:00: may go back until the end of Wednesday.
    assert wrong.return_limit is not None
    assert wrong.return_limit.state in ("pending", "at_risk")
    assert wrong.return_limit.limit == datetime(2026, 3, 11, 17, 0, tzinfo=VIETNAM)
    with pytest.raises(errors.MissingField):
        return_task(secretary, wrong.id, "  ")
    clock.now = datetime(2026, 3, 11, 10, 0, tzinfo=VIETNAM)  # type: ignore[attr-defined]
    back = return_task(secretary, wrong.id, "Không thuộc chức năng của Sở")
    assert back.status == "returned" and back.return_limit is not None
    assert back.return_limit.state == "met" and back.returned_at is not None
    assert back.next_report_due is None and back.return_reason == "Không thuộc chức năng của Sở"
    with pytest.raises(errors.InvalidValue):
        return_task(secretary, wrong.id, "lần nữa")
    hidden = return_task(secretary, secret.id, "")  # a secret task: status only, no reason
    assert hidden.status == "returned" and hidden.late_reason == ""
    clock.now = datetime(2026, 3, 13, 9, 0, tzinfo=VIETNAM)  # type: ignore[attr-defined]
    assert next(t for t in tasks(secretary) if t.id == ours.id).return_limit is None
    slow = return_task(secretary, late.id, "Chuyển nhầm")
    assert slow.return_limit is not None and slow.return_limit.state == "breached"
    # Returned tasks are not the agency's: the monthly table counts only the one kept.
    rows = monthly_table(secretary, date(2026, 3, 31))
    assert [(r.unit_code, r.tasks) for r in rows] == [("KT", 1)]


def test_the_everyday_handover_writes_the_handover_log(
    secretary: Secretary, workspace: Workspace, incoming: Callable[..., str]
) -> None:
    """Ctrl+G and `clerk hand-over` go through Workspace.hand_over: the paper's trip must be in
    the log the office binds, for a known unit and for a receiver typed outside the lists."""
    from clerk_app.instructions.handover import handover_log

    known, outside = incoming("Về việc A"), incoming("Về việc B")
    workspace.hand_over(known, "phong kinh te")
    workspace.hand_over(outside, "Ông Trần Văn Bảo (Công an tỉnh)")
    with pytest.raises(errors.MissingField):
        workspace.hand_over(known, "  ")
    today = secretary.today()
    lines = {h.document_id: h.receiver for h in handover_log(secretary, today, today)}
    assert lines == {known: "Phòng Kinh tế", outside: "Ông Trần Văn Bảo (Công an tỉnh)"}
    assert workspace.document(known).summary.handed_over_to == "Phòng Kinh tế"
