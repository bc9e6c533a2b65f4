"""`clerk stamp-arrival`, `stamp-number`, `sign`, `issue` (a registered document's id), `verify` (a file).

Argument parsing and files only, no logic: every mark is made from the register's record by
the core (the number, date, reference and agency are never typed here), on the document's own
file, stored as a new version; `--out` also writes that version to a file. Loaded for every
`clerk` command, so the PDF and signing libraries are imported inside the handlers. The token
comes from the desk's signing settings, overridden by CLERK_PKCS11_MODULE, CLERK_TOKEN_LABEL,
CLERK_CERT_LABEL, CLERK_SEAL_IMAGE, CLERK_TRUST_DIR, CLERK_TSA_URL; the PIN from CLERK_PIN
(unattended use) or a prompt.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from clerk_app import errors


def add_commands(command: Any) -> None:
    p = command("stamp-arrival", cmd_stamp_arrival, "Đóng dấu ĐẾN lên bản quét của văn bản đến")
    p.add_argument("id", help="mã văn bản đến đã đăng ký")
    p.add_argument(
        "--time",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="ghi giờ đến trên dấu (mặc định: chỉ với văn bản khẩn)",
    )
    p.add_argument("--at", help="vị trí góc trên trái của dấu, mm: X,Y (mặc định: tự tìm)")
    p.add_argument("--out", type=Path, help="ghi thêm bản đã đóng dấu ra tệp này")

    p = command("stamp-number", cmd_stamp_number, "Ghi số, ngày trong sổ lên văn bản đi")
    p.add_argument("id", help="mã văn bản đi đã cấp số")
    p.add_argument("--out", type=Path, help="ghi thêm bản đã ghi số ra tệp này")

    p = command("sign", cmd_sign, "Ký số cơ quan lên văn bản đã đăng ký bằng USB ký số")
    p.add_argument("id", help="mã văn bản")
    p.add_argument("--out", type=Path, help="ghi thêm bản đã ký ra tệp này")
    p.add_argument("--seal-image", type=Path, help="ảnh dấu (mặc định: theo cài đặt ký số)")
    p.add_argument(
        "--copy",
        choices=COPY_FORM_CHOICES,
        help="ký số bản sao điện tử của văn bản đến: hình thức sao (sao-y, trich-sao, sao-luc)",
    )
    p.add_argument(
        "--attachment", metavar="TỆP", help="ký số phụ lục: tên hoặc mã tệp của văn bản đi"
    )
    p.add_argument(
        "--timestamp-url", default=None, help="máy chủ cấp dấu thời gian (mặc định: theo cài đặt)"
    )
    _override_argument(p)

    p = command("issue", cmd_issue, "Phát hành văn bản đi: ghi số, ngày rồi ký số cơ quan")
    p.add_argument("id", help="mã văn bản đi đã cấp số")
    p.add_argument("--out", type=Path, help="ghi thêm bản phát hành ra tệp này")
    p.add_argument("--seal-image", type=Path, help="ảnh dấu (mặc định: theo cài đặt ký số)")
    _override_argument(p)

    p = command("verify", cmd_verify, "Kiểm tra các chữ ký số trong tệp PDF")
    p.add_argument("file", type=Path)


COPY_FORM_CHOICES = {"sao-y": "Sao y", "trich-sao": "Trích sao", "sao-luc": "Sao lục"}


def _override_argument(p: Any) -> None:
    p.add_argument(
        "--override-reason",
        metavar="LÝ DO",
        help="quản trị viên cho ký bằng chứng thư không mang tên cơ quan (ghi vào nhật ký)",
    )


# --- files and settings --------------------------------------------------------------------


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise errors.FileMissing(str(path))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise errors.FileUnreadable(str(path), exc.strerror or "") from exc


def _write(out: Path, data: bytes) -> None:
    """All or nothing: a copy of a stored version for the clerk to send or print."""
    tmp = out.with_name(f".{out.name}.part")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise errors.StorageFailed(exc.strerror or str(exc)) from exc


def _data_dir(args: argparse.Namespace) -> Path:
    from clerk_app.workspace import default_data_dir

    return Path(getattr(args, "data_dir", None) or default_data_dir())


def _settings(args: argparse.Namespace) -> Any:
    """The desk's signing settings (CLERK_* variables win, then --seal-image)."""
    from dataclasses import replace

    from clerk_app.signing.desk import load_settings

    data_dir = _data_dir(args)
    settings = load_settings(data_dir if data_dir.is_dir() else None)
    if getattr(args, "seal_image", None):
        settings = replace(settings, seal_image=str(args.seal_image))
    if getattr(args, "timestamp_url", None) is not None:
        settings = replace(settings, timestamp_url=args.timestamp_url)
    return settings


def _trust_roots(args: argparse.Namespace) -> list[bytes]:
    from clerk_app.signing.verify import load_trust_roots

    return load_trust_roots([Path(p) for p in _settings(args).trust_dirs])


def _pin() -> str:
    pin = os.environ.get("CLERK_PIN")
    if pin is not None:
        return pin
    if sys.stdin.isatty():
        return getpass.getpass("Mã PIN của USB ký số: ")
    raise errors.MissingField("CLERK_PIN")


def _override(args: argparse.Namespace, actor: str) -> Any:
    from clerk_app.signing.identity import CertificateOverride

    reason = (getattr(args, "override_reason", None) or "").strip()
    return CertificateOverride(actor, reason) if reason else None


def _result(ws: Any, args: argparse.Namespace, role: str, said: str) -> Any:
    """The new version (newest file of `role`), written to --out when asked, as JSON and text."""
    from clerk_app import lifecycle
    from clerk_app.cli import detail_json
    from clerk_app.instructions import document_state
    from clerk_app.messages import state_name

    detail, facts = document_state.read(ws, args.id)
    made = [f for f in detail.files if f.role == role][-1]
    if args.out is not None:
        _write(args.out, ws.file_bytes(made.sha256))
    state = lifecycle.state_of(facts)
    data = detail_json(detail) | {
        "state": state,
        "file": {"id": made.id, "sha256": made.sha256, "filename": made.filename},
        "out": str(args.out) if args.out is not None else None,
    }
    where = f" (tệp {args.out})" if args.out is not None else ""
    return data, f"{said}{where}. Trạng thái: {state_name(state)}."


def _open(args: argparse.Namespace) -> Any:
    from clerk_app.workspace import Workspace

    return Workspace.open(_data_dir(args))


# --- commands ------------------------------------------------------------------------------


def cmd_stamp_arrival(args: argparse.Namespace) -> Any:
    place = None
    if args.at:
        from clerk_app.stamping.arrival import Box, stamp_size
        from clerk_app.stamping.pdf import MM

        try:
            x_mm, y_mm = (float(v) for v in args.at.split(","))
        except ValueError as exc:
            raise errors.InvalidValue("at", args.at, "X,Y tính bằng mm, ví dụ 20,40") from exc
        width, height = stamp_size()
        place = Box(x_mm * MM, y_mm * MM, x_mm * MM + width, y_mm * MM + height)
    with _open(args) as ws:
        ws.stamp_arrival(args.id, place, show_time=args.time)
        summary = ws.document(args.id).summary
        return _result(ws, args, "stamped", f"Đã đóng dấu ĐẾN số {summary.number_label}")


def cmd_stamp_number(args: argparse.Namespace) -> Any:
    from clerk_app.signing import issuing

    with _open(args) as ws:
        detail = ws.document(args.id)
        # A leader-signed draft takes the marks as signature appearances: the token is asked
        # for only then.
        needs_token = detail.summary.direction == "outgoing" and issuing.is_signed(
            ws, issuing.draft_of(detail)
        )
        if needs_token:
            issuing.write_number(ws, args.id, _pin(), _settings(args))
        else:
            issuing.write_number(ws, args.id)
        reference = ws.document(args.id).summary.reference
        return _result(ws, args, "numbered", f"Đã ghi số {reference} và ngày lên văn bản")


def cmd_sign(args: argparse.Namespace) -> Any:
    from clerk_app.signing import desk

    with _open(args) as ws:
        settings = _settings(args)
        override = _override(args, ws.actor)
        if args.copy and args.attachment:
            raise errors.InvalidValue("copy", args.copy, "bỏ --attachment khi ký bản sao")
        if args.copy:
            desk.sign_scan_copy(
                ws,
                args.id,
                _pin(),
                settings,
                copy_form=COPY_FORM_CHOICES[args.copy],
                override=override,
            )
        elif args.attachment:
            desk.sign_attachment_file(
                ws, args.id, args.attachment, _pin(), settings, override=override
            )
        else:
            if not settings.seal_image:
                raise errors.SealImageMissing()
            desk.sign_for_agency(ws, args.id, _pin(), settings, override=override)
        level = "B-T" if settings.timestamp_url else "B-B"
        data, text = _result(ws, args, "signed", f"Đã ký số cơ quan (PAdES {level})")
        return data | {"pades": level, "signed_at": _signed_at(ws, args.id)}, text


def cmd_issue(args: argparse.Namespace) -> Any:
    from clerk_app.signing import issuing

    with _open(args) as ws:
        settings = _settings(args)
        if not settings.seal_image:
            raise errors.SealImageMissing()
        issuing.issue(ws, args.id, _pin(), settings, override=_override(args, ws.actor))
        reference = ws.document(args.id).summary.reference
        data, text = _result(ws, args, "issued", f"Đã phát hành văn bản {reference}")
        return data | {"signed_at": _signed_at(ws, args.id)}, text


def _signed_at(ws: Any, document_id: str) -> str:
    return str(ws.document(document_id).history[-1].details.get("signed_at", ""))


def _verdict(check: Any) -> str:
    from clerk_app.signing.verify import DOCUMENT_TIMESTAMP

    what = "dấu thời gian tài liệu" if check.kind == DOCUMENT_TIMESTAMP else "chữ ký"
    line = (
        f"{check.field} ({what}): {check.signer} — "
        + ("nguyên vẹn" if check.intact else "BỊ SỬA")
        + (", hợp lệ" if check.valid else ", KHÔNG HỢP LỆ")
        + (", tin cậy" if check.trusted else ", chưa xác định tin cậy")
        + f", thay đổi sau ký: {check.modification_level}"
    )
    stamp = check.timestamp
    if stamp is not None and check.kind != DOCUMENT_TIMESTAMP:
        line += (
            f"; dấu thời gian {stamp.time.isoformat()} của {stamp.authority}"
            + ("" if stamp.intact and stamp.valid else " KHÔNG HỢP LỆ")
            + ("" if stamp.trusted else " (chưa xác định tin cậy)")
        )
    return line


def cmd_verify(args: argparse.Namespace) -> Any:
    from clerk_app.signing.verify import check_json, check_signatures

    checks = check_signatures(_read(args.file), _trust_roots(args), name=str(args.file))
    rows = [check_json(c) for c in checks]
    lines = [_verdict(c) for c in checks]
    return rows, "\n".join(lines) or "Tệp không có chữ ký số nào."
