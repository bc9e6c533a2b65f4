"""Instructions: saving routes the document, stamps Chuyển, audits; bad input is refused typed."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pymupdf
import pytest

from clerk_app import errors
from clerk_app.clock import VIETNAM
from clerk_app.instructions.records import InstructionDraft
from clerk_app.instructions.secretary import Secretary
from clerk_app.workspace import Workspace

# The fixture clock starts on Tuesday 10/03/2026.


def test_instruction_routes_stamps_and_audits(
    secretary: Secretary, workspace: Workspace, incoming: Callable[..., str]
) -> None:
    doc_id = incoming()
    saved = secretary.instruct(
        doc_id,
        InstructionDraft(
            leader="Phó Chủ tịch Trần Văn B",
            text="Giao Phòng Kinh tế chủ trì, Văn phòng phối hợp, báo cáo trước hạn.",
            lead="kt",
            co=["Van phong"],
            deadline_days=5,
        ),
    )
    info = saved.instruction
    assert info.deadline == date(2026, 3, 17)  # 5 working days after Tuesday 10/03
    assert [(a.role, a.handler, a.unit_code) for a in info.assignments] == [
        ("lead", "Phòng Kinh tế", "KT"),
        ("co", "Văn phòng", "VP"),
    ]
    detail = workspace.document(doc_id)
    assert detail.fields["recipients"] == "Phòng Kinh tế (chủ trì); Văn phòng (phối hợp)"
    assert [h.action for h in detail.history][-2:] == ["route", "file_stamped"]
    # The stamped version carries Chuyển with the handlers.
    stamped = next(f for f in detail.files if f.role == "stamped")
    assert saved.stamped_file_id == stamped.id and saved.stamp_error is None
    with pymupdf.open(stream=workspace.file_bytes(stamped.sha256)) as pdf:
        words = pdf[0].get_text()
    assert "Chuyển" in words and "Kinh tế" in words
    # Audited and queued for sync with the instruction's own entity.
    audit = [h for h in workspace.verify_audit().__dict__.items()]
    assert workspace.verify_audit().ok, audit
    assert workspace.outbox_pending() > 0
    # Found by the handler's name in search.
    assert [d.id for d in workspace.search("phoi hop van phong")] == [doc_id]


def test_instruction_without_scan_is_saved_without_a_stamp(
    secretary: Secretary, incoming: Callable[..., str]
) -> None:
    doc_id = incoming(scan=False)
    saved = secretary.instruct(
        doc_id,
        InstructionDraft("Chủ tịch", "Để biết.", "Nguyen Van Duc", deadline=date(2026, 3, 12)),
    )
    assert saved.stamped_file_id is None and saved.stamp_error is None
    assert saved.instruction.assignments[0].handler == "Nguyễn Văn Đức"
    assert saved.instruction.assignments[0].unit_code is None


@pytest.mark.parametrize(
    ("draft", "error", "fields"),
    [
        (
            InstructionDraft("Chủ tịch", "Xử lý", "KT", deadline=date(2026, 3, 9)),
            errors.DeadlineInPast,
            {"value": "2026-03-09", "today": "2026-03-10"},
        ),
        (InstructionDraft("Chủ tịch", "Xử lý", "XYZ"), errors.UnknownUnit, {"code_given": "XYZ"}),
        (
            InstructionDraft("Chủ tịch", "Xử lý", "KT", co=["Phòng Không Có"]),
            errors.UnknownHandler,
            {"name": "Phòng Không Có"},
        ),
        (InstructionDraft("", "Xử lý", "KT"), errors.MissingField, {"field": "leader"}),
    ],
)
def test_bad_instructions_are_refused(
    secretary: Secretary,
    incoming: Callable[..., str],
    workspace: Workspace,
    draft: InstructionDraft,
    error: type[errors.ClerkError],
    fields: dict[str, str],
) -> None:
    doc_id = incoming(scan=False)
    before = workspace.document(doc_id).fields["revision"]
    with pytest.raises(error) as caught:
        secretary.instruct(doc_id, draft)
    for name, value in fields.items():
        assert getattr(caught.value, name) == value
    assert str(caught.value)  # worded in Vietnamese by messages.describe
    assert workspace.document(doc_id).fields["revision"] == before
    assert secretary.instructions_for(doc_id) == []


def test_instruction_for_a_cancelled_document_is_refused(
    secretary: Secretary, workspace: Workspace, incoming: Callable[..., str]
) -> None:
    doc_id = incoming(scan=False)
    workspace.cancel(doc_id, "Đăng ký nhầm")
    with pytest.raises(errors.DocumentCancelled):
        secretary.instruct(doc_id, InstructionDraft("Chủ tịch", "Xử lý", "KT"))


@pytest.mark.parametrize(
    ("deadline", "reason", "runs_to"),
    [
        (date(2026, 4, 30), "Ngày Chiến thắng (30/4)", "2026-05-04"),
        (date(2026, 3, 15), "Chủ nhật", "2026-03-16"),
    ],
)
def test_a_deadline_on_a_day_off_is_kept_as_written_with_a_warning(
    secretary: Secretary,
    incoming: Callable[..., str],
    workspace: Workspace,
    deadline: date,
    reason: str,
    runs_to: str,
) -> None:
    doc_id = incoming(scan=False)
    saved = secretary.instruct(
        doc_id, InstructionDraft("Chủ tịch", "Xử lý", "KT", deadline=deadline)
    )
    assert saved.instruction.deadline == deadline, "the deadline the source document wrote"
    (warning,) = saved.warnings
    assert isinstance(warning, errors.DeadlineOnDayOff)
    assert (warning.reason, warning.next_working_day) == (reason, runs_to)
    assert "rơi vào ngày nghỉ" in str(warning) and "Điều 148" in str(warning)
    (journal,) = _audit(workspace, "instruction", saved.instruction.id)
    assert journal["deadline_day_off"] == reason
    # Done on the next working day is on time, in `clerk due` as everywhere.
    (item,) = secretary.due()
    secretary.complete(item.assignment_id, done_on=date.fromisoformat(runs_to))
    (done,) = secretary.due(include_done=True)
    assert done.state == "done_on_time"


def test_administrator_day_off_warns_about_a_deadline_and_moves_counts(
    secretary: Secretary, incoming: Callable[..., str]
) -> None:
    secretary.set_calendar_day(date(2026, 3, 11), "day_off", "Nghỉ bầu cử")
    assert secretary.check_deadline(date(2026, 3, 11)) == date(2026, 3, 11)
    warning = secretary.deadline_warning(date(2026, 3, 11))
    assert warning is not None and warning.reason == "Nghỉ bầu cử"
    assert warning.next_working_day == "2026-03-12"
    assert secretary.deadline_warning(date(2026, 3, 12)) is None
    assert secretary.resolve_deadline(None, 1) == date(2026, 3, 12)
    secretary.set_calendar_day(date(2026, 3, 14), "workday", "Làm bù")
    assert secretary.resolve_deadline(None, 3) == date(2026, 3, 14)  # 12, 13, Saturday 14
    assert [o.day for o in secretary.calendar_days(2026)] == [date(2026, 3, 11), date(2026, 3, 14)]
    secretary.clear_calendar_day(date(2026, 3, 11))
    assert secretary.resolve_deadline(None, 1) == date(2026, 3, 11)


def test_two_secretaries_editing_the_same_instruction(
    secretary: Secretary, workspace: Workspace, incoming: Callable[..., str], clock: object
) -> None:
    doc_id = incoming(scan=False)
    first = secretary.instruct(doc_id, InstructionDraft("Chủ tịch", "Xử lý", "KT")).instruction
    other_desk = Workspace.open(workspace.data_dir, actor="nvan2.ubnd", clock=clock)  # type: ignore[arg-type]
    try:
        second = Secretary(other_desk)
        second.revise(first.id, first.version, InstructionDraft("Chủ tịch", "Xử lý gấp", "TC"))
    finally:
        other_desk.close()
    with pytest.raises(errors.EditConflict) as caught:
        secretary.revise(first.id, first.version, InstructionDraft("Chủ tịch", "Để biết", "VP"))
    assert caught.value.changed_by == "nvan2.ubnd"
    assert (caught.value.expected_version, caught.value.current_version) == (1, 2)
    now = secretary.instruction(first.id)
    assert now.text == "Xử lý gấp" and [a.handler for a in now.assignments] == [
        "Phòng Tài chính - Kế hoạch"
    ]
    assert now.recipients == "Phòng Tài chính - Kế hoạch"
    # Seeing the change, the first secretary saves over the new version.
    redone = secretary.revise(first.id, now.version, InstructionDraft("Chủ tịch", "Để biết", "VP"))
    assert redone.instruction.version == 3


def test_delegation_is_recorded(
    secretary: Secretary, workspace: Workspace, incoming: Callable[..., str]
) -> None:
    doc_id = incoming(scan=False)
    with pytest.raises(errors.NoValidDelegation):
        secretary.instruct(doc_id, InstructionDraft("Chủ tịch", "Xử lý", "KT", on_behalf=True))
    secretary.add_delegation(
        "Chủ tịch", workspace.actor, "Giấy ủy quyền số 05/GUQ-UBND", date(2026, 3, 1)
    )
    saved = secretary.instruct(
        doc_id, InstructionDraft("chu tich", "Xử lý", "KT", on_behalf=True)
    ).instruction
    assert saved.entered_by == "nvan1.ubnd"
    assert saved.delegation_basis == "Giấy ủy quyền số 05/GUQ-UBND"
    entry = next(h for h in _audit(workspace, "instruction", saved.id))
    assert entry["delegation"]["basis"] == "Giấy ủy quyền số 05/GUQ-UBND"


def test_handwriting_page_is_attached(
    secretary: Secretary, workspace: Workspace, incoming: Callable[..., str]
) -> None:
    doc_id = incoming()
    scan = workspace.document(doc_id).files[0]
    saved = secretary.instruct(
        doc_id,
        InstructionDraft(
            "Chủ tịch", "Xử lý", "KT", handwriting_file_id=scan.id, handwriting_page=1
        ),
    ).instruction
    assert (saved.handwriting_file_id, saved.handwriting_page) == (scan.id, 1)
    other = incoming(scan=False)
    with pytest.raises(errors.UnknownFile):
        secretary.instruct(
            other, InstructionDraft("Chủ tịch", "Xử lý", "KT", handwriting_file_id=scan.id)
        )


def test_autocomplete_finds_units_and_people_without_accents(secretary: Secretary) -> None:
    assert [h.label for h in secretary.find_handlers("kinh te")] == ["Phòng Kinh tế"]
    assert secretary.find_handlers("vp")[0].code == "VP"
    people = secretary.find_handlers("duc")
    assert [(h.kind, h.label) for h in people] == [("person", "Nguyễn Văn Đức")]
    assert [h.label for h in secretary.find_handlers("truong phong")] == ["Nguyễn Văn Đức"]
    assert "Để biết." in secretary.common_instructions()


def test_follow_up_lists_and_notifications(
    secretary: Secretary, incoming: Callable[..., str], clock: object
) -> None:
    a = incoming("Văn bản A", scan=False)
    b = incoming("Văn bản B", scan=False, urgency="Hỏa tốc")
    c = incoming("Văn bản C", scan=False)
    secretary.instruct(a, InstructionDraft("Chủ tịch", "Xử lý", "KT", deadline=date(2026, 3, 20)))
    secretary.instruct(b, InstructionDraft("Chủ tịch", "Xử lý", "KT", deadline=date(2026, 3, 11)))
    done = secretary.instruct(
        c, InstructionDraft("Chủ tịch", "Xử lý", "VP", deadline=date(2026, 3, 12))
    ).instruction.assignments[0]
    secretary.complete(done.id, done.version, done_on=date(2026, 3, 13))
    # Move the clock to Monday 16/03: B (11/03) is overdue, A (20/03) is open.
    clock.now = datetime(2026, 3, 16, 8, 0, tzinfo=VIETNAM)  # type: ignore[attr-defined]
    due = secretary.due()
    assert [(i.subject, i.state) for i in due] == [("Văn bản B", "overdue"), ("Văn bản A", "open")]
    assert due[0].working_days_left == -3
    assert [i.subject for i in secretary.due("VP")] == []
    lists = secretary.follow_up()
    assert [i.subject for i in lists.done_late] == ["Văn bản C"]
    first = secretary.raise_notifications()
    assert [(n.number, n.state) for n in first] == [(2, "overdue")]
    assert secretary.raise_notifications() == []  # raised once
    clock.now += timedelta(days=2)  # type: ignore[attr-defined]  # Wednesday 18/03: A is due soon
    assert [(n.number, n.state) for n in secretary.raise_notifications()] == [(1, "due_soon")]


def test_replies_expected_to_outgoing_documents(secretary: Secretary, workspace: Workspace) -> None:
    from clerk_app.records import OutgoingDraft

    out = workspace.register_outgoing(
        OutgoingDraft(
            doc_type="Công văn",
            subject="Đề nghị báo cáo số liệu",
            signer="Trần Văn B",
            recipients="Các sở, ngành",
            unit_code="VP",
        )
    ).document.summary.id
    reply = secretary.expect_reply(out, "VP", date(2026, 3, 20))
    assert reply.kind == "reply" and reply.deadline == date(2026, 3, 20)
    assert [i.kind for i in secretary.due("VP")] == ["reply"]
    secretary.complete(reply.id, reply.version, result="Đã nhận báo cáo")
    assert secretary.due("VP") == []


def _audit(workspace: Workspace, entity: str, entity_id: str) -> list[dict[str, object]]:
    from sqlalchemy import select

    from clerk_app.storage.models import AuditEntry

    with workspace._db.read() as s:
        rows = s.execute(
            select(AuditEntry.details).where(
                AuditEntry.entity == entity, AuditEntry.entity_id == entity_id
            )
        ).scalars()
        return [json.loads(r) for r in rows]
