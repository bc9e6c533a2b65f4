"""`clerk scan` and `clerk extract`: the scanning desk on the command line; no logic of its own."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clerk_app import errors
from clerk_app.cli import CommandFactory
from clerk_app.workspace import default_data_dir
from scanner.driver import MODES, SOURCES, ScanSettings

if TYPE_CHECKING:
    from scanner.compact_pdf import Encoding


def _recovery_root(args: argparse.Namespace) -> Path:
    return (getattr(args, "data_dir", None) or default_data_dir()) / "scan-recovery"


def _known_issuers(data_dir: Path) -> tuple[str, ...]:
    """The issuers the desk in `data_dir` has registered; none when there is no desk there yet."""
    from clerk_app.workspace import Workspace

    try:
        with Workspace.open(data_dir) as ws:
            return ws.known_issuers()
    except errors.NotInitialised:
        return ()  # reading a page needs no desk: the shipped agency list still applies


def cmd_extract(args: argparse.Namespace) -> Any:
    from PIL import Image

    from clerk_app.reading.reader import read_document
    from scanner.cleanup import check_page

    path = Path(args.file)
    data_dir = getattr(args, "data_dir", None) or default_data_dir()

    def clean(image: Image.Image, dpi: int) -> tuple[Image.Image, bool]:
        cleaned, check = check_page(image, dpi, turn=not args.no_turn)
        return cleaned, check.blank

    # The core chooses text layer or OCR and looks for a secrecy mark on page 1; the desk's
    # registered issuers respell what the header's OCR slipped on, as in the form.
    reading = read_document(
        path,
        known_issuers=_known_issuers(data_dir),
        agencies_dir=data_dir,
        clean=clean,
        secrecy=True,
    )
    if reading.secrecy:
        # A state secret: nothing of it is copied anywhere, not even into a pre-filled form.
        raise errors.SecretDocumentRefused(str(reading.secrecy))
    extraction, blank = reading.extraction, reading.blank
    data = extraction.to_json()
    labels = {
        "issuer": "Tác giả",
        "reference": "Số và ký hiệu",
        "issued_on": "Ngày tháng văn bản",
        "doc_type": "Tên loại",
        "subject": "Trích yếu",
        "urgency": "Độ khẩn",
    }
    lines = [
        f"{label}: {data[name] if data[name] is not None else '—'}"
        f"  (độ tin cậy {data['confidence'][name]:.0%})"
        for name, label in labels.items()
    ]
    if data.get("urgency_due"):
        day, _, hour = str(data["urgency_due"]).partition("T")
        lines.append(f"Hẹn giờ: {hour} ngày {'/'.join(reversed(day.split('-')))}")
    if blank:
        lines.append("Trang đầu trông như trang trắng.")
    return data, "\n".join(lines)


def cmd_scan(args: argparse.Namespace) -> Any:
    from scanner.batch import clean_pages, write_document
    from scanner.recovery import RecoveryFolder
    from scanner.worker_driver import platform_driver

    settings = ScanSettings(
        device=args.device,
        source=args.source,
        dpi=args.dpi,
        mode=args.mode,
        page_size=args.page_size,
        backend_options=dict(_option(o) for o in args.option or ()),
    )
    recovery = RecoveryFolder(_recovery_root(args))
    batch_dir = recovery.new_batch({"device": args.device or "", "source": args.source})
    outcome = platform_driver().scan(settings, batch_dir)
    if not outcome.pages:
        recovery.discard(batch_dir)
        if outcome.stopped is not None:
            raise outcome.stopped
        raise errors.FileEmpty(str(args.out))
    pages = clean_pages([(p.path, p.dpi) for p in outcome.pages], clean=not args.no_clean)
    # Colour scans keep the automatic choice (a page without colour still goes out as G4).
    forced: Encoding | None = "bw" if args.mode == "bw" else "gray" if args.mode == "gray" else None
    if forced is not None:
        pages = [replace(p, encoding=forced) for p in pages]
    report = write_document(pages, Path(args.out), ocr=not args.no_ocr)
    blanks = [i + 1 for i, p in enumerate(pages) if p.blank]
    data = {
        "out": str(report.path),
        "device": outcome.device,
        "pages": len(pages),
        "bytes": report.size,
        "encodings": list(report.encodings),
        "blank_pages": blanks,
        "upside_down_pages": [i + 1 for i, p in enumerate(pages) if p.upside_down],
        "complete": outcome.complete,
    }
    if outcome.stopped is not None:
        # The PDF of the pages kept is written; the clerk still hears why the batch stopped.
        raise outcome.stopped
    recovery.discard(batch_dir)
    text = f"Đã quét {len(pages)} trang vào {report.path} ({report.size // 1024} KiB)."
    if blanks:
        text += f" Trang trông như trang trắng (giữ lại, cần xem): {', '.join(map(str, blanks))}."
    return data, text


def cmd_separator_sheet(args: argparse.Namespace) -> Any:
    from scanner.separator import SEPARATOR_PREFIX, separator_sheets_pdf

    out = Path(args.out)
    data = separator_sheets_pdf(args.label, count=args.count)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    result = {"out": str(out), "sheets": args.count, "qr_text": SEPARATOR_PREFIX + args.label}
    return result, f"Đã tạo {args.count} tờ phân cách vào {out}: in ra và đặt giữa các văn bản."


def _option(text: str) -> tuple[str, str | int]:
    name, sep, value = text.partition("=")
    if not sep:
        raise errors.InvalidValue("option", text, "TÊN=GIÁ_TRỊ, ví dụ test-picture=Grid")
    return name.strip(), int(value) if value.strip().isdigit() else value.strip()


def add_commands(command: CommandFactory) -> None:
    p = command("extract", cmd_extract, "Đọc các trường của văn bản từ trang đầu (nhận dạng chữ)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--no-turn", action="store_true", help="không tự xoay trang lộn ngược")

    p = command("separator-sheet", cmd_separator_sheet, "In tờ phân cách có mã QR để tách tập quét")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p.add_argument("--count", type=int, default=1, help="số tờ (mặc định 1)")
    p.add_argument("--label", default="", help="chữ in trên tờ và trong mã QR (không bắt buộc)")

    p = command("scan", cmd_scan, "Quét một tập giấy thành một tệp PDF")
    p.add_argument("--device", help="tên máy quét (mặc định: máy đầu tiên tìm thấy)")
    p.add_argument("--source", choices=SOURCES, default="adf")
    p.add_argument("--dpi", type=int, default=300)
    p.add_argument("--mode", choices=MODES, default="gray")
    p.add_argument("--page-size", default="a4")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p.add_argument("--no-ocr", action="store_true", help="không tạo lớp chữ")
    p.add_argument("--no-clean", action="store_true", help="không chỉnh nghiêng, xoay")
    p.add_argument(
        "--option",
        action="append",
        metavar="TÊN=GIÁ_TRỊ",
        help="tùy chọn riêng của trình điều khiển",
    )
