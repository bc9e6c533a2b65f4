"""`clerk instruct`, `clerk due`, `clerk workdays` and the handover/task commands, end to end."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from clerk_app.cli import main
from clerk_app.clock import system_clock, vietnam_date
from clerk_app.workdays.calendar import WorkCalendar


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, Any, str]:
    code = main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    payload = json.loads(out) if out.strip().startswith(("{", "[")) else out
    return code, payload, err


def _register(capsys: pytest.CaptureFixture[str], desk: Path, subject: str) -> str:
    code, out, err = run(
        capsys,
        desk,
        "register-incoming",
        "--issuer",
        "Sở Tài chính",
        "--reference",
        "15/STC-NS",
        "--doc-type",
        "Công văn",
        "--subject",
        subject,
        "--allow-duplicate",
        "--json",
    )
    assert code == 0, err
    return str(out["id"])


def _next_holiday(cal: WorkCalendar, after: date) -> date:
    day = after + timedelta(days=1)
    while cal.is_working_day(day) or day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_instruct_and_due(capsys: pytest.CaptureFixture[str], desk: Path) -> None:
    today = vietnam_date(system_clock())
    cal = WorkCalendar()
    first = _register(capsys, desk, "Văn bản thứ nhất")
    second = _register(capsys, desk, "Văn bản thứ hai")
    code, out, err = run(
        capsys,
        desk,
        "instruct",
        first,
        "--leader",
        "Chủ tịch",
        "--text",
        "Giao Phòng Kinh tế chủ trì",
        "--lead",
        "KT",
        "--co",
        "VP",
        "--deadline-days",
        "5",
        "--json",
    )
    assert code == 0, err
    assert out["deadline"] == cal.add_working_days(today, 5).isoformat()
    assert out["recipients"] == "Phòng Kinh tế (chủ trì); Văn phòng (phối hợp)"
    assert [a["unit_code"] for a in out["assignments"]] == ["KT", "VP"]
    near = cal.add_working_days(today, 1).isoformat()
    code, out, err = run(
        capsys, desk, "instruct", second, "--leader", "Chủ tịch", "--text", "Xử lý",
        "--lead", "VP", "--deadline", near, "--json",
    )  # fmt: skip
    assert code == 0, err
    code, due, _ = run(capsys, desk, "due", "--json")
    assert [(d["number"], d["deadline"]) for d in due] == [
        (2, near),
        (1, cal.add_working_days(today, 5).isoformat()),
        (1, cal.add_working_days(today, 5).isoformat()),
    ]
    code, due_kt, _ = run(capsys, desk, "due", "--unit", "KT", "--json")
    assert [(d["number"], d["role"]) for d in due_kt] == [(1, "lead")]
    code, text, _ = run(capsys, desk, "due", "--unit", "VP")
    assert "sắp đến hạn" in text and "Văn bản thứ hai" in text


def test_bad_instructions_exit_2_with_vietnamese(
    capsys: pytest.CaptureFixture[str], desk: Path
) -> None:
    doc = _register(capsys, desk, "Văn bản")
    today = vietnam_date(system_clock())
    holiday = _next_holiday(WorkCalendar(), today)
    base = ["instruct", doc, "--leader", "Chủ tịch", "--text", "Xử lý"]
    cases = [
        (["--lead", "KT", "--deadline", "2020-01-02"], "DeadlineInPast", "đã qua"),
        (["--lead", "XYZ", "--deadline-days", "2"], "UnknownUnit", "Không có đơn vị"),
    ]
    for extra, error, words in cases:
        code, out, err = run(capsys, desk, *base, *extra, "--json")
        assert code == 2
        assert out["error"]["code"] == error
        assert words in err
    # A deadline on a holiday is accepted as written, with the warning on stderr and in JSON.
    code, out, err = run(
        capsys, desk, *base, "--lead", "KT", "--deadline", holiday.isoformat(), "--json"
    )
    assert code == 0 and out["deadline"] == holiday.isoformat()
    assert [w["code"] for w in out["warnings"]] == ["DeadlineOnDayOff"]
    assert "rơi vào ngày nghỉ" in err and "Lỗi" not in err
    run(capsys, desk, "cancel", doc, "--reason", "Nhầm", "--json")
    code, out, _ = run(capsys, desk, *base, "--lead", "KT", "--deadline-days", "1", "--json")
    assert (code, out["error"]["code"]) == (2, "DocumentCancelled")


def test_workdays(capsys: pytest.CaptureFixture[str], desk: Path, tmp_path: Path) -> None:
    code, out, _ = run(capsys, desk, "workdays", "--from", "2026-02-13", "--add", "1")
    assert (code, out.strip()) == (0, "2026-02-23")
    code, out, _ = run(capsys, desk, "workdays", "--from", "2026-04-29", "--add", "1", "--json")
    assert out == {"from": "2026-04-29", "add": 1, "date": "2026-05-04"}
    # An administrator's make-up day changes the count on this desk.
    run(capsys, desk, "calendar-day", "--date", "2026-02-14", "--kind", "workday", "--json")
    code, out, _ = run(capsys, desk, "workdays", "--from", "2026-02-13", "--add", "1")
    assert out.strip() == "2026-02-14"
    # Without a desk, the law's calendar alone.
    code, out, _ = run(capsys, tmp_path / "none", "workdays", "--from", "2026-02-13", "--add", "1")
    assert out.strip() == "2026-02-23"


def test_handover_and_tasks_commands(
    capsys: pytest.CaptureFixture[str], desk: Path, tmp_path: Path
) -> None:
    doc = _register(capsys, desk, "Văn bản giấy")
    code, entry, err = run(capsys, desk, "hand-over-paper", doc, "--to", "KT", "--json")
    assert code == 0, err
    code, signed, _ = run(capsys, desk, "sign-receipt", entry["id"], "--by", "Lê Thị Hoa", "--json")
    assert signed["signed_by"] == "Lê Thị Hoa"
    today = vietnam_date(system_clock()).isoformat()
    slip = tmp_path / "slip.pdf"
    code, out, err = run(
        capsys, desk, "handover-slip", "--from", today, "--to", today, "--out", str(slip), "--json"
    )
    assert code == 0, err
    assert out["entries"] == 1 and slip.read_bytes().startswith(b"%PDF")
    code, task, err = run(
        capsys,
        desk,
        "task-add",
        "--lead",
        "KT",
        "--content",
        "Đề án",
        "--period",
        "yearly",
        "--json",
    )
    assert code == 0, err
    code, task, _ = run(capsys, desk, "task-report", task["id"], "--done", "--json")
    assert task["status"] == "done_on_time"
    code, wrong, err = run(
        capsys,
        desk,
        "task-add",
        "--lead",
        "KT",
        "--content",
        "Không đúng",
        "--period",
        "yearly",
        "--json",
    )
    assert code == 0, err
    assert wrong["return_limit"]["rule"] == "one_working_day"
    code, back, err = run(
        capsys, desk, "task-return", wrong["id"], "--reason", "Không thuộc chức năng", "--json"
    )
    assert code == 0, err
    assert back["status"] == "returned" and back["return_limit"]["state"] == "met"
    table = tmp_path / "t.xlsx"
    code, out, _ = run(capsys, desk, "task-table", "--out", str(table), "--json")
    assert out["rows"][0]["unit_code"] == "KT" and out["rows"][0]["done_on_time"] == 1
