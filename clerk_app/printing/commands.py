"""The `clerk print-register` and `clerk report` commands; argument parsing only, no layout."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from clerk_app import errors
from clerk_app.registration import parse_date
from clerk_app.workspace import Workspace


def add_commands(command: Any) -> None:
    p = command(
        "print-register",
        cmd_print_register,
        "In sổ đăng ký văn bản đến/đi (bìa, các trang sổ, danh sách số hủy) "
        "hoặc sổ chuyển giao văn bản (--book handover) ra PDF",
    )
    p.add_argument("--book", choices=["incoming", "outgoing", "handover"], required=True)
    p.add_argument(
        "--year", type=int, help="năm của sổ (sổ chuyển giao: cả năm nếu thiếu --from/--to)"
    )
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    p.add_argument("--volume", type=int, default=1, help="quyển số (mặc định 1)")
    p.add_argument("--series", help="mã sổ văn bản đi (mặc định: sổ chung)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")

    p = command(
        "report",
        cmd_report,
        "Thống kê văn bản đến/đi trong một khoảng thời gian ra PDF (có biểu đồ) hoặc XLSX",
    )
    p.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf|FILE.xlsx")


def _date(value: str | None, field: str) -> Any:
    return parse_date(value, field) if value else None


def cmd_print_register(args: argparse.Namespace) -> Any:
    from clerk_app.printing.register_pdf import print_register

    if args.out.suffix.lower() != ".pdf":
        raise errors.InvalidValue("out", str(args.out), "một tệp .pdf")
    if args.book == "handover":
        return _print_handover_log(args)
    if args.year is None:
        raise errors.MissingField("year")
    with Workspace.open(args.data_dir) as ws:
        printed = print_register(
            ws,
            args.book,
            args.year,
            args.out,
            date_from=_date(args.date_from, "date"),
            date_to=_date(args.date_to, "date"),
            volume=args.volume,
            series=args.series,
        )
    data = {
        "path": str(printed.path),
        "book": printed.kind,
        "year": printed.year,
        "series": printed.series,
        "from": printed.period.first.isoformat(),
        "to": printed.period.last.isoformat(),
        "volume": printed.volume,
        "first_page": printed.first_page,
        "last_page": printed.last_page,
        "pdf_pages": printed.pdf_pages,
        "entries": printed.entries,
        "first_number": printed.first_number,
        "last_number": printed.last_number,
        "cancelled": list(printed.cancelled),
        "voids": list(printed.voids),
        "fingerprint": printed.fingerprint,
    }
    text = (
        f"Đã in {printed.entries} văn bản (số {printed.first_number}–{printed.last_number}) "
        f"vào {printed.path}: trang {printed.first_page}–{printed.last_page} của sổ năm "
        f"{printed.year}, {printed.pdf_pages} trang PDF; SHA-256 {printed.fingerprint}."
    )
    return data, text


def _print_handover_log(args: argparse.Namespace) -> Any:
    from datetime import date

    from clerk_app.printing.handover_pdf import print_handover_log

    first = _date(args.date_from, "date")
    last = _date(args.date_to, "date")
    if args.year is not None:
        first = first or date(args.year, 1, 1)
        last = last or date(args.year, 12, 31)
    if first is None:
        raise errors.MissingField("from")
    if last is None:
        raise errors.MissingField("to")
    with Workspace.open(args.data_dir) as ws:
        printed = print_handover_log(ws.secretary, first, last, args.out, volume=args.volume)
    data = {
        "path": str(printed.path),
        "book": "handover",
        "year": printed.year,
        "from": printed.period.first.isoformat(),
        "to": printed.period.last.isoformat(),
        "volume": printed.volume,
        "first_page": printed.first_page,
        "last_page": printed.last_page,
        "pdf_pages": printed.pdf_pages,
        "entries": printed.entries,
        "fingerprint": printed.fingerprint,
    }
    text = (
        f"Đã in sổ chuyển giao từ {printed.period.first:%d/%m/%Y} đến "
        f"{printed.period.last:%d/%m/%Y}: {printed.entries} "
        f"lượt chuyển giao vào {printed.path}: trang {printed.first_page}–{printed.last_page} "
        f"của sổ năm {printed.year}, {printed.pdf_pages} trang PDF; "
        f"SHA-256 {printed.fingerprint}."
    )
    return data, text


def cmd_report(args: argparse.Namespace) -> Any:
    from clerk_app.printing.report import write_report

    suffix = args.out.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        raise errors.InvalidValue("out", str(args.out), "một tệp .pdf hoặc .xlsx")
    first = parse_date(args.date_from, "date")
    last = parse_date(args.date_to, "date")
    with Workspace.open(args.data_dir) as ws:
        stats = write_report(ws, first, last, args.out)
    data = stats.as_json() | {"path": str(args.out)}
    text = (
        f"Đã lập báo cáo thống kê từ {stats.first:%d/%m/%Y} đến {stats.last:%d/%m/%Y} vào "
        f"{args.out}: {stats.incoming.total} văn bản đến, {stats.outgoing.total} văn bản đi."
    )
    return data, text
