"""Agencies on one real server with exchange identifiers, their desks, and an issued document:
shared by the exchange tests and the bench."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from clerk_app.clock import VIETNAM
from clerk_app.interchange.edxml_write import write_document
from clerk_app.interchange.values import (
    Attachment,
    ExchangedDocument,
    Organ,
    Signer,
    document_id_for,
)
from clerk_app.records import OutgoingDraft
from clerk_app.workspace import Workspace
from sync.engine import DeskSync
from sync.server import accounts
from sync.server.exchange import add_organ
from tests.sync.conftest import NEW_PASSWORD, PASSWORD, RunningServer, run_clerk

YEAR = datetime.now(VIETNAM).year


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    organ_id: str


UBND = Agency("UBND", "Ủy ban nhân dân tỉnh Phú Yên", "000.00.00.H44")
STC = Agency("STC", "Sở Tài chính tỉnh Phú Yên", "000.01.32.H44")
SNV = Agency("SNV", "Sở Nội vụ tỉnh Phú Yên", "000.02.32.H44")
BO = Agency("", "Bộ Tài chính", "000.00.00.G12")  # not on the server: reached over the axis


def set_up_agencies(server: RunningServer, *more: Agency, external: bool = False) -> None:
    """UBND exists already (the server fixture made it); adds the others and every identifier."""
    now = datetime.now(UTC)
    with server.db.write() as s:
        for a in more:
            accounts.create_agency(s, a.code, a.name, now)
        for a in (UBND, *more):
            add_organ(s, a.organ_id, a.name, a.code)
        if external:
            add_organ(s, BO.organ_id, BO.name, None)


def agency_desk(
    server: RunningServer, root: Path, agency: Agency, username: str, *, leases: tuple[str, ...]
) -> Path:
    """A connected desk of `agency` holding the numbering leases named."""
    path = root / username
    Workspace.init(
        path, agency_name=agency.name, agency_code=agency.code, year=YEAR, actor=username
    ).close()
    server.user(username, "clerk", agency.code)
    with DeskSync(path) as d:
        d.connect(server.url, username, PASSWORD, NEW_PASSWORD)
        d.sync()
        for kind in leases:
            d.acquire_lease(kind, YEAR)
    return path


def issue(desk: Path, pdf: Path, subject: str = "Về việc quyết toán kinh phí năm 2026") -> str:
    """A numbered outgoing decision with its file, as «Phát hành» leaves it."""
    with Workspace.open(desk, actor="clerk") as ws:
        done = ws.register_outgoing(
            OutgoingDraft(
                doc_type="Quyết định",
                subject=subject,
                signer="Nguyễn Văn Hùng",
                recipients="Sở Tài chính; Sở Nội vụ",
                urgency="Khẩn",
                files=[pdf],
            )
        )
    return done.document.summary.id


PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def organ(a: Agency) -> Organ:
    return Organ(a.organ_id, a.name)


def package(
    sender: Agency, *to: Agency | Organ, number: str = "12", pdf: bytes = PDF
) -> bytes:
    issued = date(2026, 12, 1)
    reference = f"{number}/QĐ-UBND"
    doc = ExchangedDocument(
        document_id=document_id_for(sender.organ_id, issued, reference),
        sender=organ(sender),
        recipients=tuple(o if isinstance(o, Organ) else organ(o) for o in to),
        number=number,
        notation="QĐ-UBND",
        promulgated_on=issued,
        type_name="Quyết định",
        subject="Về việc giao chỉ tiêu kế hoạch năm 2027",
        signer=Signer("Nguyễn Văn Hùng", "Chủ tịch"),
        priority="1",
        attachments=(Attachment("qd.pdf", "application/pdf", "c1", "Văn bản", pdf),),
    )
    return write_document(doc)


def clerk_json(desk: Path, *args: str) -> Any:
    return json.loads(run_clerk(desk, *args, "--json").stdout)
