"""`clerk send`, `delivery`, `recall`, `inbox`, `inbox-open`, `receive`, `refuse`,
`exchange-progress`, `edxml-import`: arguments and output only; sync/delivery.py does the work."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from clerk_app import messages
from clerk_app.messages import EXCHANGE_STATUS_LABELS


def _data_dir(args: argparse.Namespace) -> Path:
    from clerk_app.workspace import default_data_dir

    return Path(args.data_dir or default_data_dir()).expanduser()


def _desk(args: argparse.Namespace) -> Any:
    from sync.delivery import ExchangeDesk

    return ExchangeDesk(_data_dir(args))


def add_commands(command: Any) -> None:
    c = command("send", cmd_send, "Gửi liên thông một văn bản đi đã cấp số tới các cơ quan nhận")
    c.add_argument("id", help="mã văn bản đi")
    c.add_argument("--to", required=True, help="mã định danh (hoặc mã cơ quan), cách nhau dấu phẩy")
    c.add_argument("--replaces", metavar="ID", help="văn bản đi đã gửi mà văn bản này thay thế")
    c.add_argument(
        "--answers", action="append", default=[], metavar="ID", help="văn bản đến được trả lời"
    )

    c = command(
        "delivery", cmd_delivery, "Trạng thái văn bản đã gửi liên thông, theo từng nơi nhận"
    )
    c.add_argument("id", help="mã văn bản đi")

    c = command("recall", cmd_recall, "Lấy lại văn bản đã gửi liên thông (nơi nhận chưa tiếp nhận)")
    c.add_argument("id", help="mã văn bản đi")
    c.add_argument("--reason", required=True)

    c = command("inbox", cmd_inbox, "Văn bản đến điện tử chờ tiếp nhận")
    c.add_argument("--all", action="store_true", help="cả văn bản đã tiếp nhận, từ chối, lấy lại")

    c = command("inbox-open", cmd_open, "Mở một văn bản đến điện tử: thông tin, tệp, chữ ký số")
    c.add_argument("item", metavar="MÃ")

    c = command("receive", cmd_receive, "Tiếp nhận (đăng ký) một văn bản đến điện tử")
    c.add_argument("item", metavar="MÃ")

    c = command("refuse", cmd_refuse, "Từ chối tiếp nhận một văn bản đến điện tử")
    c.add_argument("item", metavar="MÃ")
    c.add_argument(
        "--reason",
        required=True,
        choices=("wrong-recipient", "not-valid"),
        help="wrong-recipient: gửi nhầm đơn vị nhận; not-valid: không có giá trị pháp lý",
    )

    c = command(
        "exchange-progress", cmd_progress, "Báo nơi gửi: đã phân công, đang xử lý, hoàn thành"
    )
    c.add_argument("item", metavar="MÃ")
    c.add_argument("--status", required=True, choices=("assigned", "in_progress", "done"))

    c = command("edxml-import", cmd_import, "Đưa một gói tin edXML nhận được vào hộp văn bản đến")
    c.add_argument("file", type=Path, metavar="FILE.edxml")


def _label(status: str) -> str:
    return EXCHANGE_STATUS_LABELS.get(status, status)


def cmd_send(args: argparse.Namespace) -> Any:
    from sync.delivery import send_document

    outcome = send_document(
        _data_dir(args), args.id, args.to.split(","), replaces=args.replaces, answers=args.answers
    )
    lines = [
        f"  {r['organ_id']}: {_label(r.get('status') or r['outcome'])}"
        if r["outcome"] == "delivered"
        else f"  {r['organ_id']}: {r['outcome']}"
        for r in outcome.recipients
    ]
    head = (
        "Mất kết nối máy chủ: văn bản chờ gửi, sẽ gửi khi kết nối lại."
        if outcome.queued
        else "Đã gửi liên thông:"
    )
    return outcome.as_json(), "\n".join([head, *lines])


def cmd_delivery(args: argparse.Namespace) -> Any:
    with _desk(args) as desk:
        data = desk.delivery_status(args.id)
    lines = [
        f"  {r['name'] or r['organ_id']}: {_label(r['status'])}"
        + (f" ({r['reason']})" if r["reason"] else "")
        for r in data["recipients"]
    ]
    return data, "\n".join(lines) or "Văn bản chưa gửi liên thông."


def cmd_recall(args: argparse.Namespace) -> Any:
    with _desk(args) as desk:
        data = desk.recall(args.id, args.reason)
    lines = [f"  {r['organ_id']}: {_label(r['status'])}" for r in data["recipients"]]
    return data, "\n".join(["Yêu cầu lấy lại:", *lines])


def cmd_inbox(args: argparse.Namespace) -> Any:
    with _desk(args) as desk:
        data = desk.inbox(everything=args.all)
    lines = [
        f"{it['id'][:8]}  {it['fields']['reference']}  {it['sender']['name']}: "
        f"{it['fields']['subject']} [{_label(it['status'])}]"
        + (" QUÁ HẠN 08 GIỜ" if it["overdue"] else "")
        for it in data["items"]
    ]
    if not data["online"]:
        lines.insert(0, "(ngoại tuyến: danh sách đã nhận trước đó)")
    return data, "\n".join(lines) or "Không có văn bản đến điện tử nào chờ tiếp nhận."


def cmd_open(args: argparse.Namespace) -> Any:
    with _desk(args) as desk:
        data = desk.open_item(args.item)
    sigs = data["signatures"] or []
    verdict = (
        "chữ ký số KHÔNG hợp lệ"
        if data["flag"]
        else f"{len(sigs)} chữ ký số hợp lệ"
        if sigs
        else "không có chữ ký số"
    )
    f = data["fields"]
    return data, f"{f['doc_type']} {f['reference']} của {f['issuer']}: {f['subject']} ({verdict})"


def cmd_receive(args: argparse.Namespace) -> Any:
    with _desk(args) as desk:
        data = desk.receive(args.item)
    doc = data.get("document")
    if doc is None:
        return data, messages.EXCHANGE_RECEIVED_AS_DRAFT
    return data, messages.EXCHANGE_RECEIVED.format(doc.get("arrival_number"))


def cmd_refuse(args: argparse.Namespace) -> Any:
    with _desk(args) as desk:
        data = desk.refuse(args.item, args.reason)
    return data, "Đã từ chối tiếp nhận" + ("." if data["sent"] else " (chờ gửi cho nơi gửi).")


def cmd_progress(args: argparse.Namespace) -> Any:
    with _desk(args) as desk:
        data = desk.progress(args.item, args.status)
    return data, f"Đã báo nơi gửi: {_label(args.status)}."


def cmd_import(args: argparse.Namespace) -> Any:
    from clerk_app.interchange.commands import _read_file

    data = _read_file(args.file)
    with _desk(args) as desk:
        result = desk.import_file(data)
    if "revoked" in result:
        if result["revoked"]:
            return result, "Nơi gửi thu hồi văn bản: đã lấy ra khỏi hộp văn bản đến điện tử."
        if result["item"] is None:
            return result, "Nơi gửi thu hồi một văn bản chưa đến: không có gì để lấy ra."
        return result, (
            f"Nơi gửi thu hồi văn bản, nhưng văn bản đã {_label(result['status']).lower()}: "
            "giữ lại (trả lời nơi gửi: từ chối thu hồi)."
        )
    return result, f"Đã đưa vào hộp văn bản đến điện tử: {result['item']}."
