"""Sample values of the interchange tests: agencies and a package using every element."""

from __future__ import annotations

from datetime import date, datetime, time

from clerk_app.clock import VIETNAM
from clerk_app.interchange.values import (
    Attachment,
    Business,
    ExchangedDocument,
    Organ,
    Replacement,
    ResponseRef,
    Signer,
    StaffInfo,
    Trace,
)

PROVINCE = Organ(
    "000.00.00.H44",
    "Ủy ban nhân dân tỉnh Phú Yên",
    in_charge="",
    address="08 Trần Hưng Đạo, Tuy Hòa",
    email="ubnd@phuyen.gov.vn",
    telephone="0257 3842 222",
    fax="0257 3842 223",
    website="https://phuyen.gov.vn",
)
FINANCE = Organ("000.01.32.H44", "Sở Tài chính", in_charge="Ủy ban nhân dân tỉnh Phú Yên")
HOME_AFFAIRS = Organ("000.03.32.H44", "Sở Nội vụ", in_charge="Ủy ban nhân dân tỉnh Phú Yên")


def full_document() -> ExchangedDocument:
    """Every element the reader and writer know, with awkward text and binary attachments."""
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
    annex = bytes((i * 37 + 11) % 256 for i in range(70_001))
    return ExchangedDocument(
        document_id="000.00.00.H44,2026/03/10,05/QĐ-UBND",
        sender=PROVINCE,
        recipients=(FINANCE, HOME_AFFAIRS),
        number="05",
        notation="QĐ-UBND",
        promulgated_on=date(2026, 3, 10),
        type_name="Quyết định",
        type_code="2",
        type_detail="0",
        subject='Về việc thành lập Tổ công tác <liên ngành> & "cải cách" thủ tục hành chính',
        content="Quyết định có hiệu lực kể từ ngày ký.",
        place="Phú Yên",
        signer=Signer("Nguyễn Văn Hùng", "Chủ tịch", "TM. ỦY BAN NHÂN DÂN"),
        due_on=date(2026, 3, 12),
        due_time=time(15, 0),
        to_places=("Sở Tài chính", "Sở Nội vụ", "Lưu: VT, KGVX"),
        priority="4",
        sphere="Lưu hành nội bộ",
        typer_notation="TVC",
        copies=12,
        pages=3,
        appendixes=("Phụ lục I: Danh sách thành viên", "Phụ lục II"),
        responds_to=(
            ResponseRef(
                "000.01.32.H44",
                "45/STC-NS",
                date(2026, 3, 2),
                "000.01.32.H44,2026/03/02,45/STC-NS",
            ),
        ),
        steering_type="1",
        traces=(
            Trace("000.00.00.H44", datetime(2026, 3, 10, 9, 15, 2, tzinfo=VIETNAM)),
            Trace("000.00.00.G22", datetime(2026, 3, 10, 9, 15, 40, tzinfo=VIETNAM)),
        ),
        business=Business(
            kind="replace",
            reason="Thay thế do sai sót trích yếu",
            document_id="000.00.00.H44,2026/03/09,04/QĐ-UBND",
            staff=StaffInfo("Văn phòng", "Trần Thị Lan", "0905 000 111", "lan@phuyen.gov.vn"),
            paper=True,
            replacements=(
                Replacement(
                    "000.00.00.H44,2026/03/09,04/QĐ-UBND", ("000.01.32.H44", "000.03.32.H44")
                ),
            ),
        ),
        attachments=(
            Attachment("05-QĐ-UBND.pdf", "application/pdf", "a1b2c3", "Văn bản", pdf),
            Attachment(
                "Phụ lục.bin", "application/octet-stream", "d4e5f6", "Tài liệu kèm theo", annex
            ),
        ),
    )
