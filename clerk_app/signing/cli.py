"""`clerk stamp-arrival`, `stamp-number`, `sign`, `verify`: argument parsing and files only, no logic.

Loaded for every `clerk` command, so the PDF and signing libraries are imported inside the
handlers. The token comes from CLERK_PKCS11_MODULE, CLERK_TOKEN_LABEL, CLERK_CERT_LABEL and
CLERK_PIN (unattended use) or a PIN prompt; the trust store and the timestamp server from the
desk's signing settings, overridden by CLERK_TRUST_DIR and CLERK_TSA_URL. The agency that signs
is the desk's, or, with no desk, --agency-name / CLERK_AGENCY_NAME.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from clerk_app import errors
from clerk_app.text import fold


def add_commands(command: Any) -> None:
    p = command("stamp-arrival", cmd_stamp_arrival, "Đóng dấu ĐẾN lên bản quét (tạo tệp mới)")
    p.add_argument("file", type=Path)
    p.add_argument("--number", type=int, required=True)
    p.add_argument("--date", required=True)
    p.add_argument("--agency-name", required=True)
    p.add_argument("--forward-to", default="")
    p.add_argument("--case-file", default="")
    p.add_argument(
        "--time", metavar="HH:MM", help="giờ đến ghi trên dấu (văn bản khẩn, hoặc khi cần)"
    )
    p.add_argument("--at", help="vị trí góc trên trái của dấu, mm: X,Y (mặc định: tự tìm)")
    p.add_argument("--out", type=Path, required=True)

    p = command("stamp-number", cmd_stamp_number, "Ghi số, ngày lên văn bản đi (tạo tệp mới)")
    p.add_argument("file", type=Path)
    p.add_argument("--reference", required=True)
    p.add_argument("--date", required=True)
    p.add_argument("--out", type=Path, required=True)
    _agency_arguments(p)

    p = command("sign", cmd_sign, "Ký số cơ quan bằng USB ký số (tạo tệp mới)")
    p.add_argument("file", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seal-image", type=Path)
    p.add_argument("--attachment-of", metavar="REFERENCE")
    p.add_argument(
        "--copy",
        choices=COPY_FORM_CHOICES,
        help="ký số bản sao điện tử: hình thức sao (sao-y, trich-sao, sao-luc)",
    )
    p.add_argument(
        "--timestamp-url", default=None, help="máy chủ cấp dấu thời gian (mặc định: theo cài đặt)"
    )
    _agency_arguments(p)

    p = command("verify", cmd_verify, "Kiểm tra các chữ ký số trong tệp PDF")
    p.add_argument("file", type=Path)


COPY_FORM_CHOICES = {"sao-y": "Sao y", "trich-sao": "Trích sao", "sao-luc": "Sao lục"}


def _agency_arguments(p: Any) -> None:
    p.add_argument(
        "--agency-name",
        help="tên cơ quan ký, khi không có bàn văn thư (mặc định: CLERK_AGENCY_NAME)",
    )
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


def _write(source: Path, out: Path, data: bytes) -> None:
    """All or nothing, and never over the original."""
    if out.resolve() == source.resolve():
        raise errors.InvalidValue("out", str(out), "một tệp mới, khác tệp gốc")
    tmp = out.with_name(f".{out.name}.part")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise errors.StorageFailed(exc.strerror or str(exc)) from exc


def _settings(args: argparse.Namespace) -> Any:
    """The desk's signing settings (CLERK_* variables win); none saved outside a desk."""
    from clerk_app.signing.desk import load_settings
    from clerk_app.workspace import default_data_dir

    data_dir = getattr(args, "data_dir", None) or default_data_dir()
    return load_settings(data_dir if data_dir.is_dir() else None)


def _trust_roots(args: argparse.Namespace) -> list[bytes]:
    from clerk_app.signing.verify import load_trust_roots

    return load_trust_roots([Path(p) for p in _settings(args).trust_dirs])


def _token_choice() -> Any:
    from clerk_app.signing.token import TokenChoice

    module = os.environ.get("CLERK_PKCS11_MODULE", "")
    if not module:
        raise errors.MissingField("CLERK_PKCS11_MODULE")
    return TokenChoice(
        module, os.environ.get("CLERK_TOKEN_LABEL", ""), os.environ.get("CLERK_CERT_LABEL", "")
    )


def _pin() -> str:
    pin = os.environ.get("CLERK_PIN")
    if pin is not None:
        return pin
    if sys.stdin.isatty():
        return getpass.getpass("Mã PIN của USB ký số: ")
    raise errors.MissingField("CLERK_PIN")


class _Agency:
    """Whose signature the command makes: the desk's agency (or --agency-name without a desk),
    and the certificate check every agency signature passes before the PIN is sent."""

    def __init__(self, args: argparse.Namespace) -> None:
        from clerk_app.workspace import Workspace, default_data_dir

        self.data_dir = getattr(args, "data_dir", None) or default_data_dir()
        self.reason = (args.override_reason or "").strip()
        self.name = (args.agency_name or os.environ.get("CLERK_AGENCY_NAME", "")).strip()
        self.on_desk = False
        self.actor = ""
        try:
            with Workspace.open(self.data_dir) as ws:
                desk_agency = ws.agency().name
                self.actor = ws.actor
                self.on_desk = True
            # On a desk, the desk's agency signs: a name typed on the command line cannot
            # make another agency's certificate acceptable.
            if self.name and fold(self.name) != fold(desk_agency):
                raise errors.InvalidValue("agency_name", self.name, desk_agency)
            self.name = desk_agency
        except errors.NotInitialised:
            pass
        if not self.name:
            raise errors.MissingField("agency_name")
        if self.reason and not self.on_desk:
            # An override is only ever allowed where the audit log can keep it.
            raise errors.NotInitialised(str(self.data_dir))
        self.checked: list[Any] = []

    def vet(self, cert: Any) -> None:
        from clerk_app.signing.identity import CertificateOverride, check_agency_certificate

        override = CertificateOverride(self.actor, self.reason) if self.reason else None
        self.checked.append(check_agency_certificate(cert.der, self.name, override))

    def record(self, out: Path, data: bytes) -> None:
        """Keep an override in the desk's audit log before the signed file is written."""
        import hashlib

        if not self.checked or self.checked[0].override is None:
            return
        from clerk_app.signing.desk import record_certificate_override
        from clerk_app.workspace import Workspace

        with Workspace.open(self.data_dir) as ws:
            what = {"file": out.name, "file_sha256": hashlib.sha256(data).hexdigest()}
            record_certificate_override(ws, self.checked[0], what)


def _now() -> Any:
    from datetime import datetime

    from clerk_app.clock import VIETNAM

    return datetime.now(VIETNAM).replace(microsecond=0)


# --- commands ------------------------------------------------------------------------------


def cmd_stamp_arrival(args: argparse.Namespace) -> Any:
    from clerk_app.registration import parse_date
    from clerk_app.stamping.arrival import ArrivalStamp, Box, stamp_arrival, stamp_size
    from clerk_app.stamping.pdf import MM

    data = _read(args.file)
    stamp = ArrivalStamp(
        args.agency_name,
        args.number,
        parse_date(args.date, "date"),
        args.forward_to,
        args.case_file,
        received_time=_clock_time(args.time) if args.time else None,
    )
    place = None
    if args.at:
        try:
            x_mm, y_mm = (float(v) for v in args.at.split(","))
        except ValueError as exc:
            raise errors.InvalidValue("at", args.at, "X,Y tính bằng mm, ví dụ 20,40") from exc
        width, height = stamp_size()
        place = Box(x_mm * MM, y_mm * MM, x_mm * MM + width, y_mm * MM + height)
    result = stamp_arrival(data, stamp, place, name=str(args.file))
    _write(args.file, args.out, result.data)
    box = {k: round(getattr(result.box, k) / MM, 1) for k in ("x0", "y0", "x1", "y1")}
    return {"out": str(args.out), "box_mm": box, "size": len(result.data)}, (
        f"Đã đóng dấu ĐẾN số {args.number} vào {args.out}."
    )


def _clock_time(text: str) -> Any:
    from datetime import time

    try:
        hours, minutes = (int(v) for v in text.strip().split(":"))
        return time(hours, minutes)
    except ValueError as exc:
        raise errors.InvalidValue("time", text, "giờ:phút, ví dụ 09:15") from exc


def cmd_stamp_number(args: argparse.Namespace) -> Any:
    from clerk_app.registration import parse_date
    from clerk_app.stamping.marks import write_number_and_date
    from clerk_app.stamping.pdf import open_pdf, signature_count

    data = _read(args.file)
    issued_on = parse_date(args.date, "date")
    with open_pdf(data, str(args.file)) as doc:
        signed = signature_count(doc)
    if not signed:
        out = write_number_and_date(data, args.reference, issued_on, name=str(args.file))
        how = "content"
    else:
        from clerk_app.signing.sign import add_number_and_date
        from clerk_app.signing.token import token_signer

        at = _now()
        agency = _Agency(args)
        roots = _trust_roots(args)
        with token_signer(_token_choice(), _pin(), at, trust_roots=roots, vet=agency.vet) as signer:
            out = add_number_and_date(
                data,
                signer,
                args.reference,
                issued_on,
                at,
                trust_roots=roots,
                name=str(args.file),
            )
        agency.record(args.out, out)
        how = "signature_appearances"
    _write(args.file, args.out, out)
    return {"out": str(args.out), "method": how, "reference": args.reference}, (
        f"Đã ghi số {args.reference} và ngày vào {args.out}."
    )


def cmd_sign(args: argparse.Namespace) -> Any:
    from clerk_app.signing.sign import sign_as_agency, sign_attachment, sign_scan_copy
    from clerk_app.signing.token import token_signer

    data = _read(args.file)
    seal = _read(args.seal_image) if args.seal_image else None
    if args.attachment_of and args.copy:
        raise errors.InvalidValue("copy", args.copy, "bỏ --attachment-of khi ký bản sao")
    if not args.attachment_of and not args.copy and seal is None:
        raise errors.SealImageMissing()
    choice = _token_choice()
    agency = _Agency(args)
    at = _now()
    roots = _trust_roots(args)
    tsa_url = _settings(args).timestamp_url if args.timestamp_url is None else args.timestamp_url
    with token_signer(choice, _pin(), at, trust_roots=roots, vet=agency.vet) as signer:
        if args.copy:
            out = sign_scan_copy(
                data,
                signer,
                at,
                agency_name=agency.name,
                copy_form=COPY_FORM_CHOICES[args.copy],
                trust_roots=roots,
                timestamp_url=tsa_url,
                name=str(args.file),
            )
        elif args.attachment_of:
            out = sign_attachment(
                data,
                signer,
                args.attachment_of,
                at,
                trust_roots=roots,
                timestamp_url=tsa_url,
                agency_name=agency.name,
                name=str(args.file),
            )
        else:
            out = sign_as_agency(
                data,
                signer,
                seal,
                at,
                trust_roots=roots,
                timestamp_url=tsa_url,
                agency_name=agency.name,
                name=str(args.file),
            )
    agency.record(args.out, out)
    _write(args.file, args.out, out)
    level = "B-T" if tsa_url else "B-B"
    return {"out": str(args.out), "signed_at": at.isoformat(), "pades": level}, (
        f"Đã ký số cơ quan (PAdES {level}) vào {args.out}."
    )


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
