"""The `clerk` command line: every desk use case for scripts and tests; no logic of its own."""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy.exc import DBAPIError

from clerk_app import errors
from clerk_app.clock import iso
from clerk_app.messages import describe
from clerk_app.records import DocumentDetail, DocumentSummary, IncomingDraft, OutgoingDraft
from clerk_app.registration import parse_date
from clerk_app.workspace import Workspace

_ARGPARSE_PHRASES = [
    (re.compile(r"the following arguments are required: (.*)"), r"thiếu tham số bắt buộc: \1"),
    (re.compile(r"unrecognized arguments: (.*)"), r"tham số không nhận ra: \1"),
    (
        re.compile(r"argument (\S+): invalid int value: (.*)"),
        r"tham số \1 cần một số nguyên, không phải \2",
    ),
    (
        re.compile(r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)"),
        r"tham số \1 không nhận giá trị \2 (chọn một trong: \3)",
    ),
    (re.compile(r"argument (\S+): expected one argument"), r"tham số \1 cần một giá trị"),
    (
        re.compile(r"invalid choice: (.*?) \(choose from (.*)\)"),
        r"lệnh \1 không có (chọn một trong: \2)",
    ),
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        for pattern, replacement in _ARGPARSE_PHRASES:
            if pattern.search(message):
                message = pattern.sub(replacement, message)
                break
        self.exit(2, f"Lỗi: {message}. Xem «{self.prog} --help».\n")


def summary_json(doc: DocumentSummary) -> dict[str, Any]:
    number_key = "arrival_number" if doc.direction == "incoming" else "number"
    return {
        "id": doc.id,
        "direction": doc.direction,
        number_key: doc.number,
        "year": doc.year,
        "reference": doc.reference,
        "issuer": doc.issuer,
        "subject": doc.subject,
        "doc_type": doc.doc_type,
        "urgency": doc.urgency,
        "status": doc.status,
        "received_at": iso(doc.received_at),
        "issued_on": doc.issued_on.isoformat() if doc.issued_on else None,
        "recipients": doc.recipients,
        "signer": doc.signer,
        "handed_over_at": iso(doc.handed_over_at),
    }


def detail_json(detail: DocumentDetail) -> dict[str, Any]:
    return summary_json(detail.summary) | {
        "fields": detail.fields,
        "files": [
            {
                "id": f.id,
                "sha256": f.sha256,
                "role": f.role,
                "filename": f.filename,
                "media_type": f.media_type,
                "size": f.size,
                "pages": f.pages,
                "parent_id": f.parent_id,
                "added_at": iso(f.added_at),
            }
            for f in detail.files
        ],
        "history": [
            {
                "seq": a.seq,
                "at": iso(a.at),
                "actor": a.actor,
                "station": a.station,
                "action": a.action,
                "details": a.details,
                "hash": a.hash,
            }
            for a in detail.history
        ],
    }


def _line(doc: DocumentSummary) -> str:
    mark = " [ĐÃ HỦY]" if doc.status == "cancelled" else ""
    label = "Số đến" if doc.direction == "incoming" else "Số"
    return f"{label} {doc.number_label}/{doc.year}  {doc.reference}  {doc.issuer}  — {doc.subject}{mark}"


def _open(args: argparse.Namespace) -> Workspace:
    return Workspace.open(args.data_dir)


def _date_or_none(value: str | None, field: str) -> Any:
    return parse_date(value, field) if value else None


# --- commands ------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> Any:
    with Workspace.init(
        args.data_dir,
        agency_name=args.agency_name,
        agency_code=args.agency_code,
        parent_name=args.parent_name or "",
        clerk_login=args.user or "",
    ) as ws:
        agency = ws.agency()
        regs = ws.registers()
        result = {
            "data_dir": str(ws.data_dir),
            "agency": {"name": agency.name, "code": agency.code},
            "registers": [
                {"id": r.id, "kind": r.kind, "year": r.year, "series": r.series} for r in regs
            ],
        }
    return result, f"Đã khởi tạo {result['data_dir']} cho {agency.name} ({len(regs)} sổ)."


def cmd_add_unit(args: argparse.Namespace) -> Any:
    with _open(args) as ws:
        ws.add_unit(args.code, args.name)
        unit = next(u for u in ws.units() if u.code == args.code.strip().upper())
    return {
        "id": unit.id,
        "code": unit.code,
        "name": unit.name,
    }, f"Đã thêm đơn vị {unit.code} — {unit.name}."


def cmd_add_person(args: argparse.Namespace) -> Any:
    with _open(args) as ws:
        ws.add_person(args.name, args.unit, args.title or "")
    return {
        "name": args.name,
        "unit": args.unit,
        "title": args.title or "",
    }, f"Đã thêm {args.name}."


def cmd_add_series(args: argparse.Namespace) -> Any:
    with _open(args) as ws:
        change = ws.add_series(args.year, args.code, args.name or "", args.doc_type)
        info = ws.register_info(change.register_ids[0])
    return {
        "id": info.id,
        "series": info.series,
        "year": info.year,
        "name": info.name,
    }, f"Đã mở {info.name}."


def cmd_close_year(args: argparse.Namespace) -> Any:
    with _open(args) as ws:
        change = ws.close_year(args.year)
    return {"year": args.year, "closed": list(change.register_ids)}, (
        f"Đã khóa sổ năm {args.year}: không cấp thêm số trong các sổ của năm này."
    )


def cmd_reference_clashes(args: argparse.Namespace) -> Any:
    with _open(args) as ws:
        clashes = ws.reference_clashes()
    data = [
        {
            "year": c.year,
            "reference": c.reference,
            "documents": [{"id": i, "number": n, "series": sr} for i, n, sr in c.documents],
        }
        for c in clashes
    ]
    lines = [
        f"{c.year} {c.reference}: "
        + ", ".join(f"số {n} sổ {sr} (mã {i})" for i, n, sr in c.documents)
        for c in clashes
    ]
    return data, "\n".join(lines) or "Không có số và ký hiệu nào bị trùng."


def cmd_registers(args: argparse.Namespace) -> Any:
    with _open(args) as ws:
        regs = ws.registers(args.year)
    data = [
        {
            "id": r.id,
            "kind": r.kind,
            "year": r.year,
            "series": r.series,
            "name": r.name,
            "last_number": r.last_number,
        }
        for r in regs
    ]
    return data, "\n".join(f"{r.year} {r.name} [{r.series}]: {r.last_number} số" for r in regs)


def cmd_demo(args: argparse.Namespace) -> Any:
    from clerk_app.demo import build_demo

    def report(done: int, total: int) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

    data_dir = build_demo(args.data_dir, args.documents, progress=report)
    return {
        "data_dir": str(data_dir),
        "documents": args.documents,
    }, f"Đã tạo cơ quan mẫu với {args.documents} văn bản tại {data_dir}."


def cmd_register_incoming(args: argparse.Namespace) -> Any:
    draft = IncomingDraft(
        issuer=args.issuer,
        reference=args.reference or "",
        issued_on=_date_or_none(args.issued_on, "issued_on"),
        doc_type=args.doc_type,
        subject=args.subject,
        urgency=args.urgency,
        secrecy=args.secrecy,
        pages=args.pages,
        has_paper=not args.no_paper,
        source_channel=args.source,
        recipients=args.recipients or "",
        notes=args.notes or "",
        received_at=_received_at(args.received_at),
        files=[Path(f) for f in args.files],
        allow_duplicate=args.allow_duplicate,
        late_reason=args.late_reason or "",
    )
    registered = _register(args, draft)
    if isinstance(registered, dict):
        return registered, _draft_text(registered["id"])
    return (
        detail_json(registered),
        f"Đã đăng ký văn bản đến số {registered.summary.number}/{registered.summary.year} "
        f"(mã {registered.summary.id}).",
    )


# On a desk connected to a server a registration goes through the same path as the window's:
# the server's number while it answers (whoever holds the lease), the lease holder's own when
# it does not, a draft elsewhere; numbering locally here would leave the numbers the holder
# ceded to the server unused. Named, not imported: the core does not import sync (its commands
# are loaded the same way, see COMMAND_MODULES).
CONNECTED_REGISTRATION = "sync.online"


def _register(
    args: argparse.Namespace, draft: IncomingDraft | OutgoingDraft
) -> DocumentDetail | dict[str, Any]:
    """The registered document, or (a draft waiting for the server's number) its JSON."""
    from clerk_app.workspace import default_data_dir

    data_dir = (args.data_dir or default_data_dir()).expanduser()
    online = importlib.import_module(CONNECTED_REGISTRATION)
    got = online.register_connected(data_dir, draft)
    with _open(args) as ws:
        if got is None:  # a desk on its own numbers here
            if isinstance(draft, IncomingDraft):
                return ws.register_incoming(draft).document
            return ws.register_outgoing(draft).document
        if got.number is None:
            return {"id": got.document_id, "draft": True, "number": None, "online": got.online}
        return ws.document(got.document_id)


def _draft_text(draft_id: str) -> str:
    return (
        "Đã lưu DỰ THẢO, chưa có số: máy chủ cấp số khi đồng bộ (xem «clerk drafts»); "
        f"không ghi số lên văn bản. Mã {draft_id}."
    )


def _received_at(value: str | None) -> Any:
    if not value:
        return None
    from datetime import datetime

    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise errors.InvalidDate("received_at", value) from None


def cmd_register_outgoing(args: argparse.Namespace) -> Any:
    draft = OutgoingDraft(
        doc_type=args.doc_type,
        subject=args.subject,
        signer=args.signer,
        recipients=args.recipients,
        issued_on=_date_or_none(args.date, "issued_on"),
        unit_code=args.unit,
        urgency=args.urgency,
        secrecy=args.secrecy,
        electronic_only=args.electronic_only,
        copies=args.copies,
        file_copy_holder=args.file_copy_holder or "",
        notes=args.notes or "",
        series=args.series,
        qppl=args.qppl,
        files=[Path(f) for f in args.files],
    )
    registered = _register(args, draft)
    if isinstance(registered, dict):
        return registered, _draft_text(registered["id"])
    summary = registered.summary
    return (
        detail_json(registered),
        f"Đã cấp số {summary.reference} ngày {summary.issued_on:%d/%m/%Y}.",
    )


def cmd_correct(args: argparse.Namespace) -> Any:
    changes: dict[str, object] = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            raise errors.InvalidValue("set", item, "TRƯỜNG=GIÁ_TRỊ, ví dụ subject=Về việc …")
        changes[name.strip()] = value
    with _open(args) as ws:
        ws.correct(args.id, changes, args.reason)
        detail = ws.document(args.id)
    return detail_json(detail), f"Đã sửa văn bản {args.id} (lần {detail.fields['revision']})."


def cmd_cancel(args: argparse.Namespace) -> Any:
    with _open(args) as ws:
        ws.cancel(args.id, args.reason)
        detail = ws.document(args.id)
    return (
        detail_json(detail),
        f"Đã hủy văn bản số {detail.summary.number_label}/{detail.summary.year}; số này không cấp lại.",
    )


def cmd_hand_over(args: argparse.Namespace) -> Any:
    if len(args.id) > 1:  # several to one receiver: one log line each and one slip
        from clerk_app.instructions.handover import hand_over_several
        from clerk_app.instructions.secretary import Secretary

        with _open(args) as ws:
            handed = hand_over_several(Secretary(ws), args.id, args.to)
            details = [detail_json(ws.document(d)) for d in args.id]
        return (
            {"documents": details, "slip": str(handed.slip)},
            f"Đã ghi chuyển giao {len(handed.entries)} văn bản cho {args.to}; "
            f"phiếu ký nhận: {handed.slip}",
        )
    with _open(args) as ws:
        ws.hand_over(args.id[0], args.to)
        detail = ws.document(args.id[0])
    return detail_json(detail), f"Đã ghi chuyển giao cho {args.to}."


def cmd_attach(args: argparse.Namespace) -> Any:
    with _open(args) as ws:
        ws.attach_files(args.id, [Path(f) for f in args.files])
        detail = ws.document(args.id)
    return detail_json(detail), f"Đã đính kèm {len(args.files)} tệp."


def cmd_search(args: argparse.Namespace) -> Any:
    from clerk_app.records import SearchFilters

    filters = SearchFilters(
        direction=args.direction,
        year=args.year,
        urgency=args.urgency,
        status=args.status,
        date_from=_date_or_none(args.date_from, "date"),
        date_to=_date_or_none(args.date_to, "date"),
    )
    with _open(args) as ws:
        rows = ws.search(args.query, filters, args.limit)
    return [summary_json(r) for r in rows], "\n".join(
        _line(r) for r in rows
    ) or "Không tìm thấy văn bản nào."


def cmd_list(args: argparse.Namespace) -> Any:
    with _open(args) as ws:
        reg = ws.register_for(args.book, args.year, args.series)
        rows = list(ws.iter_register(reg.id))
    return [summary_json(r) for r in rows], "\n".join(
        _line(r) for r in rows
    ) or f"{reg.name} năm {reg.year} chưa có văn bản."


def cmd_show(args: argparse.Namespace) -> Any:
    from clerk_app import lifecycle
    from clerk_app.instructions import document_state
    from clerk_app.messages import state_name

    with _open(args) as ws:
        detail, facts = document_state.read(ws, args.id)
    state = lifecycle.state_of(facts)
    lines = [_line(detail.summary), f"  trạng thái: {state_name(state)}"]
    lines += [f"  {k}: {v}" for k, v in detail.fields.items() if v not in (None, "")]
    lines += [
        f"  tệp: {f.filename} ({f.role}, {f.size} byte, {f.sha256[:12]}…)" for f in detail.files
    ]
    lines += [f"  {iso(a.at)} {a.actor}@{a.station}: {a.action}" for a in detail.history]
    return detail_json(detail) | {"state": state}, "\n".join(lines)


def cmd_pending(args: argparse.Namespace) -> Any:
    with _open(args) as ws:
        rows = ws.pending_handover(args.limit)
    return [summary_json(r) for r in rows], "\n".join(
        f"[{r.urgency}] {_line(r)}" for r in rows
    ) or "Không còn văn bản chưa chuyển giao."


def cmd_verify_audit(args: argparse.Namespace) -> Any:
    with _open(args) as ws:
        check = ws.verify_audit()
    if check.first_bad_seq is not None:
        raise errors.AuditChainBroken(check.first_bad_seq)
    if check.unaccounted:
        doc_id, number, year, problem = check.unaccounted[0]
        raise errors.AuditMissing(doc_id, number, year, problem)
    return {"entries": check.entries, "ok": True}, f"Nhật ký nguyên vẹn: {check.entries} bản ghi."


# --- parser --------------------------------------------------------------------------------


# Each area of the desk (stamping, registers in print, …) adds its commands from its own module:
# `add_commands(command)`, where `command(name, handler, help)` returns an argparse parser
# with --json already added and `handler(args) -> (json_data, text)` raising ClerkError on bad
# input. Imported lazily, so `clerk search` does not load the PDF or signing libraries.
CommandFactory = Callable[[str, Callable[[argparse.Namespace], Any], str], argparse.ArgumentParser]
COMMAND_MODULES: tuple[str, ...] = (
    "clerk_app.printing.commands",
    "clerk_app.signing.cli",
    "scanner.commands",
    "clerk_app.instructions.commands",
    "clerk_app.interchange.commands",
    "sync.commands",
    "sync.exchange_commands",
)


def version() -> str:
    """The installed desk's version (the package's metadata; the source tree's when not installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    import clerk_app

    try:
        return installed_version("clerk-desk")
    except PackageNotFoundError:
        return clerk_app.__version__


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="clerk", description="Bàn làm việc văn thư: sổ đăng ký, đăng ký, tìm kiếm."
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="thư mục dữ liệu (mặc định: CLERK_DATA_DIR)"
    )
    parser.add_argument(
        "--version", action="version", version=f"clerk-desk {version()}", help="in phiên bản"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(
        name: str, handler: Callable[[argparse.Namespace], Any], help_text: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
        p.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.set_defaults(handler=handler)
        return p

    p = command("init", cmd_init, "Khởi tạo thư mục dữ liệu và sổ của năm nay")
    p.add_argument("--agency-name", required=True)
    p.add_argument("--agency-code", required=True)
    p.add_argument("--parent-name")
    p.add_argument(
        "--user",
        metavar="TÊN",
        help="tên đăng nhập của văn thư trên bàn này (khi chưa kết nối máy chủ)",
    )

    p = command("add-unit", cmd_add_unit, "Thêm đơn vị (phòng ban)")
    p.add_argument("--code", required=True)
    p.add_argument("--name", required=True)

    p = command("add-person", cmd_add_person, "Thêm cán bộ")
    p.add_argument("--name", required=True)
    p.add_argument("--unit")
    p.add_argument("--title")

    p = command("add-series", cmd_add_series, "Mở thêm một sổ văn bản đi theo loại văn bản")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--code", required=True)
    p.add_argument("--name")
    p.add_argument("--doc-type", action="append", required=True)

    p = command("close-year", cmd_close_year, "Khóa sổ của một năm (không cấp thêm số)")
    p.add_argument("--year", type=int, required=True)

    command(
        "reference-clashes",
        cmd_reference_clashes,
        "Liệt kê văn bản đi trùng số và ký hiệu trong năm (tìm thấy khi nâng cấp dữ liệu)",
    )

    p = command("registers", cmd_registers, "Liệt kê các sổ")
    p.add_argument("--year", type=int)

    p = command("demo", cmd_demo, "Tạo cơ quan mẫu với N văn bản")
    p.add_argument("--documents", type=int, default=2000)

    p = command("register-incoming", cmd_register_incoming, "Đăng ký văn bản đến")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--issuer", required=True)
    p.add_argument("--reference")
    p.add_argument("--issued-on")
    p.add_argument("--doc-type", required=True)
    p.add_argument("--subject", required=True)
    p.add_argument("--urgency", default="Thường")
    p.add_argument("--secrecy")
    p.add_argument("--pages", type=int)
    p.add_argument("--no-paper", action="store_true", help="không có bản giấy")
    p.add_argument("--source", default="Bưu chính")
    p.add_argument("--recipients")
    p.add_argument("--notes")
    p.add_argument("--received-at", help="thời điểm đến (ISO 8601), mặc định: bây giờ")
    p.add_argument(
        "--allow-duplicate", action="store_true", help="xác nhận đăng ký lại văn bản trùng"
    )
    p.add_argument(
        "--late-reason",
        metavar="LÝ_DO",
        help="đăng ký muộn: đến trước văn bản đã đăng ký sau cùng (ghi vào Ghi chú)",
    )

    p = command("register-outgoing", cmd_register_outgoing, "Cấp số văn bản đi")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--doc-type", required=True)
    p.add_argument("--subject", required=True)
    p.add_argument("--signer", required=True)
    p.add_argument("--recipients", required=True)
    p.add_argument("--unit")
    p.add_argument("--date")
    p.add_argument("--urgency", default="Thường")
    p.add_argument("--secrecy")
    p.add_argument("--electronic-only", action="store_true")
    p.add_argument("--copies", type=int, default=1)
    p.add_argument("--file-copy-holder")
    p.add_argument("--notes")
    p.add_argument("--series")
    p.add_argument(
        "--qppl",
        action="store_true",
        help="văn bản quy phạm pháp luật: sổ riêng, năm trong số (11/2026/QĐ-UBND)",
    )

    p = command("correct", cmd_correct, "Sửa thông tin đăng ký (ghi nhật ký, giữ nguyên số)")
    p.add_argument("id")
    p.add_argument("--set", action="append", required=True, metavar="TRƯỜNG=GIÁ_TRỊ")
    p.add_argument("--reason", required=True)

    p = command("cancel", cmd_cancel, "Hủy đăng ký (số không được cấp lại)")
    p.add_argument("id")
    p.add_argument("--reason", required=True)

    p = command("hand-over", cmd_hand_over, "Ghi chuyển giao văn bản (một hay nhiều văn bản)")
    p.add_argument("id", nargs="+")
    p.add_argument("--to", required=True)

    p = command("attach", cmd_attach, "Đính kèm tệp vào văn bản")
    p.add_argument("id")
    p.add_argument("files", nargs="+", metavar="FILE")

    p = command("search", cmd_search, "Tìm văn bản (không phân biệt dấu)")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--direction", choices=["incoming", "outgoing"])
    p.add_argument("--year", type=int)
    p.add_argument("--urgency")
    p.add_argument("--status", choices=["registered", "cancelled"])
    p.add_argument("--from", dest="date_from")
    p.add_argument("--to", dest="date_to")

    p = command("list", cmd_list, "In các văn bản của một sổ theo thứ tự số")
    p.add_argument("--book", choices=["incoming", "outgoing"], required=True)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--series")

    p = command("show", cmd_show, "Xem một văn bản, tệp và lịch sử")
    p.add_argument("id")

    p = command("pending", cmd_pending, "Văn bản đến chưa chuyển giao (khẩn trước)")
    p.add_argument("--limit", type=int, default=200)

    command("verify-audit", cmd_verify_audit, "Kiểm tra chuỗi nhật ký thay đổi")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_commands(command)
    return parser


def _utf8_output() -> None:
    """Print Vietnamese as UTF-8 when the output is a pipe or file whose locale would not hold it
    (a Windows pipe is cp1252 and `Đ` would crash the command); a console already takes it."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    _utf8_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        try:
            data, text_out = args.handler(args)
        except DBAPIError as failure:
            # The database failed under a command (pages damaged after the opening check, a
            # lock held past the timeout): the same one line as at opening, no traceback.
            from clerk_app.storage.database import DB_FILENAME, storage_error
            from clerk_app.workspace import default_data_dir

            db_path = (getattr(args, "data_dir", None) or default_data_dir()) / DB_FILENAME
            raise storage_error(failure, db_path) from failure
    except errors.ClerkError as exc:
        message = describe(exc)
        print(f"Lỗi: {message.one_line()}", file=sys.stderr)
        if getattr(args, "json", False):
            fields = {k: v for k, v in vars(exc).items() if not k.startswith("_")}
            print(
                json.dumps(
                    {"error": {"code": exc.code, "message": message.one_line(), "fields": fields}},
                    ensure_ascii=False,
                    default=str,
                )
            )
        return 2
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu.", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print(text_out)
    return 0
