"""The secretary's CLI commands (instruct, due, workdays, handover, tasks); parsing only, no rules."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from clerk_app import errors
from clerk_app.clock import to_vietnam
from clerk_app.instructions.records import DueItem, InstructionDraft, InstructionInfo, TaskInfo
from clerk_app.registration import parse_date
from clerk_app.workdays.limits import LimitFlag
from clerk_app.workspace import Workspace

STATE_NAMES = {
    "overdue": "quá hạn",
    "due_soon": "sắp đến hạn",
    "open": "trong hạn",
    "done_on_time": "xong đúng hạn",
    "done_late": "xong quá hạn",
}
# The handover time limit, shown in `clerk due` when it needs the clerk's attention.
LIMIT_NAMES = {"at_risk": "sắp hết hạn chuyển", "breached": "quá hạn chuyển"}


def add_commands(command: Any) -> None:
    p = command("instruct", cmd_instruct, "Nhập ý kiến chỉ đạo (bút phê) và phân công xử lý")
    p.add_argument("id", help="mã văn bản")
    p.add_argument("--leader", required=True, help="lãnh đạo cho ý kiến")
    p.add_argument("--text", required=True, help="nội dung ý kiến chỉ đạo")
    p.add_argument("--lead", required=True, help="đơn vị (mã hoặc tên) hoặc người chủ trì")
    p.add_argument("--co", action="append", default=[], help="đơn vị, người phối hợp")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--deadline", metavar="YYYY-MM-DD")
    when.add_argument("--deadline-days", type=int, metavar="N", help="số ngày làm việc")
    p.add_argument("--on-behalf", action="store_true", help="nhập thay theo ủy quyền")
    p.add_argument("--page", type=int, help="trang có bút phê trong bản quét")

    p = command("due", cmd_due, "Văn bản được giao còn hạn, sắp đến hạn, quá hạn")
    p.add_argument("--unit", help="mã đơn vị")

    p = command("workdays", cmd_workdays, "Ngày làm việc thứ N sau một ngày")
    p.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--add", type=int, required=True, metavar="N")

    p = command("calendar-day", cmd_calendar_day, "Đặt ngày làm bù hoặc ngày nghỉ thêm trong năm")
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--kind", choices=["workday", "day_off", "clear"], required=True)
    p.add_argument("--reason", default="")

    p = command("delegate", cmd_delegate, "Ghi ủy quyền nhập ý kiến chỉ đạo thay lãnh đạo")
    p.add_argument("--leader", required=True)
    p.add_argument("--to", required=True, help="tài khoản người được ủy quyền")
    p.add_argument("--basis", required=True, help="văn bản ủy quyền")
    p.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--until", metavar="YYYY-MM-DD")

    p = command("done", cmd_done, "Ghi việc được giao đã xong (kể cả đã nhận hồi báo)")
    p.add_argument("assignment", help="mã phân công")
    p.add_argument("--on", metavar="YYYY-MM-DD")
    p.add_argument("--result", default="")

    p = command("expect-reply", cmd_expect_reply, "Theo dõi hồi báo của văn bản đi")
    p.add_argument("id", help="mã văn bản đi")
    p.add_argument("--follower", required=True, help="đơn vị hoặc người theo dõi")
    p.add_argument("--by", required=True, metavar="YYYY-MM-DD", help="hạn hồi báo")

    p = command("hand-over-paper", cmd_hand_over_paper, "Ghi sổ chuyển giao bản giấy")
    p.add_argument("id", help="mã văn bản")
    p.add_argument("--to", required=True, help="đơn vị hoặc người nhận")
    p.add_argument("--copies", type=int)
    p.add_argument("--note", default="")

    p = command("sign-receipt", cmd_sign_receipt, "Ghi ký nhận của một dòng sổ chuyển giao")
    p.add_argument("entry", help="mã dòng sổ chuyển giao")
    p.add_argument("--by", required=True, help="người ký nhận")

    p = command("handover-slip", cmd_handover_slip, "In trang sổ chuyển giao để ký nhận (PDF)")
    p.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--unsigned", action="store_true", help="chỉ các dòng chưa ký nhận")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")

    p = command("task-add", cmd_task_add, "Ghi nhiệm vụ cấp trên giao (Quy chế KH&CN 2023)")
    p.add_argument("--lead", required=True, help="mã đơn vị chủ trì")
    p.add_argument("--co", action="append", default=[])
    p.add_argument("--content", default="")
    p.add_argument("--source", help="mã văn bản giao nhiệm vụ")
    p.add_argument("--reference", default="", help="số, ký hiệu văn bản giao nhiệm vụ")
    p.add_argument("--secret", action="store_true", help="từ văn bản mật: chỉ ghi trạng thái")
    p.add_argument("--deadline", metavar="YYYY-MM-DD")
    p.add_argument("--period", choices=["quarterly", "half_yearly", "yearly"], default="")

    p = command("task-report", cmd_task_report, "Cập nhật tình hình thực hiện nhiệm vụ")
    p.add_argument("task", help="mã nhiệm vụ")
    p.add_argument("--done", action="store_true")
    p.add_argument("--reason", default="", help="lý do khi quá hạn")
    p.add_argument("--note", default="")
    p.add_argument("--on", metavar="YYYY-MM-DD")
    p.add_argument("--period-label", default="")

    p = command(
        "task-return", cmd_task_return, "Trả lại nhiệm vụ chuyển đến không đúng (01 ngày làm việc)"
    )
    p.add_argument("task", help="mã nhiệm vụ")
    p.add_argument("--reason", required=True, help="lý do trả lại")

    p = command("task-table", cmd_task_table, "Bảng kết quả thực hiện nhiệm vụ hằng tháng")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="ngày trích xuất (mặc định hôm nay)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf|FILE.xlsx")


def warnings_out(warnings: Any) -> list[dict[str, str]]:
    """Warnings of a command that went through: each on stderr, and in its JSON answer."""
    from clerk_app.messages import describe

    shown = []
    for warning in warnings:
        if warning is None:
            continue
        line = describe(warning).one_line()
        print(line, file=sys.stderr)
        shown.append({"code": warning.code, "message": line})
    return shown


def _date(value: str | None, field: str) -> date | None:
    return parse_date(value, field) if value else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def instruction_json(info: InstructionInfo) -> dict[str, Any]:
    data: dict[str, Any] = _jsonable(asdict(info))
    data["created_at"] = info.created_at.isoformat()
    data["updated_at"] = info.updated_at.isoformat()
    return data


def due_json(item: DueItem) -> dict[str, Any]:
    data: dict[str, Any] = _jsonable(asdict(item))
    data["rule"] = limit_json(item.limit)
    data.pop("limit", None)
    data["flags"] = item.flags
    return data


def _limit_mark(item: DueItem) -> str:
    state = item.limit.state if item.limit is not None else ""
    return f"  [{LIMIT_NAMES[state]}]" if state in LIMIT_NAMES else ""


def limit_json(flag: LimitFlag | None) -> dict[str, Any] | None:
    """The time limit as `clerk due --json` shows it: rule, limit (ISO, Vietnam time), state."""
    if flag is None:
        return None
    return {
        "rule": flag.rule.value,
        "started": flag.started.isoformat(),
        "limit": flag.limit.isoformat(),
        "done": to_vietnam(flag.done).isoformat() if flag.done else None,
        "state": flag.state,
    }


def task_json(task: TaskInfo) -> dict[str, Any]:
    data: dict[str, Any] = _jsonable(asdict(task))
    data["return_limit"] = limit_json(task.return_limit)
    return data


def cmd_instruct(args: argparse.Namespace) -> Any:
    with Workspace.open(args.data_dir) as ws:
        sec = ws.secretary
        handwriting = None
        if args.page is not None:
            files = [f for f in ws.document(args.id).files if f.role in ("original", "rendition")]
            handwriting = files[0].id if files else None
        saved = sec.instruct(
            args.id,
            InstructionDraft(
                leader=args.leader,
                text=args.text,
                lead=args.lead,
                co=args.co,
                deadline=_date(args.deadline, "deadline"),
                deadline_days=args.deadline_days,
                handwriting_file_id=handwriting,
                handwriting_page=args.page if handwriting else None,
                on_behalf=True if args.on_behalf else None,
            ),
        )
    info = saved.instruction
    data = instruction_json(info) | {
        "stamped_file_id": saved.stamped_file_id,
        "stamp_error": saved.stamp_error,
        "warnings": warnings_out(saved.warnings),
    }
    deadline = f", hạn {info.deadline:%d/%m/%Y}" if info.deadline else ""
    return data, f"Đã lưu ý kiến chỉ đạo; chuyển: {info.recipients}{deadline}."


def cmd_due(args: argparse.Namespace) -> Any:
    with Workspace.open(args.data_dir) as ws:
        items = ws.secretary.due(args.unit)
    text = "\n".join(
        f"{STATE_NAMES[i.state]:>12}  {i.deadline.strftime('%d/%m/%Y') if i.deadline else '':10}  "
        f"số {i.number}/{i.year}  {i.handler}  {i.subject}{_limit_mark(i)}"
        for i in items
    )
    return [due_json(i) for i in items], text or "Không có việc nào đang chờ xử lý."


def cmd_workdays(args: argparse.Namespace) -> Any:
    start = parse_date(args.start, "date")
    if args.add < 0:
        raise errors.InvalidValue("add", str(args.add), "số ngày làm việc không âm")
    try:
        ws = Workspace.open(args.data_dir)
    except errors.NotInitialised:
        # Without a desk, the law's calendar alone: no administrator overrides to apply.
        from clerk_app.workdays.calendar import WorkCalendar

        cal = WorkCalendar()
    else:
        with ws:
            cal = ws.secretary.calendar()
    day = cal.add_working_days(start, args.add)
    data = {"from": start.isoformat(), "add": args.add, "date": day.isoformat()}
    return data, day.isoformat()


def cmd_calendar_day(args: argparse.Namespace) -> Any:
    day = parse_date(args.date, "date")
    with Workspace.open(args.data_dir) as ws:
        sec = ws.secretary
        if args.kind == "clear":
            sec.clear_calendar_day(day)
        else:
            sec.set_calendar_day(day, args.kind, args.reason)
        working = sec.calendar().is_working_day(day)
    data = {"date": day.isoformat(), "working_day": working}
    return data, f"{day:%d/%m/%Y}: {'ngày làm việc' if working else 'ngày nghỉ'}."


def cmd_delegate(args: argparse.Namespace) -> Any:
    with Workspace.open(args.data_dir) as ws:
        delegation_id = ws.secretary.add_delegation(
            args.leader,
            args.to,
            args.basis,
            parse_date(args.start, "date"),
            _date(args.until, "date"),
        )
    return {"id": delegation_id}, f"Đã ghi ủy quyền của {args.leader} cho {args.to}."


def cmd_done(args: argparse.Namespace) -> Any:
    with Workspace.open(args.data_dir) as ws:
        info = ws.secretary.complete(
            args.assignment, done_on=_date(args.on, "date"), result=args.result
        )
    return _jsonable(asdict(info)), f"Đã ghi hoàn thành: {info.handler}."


def cmd_expect_reply(args: argparse.Namespace) -> Any:
    by = parse_date(args.by, "deadline")
    with Workspace.open(args.data_dir) as ws:
        sec = ws.secretary
        info = sec.expect_reply(args.id, args.follower, by)
        warnings = warnings_out([sec.deadline_warning(by)])
    data = _jsonable(asdict(info)) | {"warnings": warnings}
    return data, f"{info.handler} theo dõi hồi báo, hạn {by:%d/%m/%Y}."


def cmd_hand_over_paper(args: argparse.Namespace) -> Any:
    from clerk_app.instructions.handover import hand_over_paper

    with Workspace.open(args.data_dir) as ws:
        entry = hand_over_paper(ws.secretary, args.id, args.to, copies=args.copies, note=args.note)
    data = _jsonable(asdict(entry)) | {"handed_at": entry.handed_at.isoformat()}
    return data, f"Đã ghi sổ chuyển giao: số {entry.number} cho {entry.receiver}."


def cmd_sign_receipt(args: argparse.Namespace) -> Any:
    from clerk_app.instructions.handover import sign_receipt

    with Workspace.open(args.data_dir) as ws:
        entry = sign_receipt(ws.secretary, args.entry, args.by)
    data = _jsonable(asdict(entry)) | {
        "handed_at": entry.handed_at.isoformat(),
        "signed_at": entry.signed_at.isoformat() if entry.signed_at else None,
    }
    return data, f"Đã ghi ký nhận của {entry.signed_by}."


def cmd_handover_slip(args: argparse.Namespace) -> Any:
    from clerk_app.instructions.handover import handover_log
    from clerk_app.instructions.printing import write_handover_slip

    first, last = parse_date(args.start, "date"), parse_date(args.end, "date")
    with Workspace.open(args.data_dir) as ws:
        entries = handover_log(ws.secretary, first, last, unsigned_only=args.unsigned)
        write_handover_slip(entries, ws.agency().name, args.out)
    return {
        "path": str(args.out),
        "entries": len(entries),
    }, f"Đã in {len(entries)} dòng vào {args.out}."


def cmd_task_add(args: argparse.Namespace) -> Any:
    from clerk_app.instructions.records import TaskDraft
    from clerk_app.instructions.tasks import add_task

    with Workspace.open(args.data_dir) as ws:
        sec = ws.secretary
        task = add_task(
            sec,
            TaskDraft(
                lead_unit=args.lead,
                content=args.content,
                co_units=args.co,
                source_document_id=args.source,
                source_reference=args.reference,
                secret=args.secret,
                deadline=_date(args.deadline, "deadline"),
                period=args.period,
            ),
        )
        warnings = warnings_out([sec.deadline_warning(task.deadline)])
    data = task_json(task) | {"warnings": warnings}
    return data, f"Đã ghi nhiệm vụ giao {task.lead_unit} chủ trì."


def cmd_task_report(args: argparse.Namespace) -> Any:
    from clerk_app.instructions.tasks import report_task

    with Workspace.open(args.data_dir) as ws:
        task = report_task(
            ws.secretary,
            args.task,
            done=args.done,
            reason=args.reason,
            note=args.note,
            reported_on=_date(args.on, "date"),
            period_label=args.period_label,
        )
    return task_json(task), f"Đã cập nhật tình hình: {task.status}."


def cmd_task_return(args: argparse.Namespace) -> Any:
    from clerk_app.instructions.tasks import return_task

    with Workspace.open(args.data_dir) as ws:
        task = return_task(ws.secretary, args.task, args.reason)
    limit = task.return_limit
    late = limit is not None and limit.state == "breached"
    text = "Đã trả lại nhiệm vụ" + (
        " (quá thời hạn 01 ngày làm việc kể từ khi nhận)." if late else " trong thời hạn."
    )
    return task_json(task), text


def cmd_task_table(args: argparse.Namespace) -> Any:
    from clerk_app.instructions.printing import write_task_table
    from clerk_app.instructions.tasks import monthly_table

    with Workspace.open(args.data_dir) as ws:
        sec = ws.secretary
        as_of = _date(args.as_of, "date") or sec.today()
        rows = monthly_table(sec, as_of)
        write_task_table(rows, ws.agency().name, as_of, args.out)
    data = {"path": str(args.out), "as_of": as_of.isoformat(), "rows": [asdict(r) for r in rows]}
    return data, f"Đã ghi bảng kết quả thực hiện nhiệm vụ vào {args.out}."
