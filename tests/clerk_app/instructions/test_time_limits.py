"""The handover time limits flagged on the follow-up lists and in `clerk due --json`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from clerk_app.clock import VIETNAM
from clerk_app.instructions.handover import hand_over_paper
from clerk_app.instructions.records import InstructionDraft
from clerk_app.instructions.secretary import SYSTEM_CHANNEL, Secretary
from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace
from tests.clerk_app.instructions.test_instruction_cli import _register, run

# The fixture clock starts on Tuesday 10/03/2026 08:00; documents arrive at 07:45 that day.


def _instruct(secretary: Secretary, doc_id: str) -> None:
    secretary.instruct(
        doc_id, InstructionDraft(leader="Chủ tịch", text="Xử lý", lead="KT", deadline_days=5)
    )


def test_paper_limit_breached_across_the_weekend_then_met_when_on_time(
    secretary: Secretary, incoming: Callable[..., str], clock: object
) -> None:
    late, prompt = incoming("Chậm chuyển"), incoming("Chuyển kịp")
    _instruct(secretary, late)
    _instruct(secretary, prompt)
    hand_over_paper(secretary, prompt, "KT")  # Tuesday morning, at once
    (item_late,) = [i for i in secretary.due() if i.document_id == late]
    assert item_late.limit is not None
    assert item_late.limit.rule.value == "same_or_next_working_day"
    assert item_late.limit.limit == datetime(2026, 3, 11, 17, 0, tzinfo=VIETNAM)
    assert item_late.limit.state == "pending"
    clock.now = datetime(2026, 3, 11, 14, 0, tzinfo=VIETNAM)  # type: ignore[attr-defined]
    states = {i.document_id: i.limit.state for i in secretary.due()}  # type: ignore[union-attr]
    assert states == {late: "at_risk", prompt: "met"}
    clock.now = datetime(2026, 3, 14, 10, 0, tzinfo=VIETNAM)  # type: ignore[attr-defined]  # Saturday
    states = {i.document_id: i.limit.state for i in secretary.due()}  # type: ignore[union-attr]
    assert states == {late: "breached", prompt: "met"}
    flags = {i.document_id: i.flags for i in secretary.follow_up().due_soon}
    assert flags[late] == ["due_soon", "same_or_next_working_day:breached"]


def test_system_documents_have_eight_working_hours_met_by_routing(
    secretary: Secretary, workspace: Workspace, clock: object
) -> None:
    friday = datetime(2026, 3, 13, 15, 0, tzinfo=VIETNAM)
    clock.now = friday  # type: ignore[attr-defined]
    ids = [
        workspace.register_incoming(
            IncomingDraft(
                issuer="Sở Nội vụ",
                reference=f"{n}/SNV",
                issued_on=None,
                doc_type="Công văn",
                subject="Văn bản điện tử",
                source_channel=SYSTEM_CHANNEL,
                received_at=friday,
                urgency=urgency,
            )
        ).document.summary.id
        for n, urgency in ((7, "Thường"), (8, "Khẩn"))
    ]
    clock.now = datetime(2026, 3, 16, 9, 0, tzinfo=VIETNAM)  # type: ignore[attr-defined]
    for doc_id in ids:
        _instruct(secretary, doc_id)  # routed on Monday morning
    item, urgent = sorted(secretary.due(), key=lambda i: i.number)
    assert item.limit is not None
    assert item.limit.rule.value == "eight_working_hours"
    # 2 h on Friday, 4 h Monday morning, 2 h Monday afternoon: 15:00 Monday.
    assert item.limit.limit == datetime(2026, 3, 16, 15, 0, tzinfo=VIETNAM)
    assert item.limit.state == "met"
    # The Khẩn one was due within the working hour after it came: 16:00 on Friday.
    assert urgent.limit is not None and urgent.limit.rule.value == "immediately"
    assert urgent.limit.limit == datetime(2026, 3, 13, 16, 0, tzinfo=VIETNAM)
    assert urgent.flags[-1] == "immediately:breached"


def test_due_json_carries_rule_and_flags(capsys: pytest.CaptureFixture[str], desk: Path) -> None:
    code, out, err = run(
        capsys, desk, "register-incoming", "--issuer", "Sở Tài chính", "--reference", "9/STC",
        "--doc-type", "Công văn", "--subject", "Đến từ tháng Ba",
        "--received-at", "2026-03-10T08:00:00+07:00", "--json",
    )  # fmt: skip
    assert code == 0, err
    old = str(out["id"])
    fresh = _register(capsys, desk, "Đến hôm nay")
    for doc in (old, fresh):
        code, _, err = run(
            capsys, desk, "instruct", doc, "--leader", "Chủ tịch", "--text", "Xử lý",
            "--lead", "KT", "--deadline-days", "3", "--json",
        )  # fmt: skip
        assert code == 0, err
    code, _, err = run(capsys, desk, "hand-over-paper", fresh, "--to", "KT", "--json")
    assert code == 0, err
    code, due, err = run(capsys, desk, "due", "--json")
    assert code == 0, err
    by_id = {d["document_id"]: d for d in due}
    assert by_id[fresh]["rule"]["rule"] == "same_or_next_working_day"
    assert by_id[fresh]["rule"]["state"] == "met"
    assert by_id[fresh]["rule"]["done"] is not None
    assert by_id[old]["rule"]["limit"] == "2026-03-11T17:00:00+07:00"
    assert by_id[old]["rule"]["state"] == "breached"
    assert "same_or_next_working_day:breached" in by_id[old]["flags"]
    code, text, _ = run(capsys, desk, "due")
    assert code == 0
    (line,) = [ln for ln in text.splitlines() if "Đến từ tháng Ba" in ln]
    assert line.endswith("[quá hạn chuyển]")


def test_working_hours_follow_the_desk_office_hours_setting(
    secretary: Secretary, workspace: Workspace, clock: object
) -> None:
    from clerk_app.workdays.office_hours import OfficeHours, save_office_hours

    save_office_hours(workspace.data_dir, OfficeHours.parse("07:30-11:30,13:30-16:30"))
    friday = datetime(2026, 3, 13, 15, 0, tzinfo=VIETNAM)
    clock.now = friday  # type: ignore[attr-defined]
    doc_id = workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Nội vụ",
            reference="8/SNV",
            issued_on=None,
            doc_type="Công văn",
            subject="Văn bản điện tử",
            source_channel=SYSTEM_CHANNEL,
            received_at=friday,
        )
    ).document.summary.id
    clock.now = datetime(2026, 3, 16, 9, 0, tzinfo=VIETNAM)  # type: ignore[attr-defined]
    _instruct(secretary, doc_id)
    (item,) = secretary.due()
    assert item.limit is not None
    # A 7-hour day: 1 h 30 on Friday, 4 h Monday morning, 2 h 30 Monday afternoon → 16:00.
    assert item.limit.limit == datetime(2026, 3, 16, 16, 0, tzinfo=VIETNAM)
