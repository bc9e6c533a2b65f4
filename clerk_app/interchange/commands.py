"""The `clerk edxml-export` and `clerk edxml-read` commands: arguments and output only; the
work is the interchange package's."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

from clerk_app import errors
from clerk_app.clock import iso
from clerk_app.interchange.assessment import assess_incoming
from clerk_app.interchange.codes import CodeTables
from clerk_app.interchange.edxml_read import read_message
from clerk_app.interchange.edxml_write import write_document
from clerk_app.interchange.exchange import write_atomically
from clerk_app.interchange.mapping import (
    answer_ref,
    fields_json,
    organs_coded,
    organs_named,
    package_of,
    recipient_names,
    registration_fields,
)
from clerk_app.interchange.safexml import DEFAULT_LIMITS
from clerk_app.interchange.values import ExchangedDocument, Organ, StatusMessage
from clerk_app.registration import parse_date


def add_commands(command: Any) -> None:
    p = command(
        "edxml-export",
        cmd_export,
        "Xuất một văn bản đi đã cấp số thành gói tin edXML (QCVN 102:2016) để gửi liên thông",
    )
    p.add_argument("id", help="mã văn bản đi")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.edxml")
    p.add_argument(
        "--to", help="mã định danh nơi nhận, cách nhau bằng dấu phẩy (mặc định: theo «Nơi nhận»)"
    )
    p.add_argument("--organ-id", help="mã định danh của cơ quan mình (mặc định: theo danh bạ)")
    p.add_argument(
        "--answers", action="append", default=[], metavar="ID", help="văn bản đến được trả lời"
    )
    p.add_argument("--due", metavar="YYYY-MM-DD", help="hạn xử lý")
    p.add_argument("--place", default="", help="địa danh ban hành")

    p = command(
        "edxml-read",
        cmd_read,
        "Đọc và kiểm tra một gói tin edXML (văn bản hoặc trạng thái), in các trường đăng ký",
    )
    p.add_argument("file", type=Path, metavar="FILE.edxml")
    p.add_argument(
        "--organ-id",
        help="mã định danh của cơ quan mình: kiểm tra cả nơi nhận và cho biết trạng thái trả lời",
    )


def _tables(data_dir: Path | None) -> CodeTables:
    from clerk_app.workspace import default_data_dir

    return CodeTables.load(data_dir or default_data_dir())


def _organ_json(organ: Organ) -> dict[str, str]:
    return {k: v for k, v in asdict(organ).items() if v}


# --- export -----------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> Any:
    from clerk_app.workspace import Workspace

    if args.out.suffix.lower() not in (".edxml", ".xml"):
        raise errors.InvalidValue("out", str(args.out), "một tệp .edxml")
    with Workspace.open(args.data_dir) as ws:
        tables = CodeTables.load(ws.data_dir)
        detail = ws.document(args.id)
        agency = ws.agency()
        if args.organ_id:
            own = tables.organ(args.organ_id) or Organ(
                args.organ_id.strip(), agency.name, in_charge=agency.parent_name
            )
        else:
            found = tables.organ_named(agency.name)
            if found is None:
                raise errors.OrganNotInDirectory(agency.name, tables.organ_source)
            own = found
        if args.to:
            recipients = organs_coded([c.strip() for c in args.to.split(",") if c.strip()], tables)
        else:
            recipients = organs_named(recipient_names(detail.summary.recipients), tables)
        answers = []
        for incoming_id in args.answers:
            incoming = ws.document(incoming_id)
            issuer = tables.organ_named(incoming.summary.issuer)
            if issuer is None:
                raise errors.OrganNotInDirectory(incoming.summary.issuer, tables.organ_source)
            answers.append(answer_ref(incoming, issuer))
        doc = package_of(
            ws,
            detail,
            sender=own,
            recipients=recipients,
            tables=tables,
            answers=answers,
            due_on=parse_date(args.due, "deadline") if args.due else None,
            place=args.place,
        )
    data = write_document(doc)
    write_atomically(args.out, data)
    result = {
        "out": str(args.out),
        "document_id": doc.document_id,
        "size": len(data),
        "recipients": [o.organ_id for o in doc.recipients],
        "attachments": [
            {"name": a.name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
            for a in doc.attachments
        ],
    }
    return result, (
        f"Đã xuất {doc.reference} thành {args.out} ({len(doc.attachments)} tệp, "
        f"gửi {', '.join(o.name or o.organ_id for o in doc.recipients)})."
    )


# --- read ---------------------------------------------------------------------------------------


def _read_file(path: Path) -> bytes:
    if not path.is_file():
        raise errors.FileMissing(str(path))
    size = path.stat().st_size
    if size > DEFAULT_LIMITS.max_bytes:
        raise errors.EdxmlTooLarge(size, DEFAULT_LIMITS.max_bytes)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise errors.FileUnreadable(str(path), exc.strerror or "") from exc


def _document_json(doc: ExchangedDocument, tables: CodeTables) -> dict[str, Any]:
    f = registration_fields(doc, tables)
    return {
        "kind": "document",
        "document_id": doc.document_id,
        "business": doc.business.kind,
        "business_reason": doc.business.reason,
        "sender": _organ_json(doc.sender),
        "recipients": [_organ_json(o) for o in doc.recipients],
        "fields": fields_json(f),
        "attachments": [
            {
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "zipped": a.zipped,
            }
            for a in doc.attachments
        ],
    }


def _status_json(status: StatusMessage, tables: CodeTables) -> dict[str, Any]:
    code = tables.status(status.code)
    return {
        "kind": "status",
        "document_id": status.responds_to.document_id,
        "reference": status.responds_to.code,
        "code": status.code,
        "status": code.key if code else None,
        "label": code.label if code else None,
        "from": _organ_json(status.sender),
        "at": iso(status.at),
        "description": status.description,
        "staff": {k: v for k, v in asdict(status.staff).items() if v},
    }


def cmd_read(args: argparse.Namespace) -> Any:
    tables = _tables(args.data_dir)
    data = _read_file(args.file)
    if args.organ_id:
        from clerk_app.clock import system_clock

        receiver = tables.organ(args.organ_id) or Organ(args.organ_id.strip())
        verdict = assess_incoming(data, receiver=receiver, tables=tables, now=system_clock())
        if verdict.problem is not None:
            raise verdict.problem
        message: ExchangedDocument | StatusMessage | None = verdict.document or verdict.status
        if message is None:  # accepted always carries one; kept for the type checker
            raise errors.EdxmlNotAMessage(args.file.name)
        reply = verdict.reply
    else:
        message = read_message(data)
        reply = None
    if isinstance(message, StatusMessage):
        result = _status_json(message, tables)
        text = (
            f"Trạng thái {result['label'] or message.code} của văn bản {message.responds_to.code}"
        )
    else:
        result = _document_json(message, tables)
        fields = result["fields"]
        text = "\n".join(
            [
                f"{fields['doc_type']} {fields['reference']} ngày {fields['issued_on']} "
                f"của {fields['issuer']} ({fields['issuer_organ_id']})",
                f"  {fields['subject']}",
                f"  độ khẩn: {fields['urgency']}" + (" (hẹn giờ)" if fields["timed"] else ""),
                *(f"  tệp: {a['name']} ({a['size']} byte)" for a in result["attachments"]),
            ]
        )
    if reply is not None:
        code = tables.status(reply.code)
        result["reply"] = {"code": reply.code, "status": code.key if code else None}
    return result, text
