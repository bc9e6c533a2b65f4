"""`clerk connect`, `sync`, `sync-state`, `lease`, `draft-incoming`, `drafts`, `conflicts`,
`resolve-conflict`, `reconciliation`, `outages`, `outage-report`, `office-hours`: argument parsing only; the sync engine does the work. Passwords come from
environment variables.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any

from clerk_app.clock import iso, moment_text
from clerk_app.field_rules import DEFAULT_SERIES


def _desk(args: argparse.Namespace) -> Any:
    from clerk_app.workspace import default_data_dir
    from sync.engine import DeskSync

    return DeskSync((args.data_dir or default_data_dir()).expanduser())


def add_commands(command: Any) -> None:
    c = command("connect", cmd_connect, "Kết nối bàn làm việc với máy chủ trung tâm")
    c.add_argument("--server", required=True)
    c.add_argument("--username", required=True)
    c.add_argument("--password-env", required=True, metavar="BIẾN")
    c.add_argument("--new-password-env", metavar="BIẾN", help="mật khẩu mới (lần đăng nhập đầu)")

    c = command("login", cmd_login, "Đăng nhập lại (ngoại tuyến khi mất kết nối máy chủ)")
    c.add_argument("--password-env", required=True, metavar="BIẾN")

    command("sync", cmd_sync, "Đồng bộ với máy chủ: gửi thay đổi, nhận thay đổi")
    command(
        "sync-state", cmd_state, "Trạng thái đồng bộ: trực tuyến, ngoại tuyến, số thay đổi chờ gửi"
    )

    c = command("lease", cmd_lease, "Quyền cấp số ngoại tuyến của các sổ: xem, nhận, bàn giao")
    c.add_argument(
        "action",
        choices=("list", "acquire", "release", "revoke", "take-over"),
        help="list: bàn nào giữ sổ nào; take-over: quản trị thu hồi rồi nhận về bàn này",
    )
    c.add_argument("--book", choices=("incoming", "outgoing"))
    c.add_argument("--year", type=int)
    c.add_argument("--series", default=DEFAULT_SERIES)
    c.add_argument(
        "--lost-through",
        type=int,
        metavar="SỐ",
        help="revoke, take-over: số cuối cùng bàn bị thu hồi có thể đã ghi trên giấy (xem sổ giấy "
        "của bàn đó); máy chủ giữ các số đến số này cho bàn đó, không cấp cho ai khác",
    )

    command("drafts", cmd_drafts, "Văn bản dự thảo chờ máy chủ cấp số")
    command("conflicts", cmd_conflicts, "Xung đột đồng bộ chờ người quyết định")
    c = command("resolve-conflict", cmd_resolve_conflict, "Giải quyết một xung đột đồng bộ")
    c.add_argument("key", metavar="MÃ")
    c.add_argument(
        "--use-desk",
        action="append",
        default=[],
        metavar="TRƯỜNG",
        help="giữ giá trị của bàn này cho trường này (mặc định: giá trị trên máy chủ)",
    )
    c.add_argument("--reason", required=True)

    c = command(
        "office-hours", cmd_office_hours, "Giờ làm việc của cơ quan (tính giờ mất khi sự cố)"
    )
    c.add_argument("--morning", metavar="07:30-11:30")
    c.add_argument("--afternoon", metavar="13:00-17:00")

    c = command("draft-incoming", cmd_draft_incoming, "Văn bản đến dự thảo (chờ máy chủ cấp số)")
    c.add_argument("files", nargs="*")
    c.add_argument("--issuer", required=True)
    c.add_argument("--reference", default="")
    c.add_argument("--doc-type", required=True)
    c.add_argument("--subject", required=True)
    c.add_argument("--urgency", default="Thường")
    c.add_argument("--received-at")

    command("reconciliation", cmd_reconciliation, "Hàng đợi đối chiếu trên máy chủ")

    c = command("outages", cmd_outages, "Các lần mất kết nối máy chủ đã ghi nhận")
    c.add_argument("--office-hours", help="mặc định: giờ đã đặt bằng «clerk office-hours»")

    c = command(
        "outage-report", cmd_outage_report, "Biên bản sự cố kỹ thuật (PDF) của một lần mất kết nối"
    )
    which = c.add_mutually_exclusive_group()
    which.add_argument("--outage", type=int, metavar="MÃ")
    which.add_argument("--last", action="store_true", help="lần mất kết nối gần nhất (mặc định)")
    c.add_argument("--out", required=True, type=Path, metavar="TỆP.pdf")
    c.add_argument(
        "--office-hours",
        help="giờ làm việc trong ngày; mặc định: giờ đã đặt («clerk office-hours»)",
    )


def cmd_connect(args: argparse.Namespace) -> Any:
    from sync.engine import password_from_env

    new = password_from_env(args.new_password_env) if args.new_password_env else None
    with _desk(args) as desk:
        info = desk.connect(args.server, args.username, password_from_env(args.password_env), new)
    return (
        info,
        f"Đã kết nối {info['server']} với tài khoản {info['username']} ({info['agency']['name']}).",
    )


def cmd_login(args: argparse.Namespace) -> Any:
    from sync.engine import password_from_env

    with _desk(args) as desk:
        info = desk.login(password_from_env(args.password_env))
    how = "trực tuyến" if info["online"] else "ngoại tuyến (máy chủ không kết nối được)"
    return info, f"Đã đăng nhập {how}: {info['username']}."


def cmd_sync(args: argparse.Namespace) -> Any:
    from sync.delivery import ExchangeDesk

    with _desk(args) as desk:
        report = desk.sync()
        # What waits to be sent to other agencies goes too; the inbox fills.
        with ExchangeDesk(desk.data_dir, desk.clock, desk=desk) as exchange:
            exchange.refresh()
            waiting = exchange.pending()
    data = report.as_json() | {"exchange_waiting": waiting}
    return data, (
        f"Đã gửi {report.sent} thay đổi ({len(report.rejected)} bị từ chối hoặc chờ đối chiếu), "
        f"nhận {report.received} văn bản, {report.files_sent} tệp gửi, {report.files_received} tệp nhận."
    ) + _clock_warning(report.clock_skew_s if data["clock_wrong"] else None)


def cmd_state(args: argparse.Namespace) -> Any:
    with _desk(args) as desk:
        st = desk.state()
    data = {
        "connected": st.connected,
        "server": st.server_url,
        "username": st.username,
        "online": st.online,
        "offline_since": iso(st.offline_since),
        "waiting": st.waiting,
        "last_success_at": iso(st.last_success_at),
        "leases": st.leases,
        "drafts_waiting": st.drafts_waiting,
        "rejected": st.rejected,
        "conflicts": st.conflicts,
        "clock_skew_s": st.clock_skew_s,
        "clock_wrong": st.clock_wrong,
    }
    if not st.connected:
        return data, "Chưa kết nối máy chủ trung tâm."
    where = "trực tuyến" if st.online else f"ngoại tuyến từ {moment_text(st.offline_since)}"
    text = f"{where}; {st.waiting} thay đổi chờ gửi; {st.drafts_waiting} dự thảo chờ số."
    return data, text + _clock_warning(st.clock_skew_s if st.clock_wrong else None)


def _clock_warning(skew_s: int | None) -> str:
    from clerk_app import errors
    from clerk_app.messages import describe

    return "" if skew_s is None else "\n" + describe(errors.ClockSkewed(skew_s)).one_line()


def _office_hours(args: argparse.Namespace, data_dir: Path) -> Any:
    from clerk_app.workdays.office_hours import OfficeHours, load_office_hours

    if args.office_hours:
        return OfficeHours.parse(args.office_hours)
    return load_office_hours(data_dir)


def cmd_lease(args: argparse.Namespace) -> Any:
    from clerk_app import errors
    from clerk_app.messages import register_title
    from sync import lease_words

    if args.action != "list" and (args.book is None or args.year is None):
        raise errors.MissingField("--book" if args.book is None else "--year")
    with _desk(args) as desk:
        if args.action == "list":
            rows = desk.leases()
            lines = [lease_words.line(r) for r in rows]
            return {"leases": [r.as_json() for r in rows]}, "\n".join(lines) or "Chưa có sổ nào."
        if args.action in ("acquire", "take-over"):
            if args.action == "acquire":
                data = desk.acquire_lease(args.book, args.year, args.series)
            else:
                data = desk.take_lease(
                    args.book, args.year, args.series, force=True, lost_through=args.lost_through
                )
            name = register_title(args.book, args.series, args.year, data.get("name", ""))
            text = (
                f"Máy này đang giữ quyền cấp số «{name}» (số cuối trên máy chủ "
                f"{data['last_number']})."
            )
        else:
            revoke = args.action == "revoke"
            data = desk.release_lease(
                args.book,
                args.year,
                args.series,
                force=revoke,
                lost_through=args.lost_through if revoke else None,
            )
            name = register_title(args.book, args.series, args.year, data.get("name", ""))
            text = (
                f"Đã thu hồi quyền cấp số «{name}»; máy chủ cấp số sổ này."
                if args.action == "revoke"
                else f"Đã bàn giao quyền cấp số «{name}»; máy chủ cấp số sổ này."
            )
    return data, text


def cmd_draft_incoming(args: argparse.Namespace) -> Any:
    from datetime import datetime

    from clerk_app.records import IncomingDraft

    draft = IncomingDraft(
        issuer=args.issuer,
        reference=args.reference,
        issued_on=None,
        doc_type=args.doc_type,
        subject=args.subject,
        urgency=args.urgency,
        received_at=datetime.fromisoformat(args.received_at) if args.received_at else None,
        files=[Path(f) for f in args.files],
    )
    with _desk(args) as desk:
        draft_id = desk.draft_incoming(draft)
    return {"draft_id": draft_id, "provisional": True}, (
        f"Đã tạo văn bản đến DỰ THẢO (chưa có số; số chính thức do máy chủ cấp khi đồng bộ), mã {draft_id}."
    )


def cmd_reconciliation(args: argparse.Namespace) -> Any:
    with _desk(args) as desk, desk._client() as client:
        items = client.reconciliation()
    return {"items": items}, f"{len(items)} mục chờ đối chiếu."


def cmd_outage_report(args: argparse.Namespace) -> Any:
    from sync.outage_report import (
        hours_text,
        outage_facts,
        write_outage_report,
    )

    with _desk(args) as desk:
        hours = _office_hours(args, desk.data_dir)
        facts = outage_facts(desk, args.outage, hours, desk.clock)
        write_outage_report(facts, args.out, desk.clock())
    data = {
        "outage": facts.outage_id,
        "started_at": iso(facts.started_at),
        "ended_at": iso(facts.ended_at),
        "working_minutes_lost": int(facts.working_time_lost.total_seconds() // 60),
        "paper_mode": facts.paper_mode,
        "handled": len(facts.items),
        "urgent": len(facts.urgent),
        "out": str(args.out),
    }
    return data, (
        f"Đã lập biên bản sự cố {args.out}: mất {hours_text(facts.working_time_lost)} làm việc, "
        f"{len(facts.items)} văn bản đã xử lý, {len(facts.urgent)} văn bản khẩn cần báo cáo ngay."
    )


def cmd_outages(args: argparse.Namespace) -> Any:
    from sync.outage_report import desk_calendar, hours_text, working_time_lost

    with _desk(args) as desk:
        hours = _office_hours(args, desk.data_dir)
        calendar = desk_calendar(desk, hours)
        now = desk.clock()
        items = [
            {
                "id": o.id,
                "started_at": iso(o.started_at),
                "ended_at": iso(o.ended_at),
                "working_minutes_lost": int(
                    working_time_lost(
                        o.started_at, o.ended_at or now, hours, calendar
                    ).total_seconds()
                    // 60
                ),
            }
            for o in desk.outages()
        ]
    lines = [
        f"{i['id']}: {i['started_at']} → {i['ended_at'] or 'đang mất kết nối'}, "
        f"mất {hours_text(timedelta(minutes=i['working_minutes_lost']))} làm việc"
        for i in items
    ]
    return {"outages": items}, "\n".join(lines) or "Chưa ghi nhận lần mất kết nối nào."


def _draft_line(d: Any) -> str:
    state = {
        "waiting": "chờ gửi máy chủ",
        "provisional": "chờ cấp số (bàn khác giữ quyền cấp số)",
        "numbered": f"đã được cấp số {d.number}",
        "rejected": f"bị từ chối ({d.reason})",
    }.get(d.status, d.status)
    return f"{d.id}: {d.doc_type} — {d.subject}: {state}"


def cmd_drafts(args: argparse.Namespace) -> Any:
    with _desk(args) as desk:
        rows = desk.drafts()
    data = {
        "drafts": [
            {
                "id": d.id,
                "direction": d.direction,
                "year": d.year,
                "status": d.status,
                "number": d.number,
                "reason": d.reason,
                "created_at": iso(d.created_at),
                "doc_type": d.doc_type,
                "subject": d.subject,
            }
            for d in rows
        ]
    }
    return data, "\n".join(_draft_line(d) for d in rows) or "Không có văn bản dự thảo nào."


def cmd_conflicts(args: argparse.Namespace) -> Any:
    from sync.conflicts import list_conflicts

    with _desk(args) as desk:
        rows = list_conflicts(desk)
    lines = [
        f"{r.key}: {r.title} — "
        + "; ".join(
            f"{f.name}: bàn này «{f.desk_value}», máy chủ «{f.server_value}»" for f in r.fields
        )
        for r in rows
    ]
    return {"conflicts": [r.as_json() for r in rows]}, "\n".join(lines) or "Không có xung đột nào."


def cmd_resolve_conflict(args: argparse.Namespace) -> Any:
    from clerk_app.workspace import Workspace, default_data_dir
    from sync.conflicts import DESK, resolve

    data_dir = (args.data_dir or default_data_dir()).expanduser()
    with _desk(args) as desk, Workspace.open(data_dir) as ws:
        change = resolve(ws, desk, args.key, {name: DESK for name in args.use_desk}, args.reason)
    corrected = bool(change.document_ids)
    return {"key": args.key, "corrected": corrected}, (
        "Đã ghi đính chính; thay đổi sẽ được gửi lên máy chủ khi đồng bộ."
        if corrected
        else "Đã giữ giá trị trên máy chủ; không cần đính chính."
    )


def cmd_office_hours(args: argparse.Namespace) -> Any:
    from clerk_app.workdays.office_hours import (
        load_office_hours,
        office_hours_from,
        save_office_hours,
    )
    from clerk_app.workspace import default_data_dir

    data_dir = (args.data_dir or default_data_dir()).expanduser()
    if not data_dir.is_dir():
        from clerk_app import errors

        raise errors.NotInitialised(str(data_dir))
    hours = load_office_hours(data_dir)
    if args.morning or args.afternoon:
        hours = office_hours_from(args.morning, args.afternoon, hours)
        save_office_hours(data_dir, hours)
    return {"office_hours": hours.text()}, f"Giờ làm việc: {hours.label()}."
