"""The arrival stamp on scanned PDFs: blank space, real size, extractable NFC text, original untouched."""

from __future__ import annotations

import hashlib
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pymupdf
import pytest

from clerk_app import errors
from clerk_app.demo import letter_pdf
from clerk_app.stamping.arrival import (
    STAMP_HEIGHT_MM,
    STAMP_WIDTH_MM,
    ArrivalStamp,
    Box,
    stamp_arrival,
    suggest_place,
)
from clerk_app.stamping.pdf import MM

STAMP = ArrivalStamp(
    agency_name="Ủy ban nhân dân tỉnh Phú Yên",
    number=12,
    received_on=date(2026, 3, 10),
    forward_to="Phòng Kinh tế",
    case_file="HS-05/2026",
)


def scanned(pages: int = 1, *, full_page_ink: bool = False) -> bytes:
    """An image-only PDF like a 200 dpi scan of an NĐ 30 letter (no text layer)."""
    letter = letter_pdf(
        "Sở Tài chính tỉnh Phú Yên",
        "123/STC-NS",
        date(2026, 3, 2),
        "Công văn",
        "Về việc quyết toán kinh phí năm 2025",
    )
    with pymupdf.open(stream=letter) as src:
        page = src[0]
        if full_page_ink:
            for y in range(20, 842, 14):
                page.insert_text((20, y), "Văn bản kín chữ " * 12, fontsize=11)
        jpeg = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY).tobytes("jpeg", jpg_quality=75)
    with pymupdf.open() as doc:
        for _ in range(pages):
            new = doc.new_page(width=595, height=842)
            new.insert_image(new.rect, stream=jpeg)
        return bytes(doc.tobytes(garbage=3, deflate=True))


def _ink_in(data: bytes, box: Box, exclude_stamp: bool) -> int:
    """Dark pixels of the original scan inside `box` (rendered at 72 dpi)."""
    with pymupdf.open(stream=data) as doc:
        pix = doc[0].get_pixmap(
            clip=pymupdf.Rect(box.x0, box.y0, box.x1, box.y1), colorspace=pymupdf.csGRAY
        )
    return sum(1 for v in pix.samples if v < 128)


def test_stamp_lands_in_blank_space_at_real_size_and_reads_back_in_nfc(tmp_path: Path) -> None:
    original = scanned()
    digest = hashlib.sha256(original).hexdigest()
    result = stamp_arrival(original, STAMP)

    assert hashlib.sha256(original).hexdigest() == digest  # the input bytes are not touched
    assert result.data != original
    box = result.box
    assert box.width == pytest.approx(STAMP_WIDTH_MM * MM)
    assert box.height == pytest.approx(STAMP_HEIGHT_MM * MM)
    assert box.y0 < 842 * 0.55, "near the top"
    assert _ink_in(original, box, exclude_stamp=True) == 0, "covers nothing of the scan"

    with pymupdf.open(stream=result.data) as doc:
        text = doc[0].get_text()
        drawn = doc[0].get_text(clip=pymupdf.Rect(box.x0, box.y0, box.x1, box.y1))
    for expected in (
        "ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN",
        "ĐẾN",
        "Số: 12",
        "Ngày: 10/03/2026",
        "Chuyển: Phòng Kinh tế",
        "Số và ký hiệu HS: HS-05/2026",
    ):
        assert expected in text
        assert expected in drawn
    assert text == unicodedata.normalize("NFC", text)

    path = tmp_path / "stamped.pdf"
    path.write_bytes(result.data)
    poppler = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Chuyển: Phòng Kinh tế" in poppler and poppler == unicodedata.normalize("NFC", poppler)
    subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-singlefile", str(path), str(tmp_path / "p")], check=True
    )
    assert (tmp_path / "p.png").stat().st_size > 1000


def test_decomposed_input_is_stored_composed() -> None:
    nfd = ArrivalStamp(
        unicodedata.normalize("NFD", "Ủy ban nhân dân xã Hòa Bình"),
        3,
        date(2026, 1, 5),
        unicodedata.normalize("NFD", "Đồng chí Quyết"),
    )
    result = stamp_arrival(scanned(), nfd)
    with pymupdf.open(stream=result.data) as doc:
        text = doc[0].get_text()
    assert "ỦY BAN NHÂN DÂN XÃ HÒA BÌNH" in text
    assert "Chuyển: Đồng chí Quyết" in text
    assert "Số: 3" in text  # the arrival number as the register writes it


def test_twenty_page_scan_grows_by_less_than_10_kib_and_keeps_its_pages() -> None:
    original = scanned(20)
    result = stamp_arrival(original, STAMP)
    assert len(result.data) - len(original) < 10 * 1024
    with pymupdf.open(stream=result.data) as doc:
        assert doc.page_count == 20
        assert "ĐẾN" not in doc[1].get_text()


def test_clerk_can_move_the_stamp() -> None:
    place = suggest_place(scanned()).moved_to(400, 500)
    result = stamp_arrival(scanned(), STAMP, place)
    assert result.box == place
    with pymupdf.open(stream=result.data) as doc:
        assert "ĐẾN" in doc[0].get_text(
            clip=pymupdf.Rect(400, 500, 400 + place.width, 500 + place.height)
        )


def test_stamp_outside_the_page_is_refused() -> None:
    place = suggest_place(scanned()).moved_to(500, 10)
    with pytest.raises(errors.StampOutsidePage):
        stamp_arrival(scanned(), STAMP, place)


def test_page_without_blank_space_is_reported() -> None:
    with pytest.raises(errors.NoBlankSpaceForStamp) as caught:
        stamp_arrival(scanned(full_page_ink=True), STAMP)
    assert caught.value.page == 1


def test_blank_fields_are_left_to_fill_by_hand() -> None:
    result = stamp_arrival(scanned(), ArrivalStamp("Sở Nội vụ", 7, date(2026, 3, 10)))
    with pymupdf.open(stream=result.data) as doc:
        text = doc[0].get_text()
        drawings = doc[0].get_drawings()
    assert "Chuyển:" in text and "Số và ký hiệu HS:" in text
    dashed = [d for d in drawings if d.get("dashes") and d["dashes"] != "[] 0"]
    assert len(dashed) >= 2


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", errors.FileEmpty),
        (b"%PDF-1.7\n garbage", errors.FileCorrupt),
    ],
)
def test_bad_pdfs_are_refused(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        stamp_arrival(data, STAMP)


def test_encrypted_pdf_is_refused() -> None:
    with pymupdf.open() as doc:
        doc.new_page()
        data = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="x", owner_pw="y")
    with pytest.raises(errors.FileEncrypted):
        stamp_arrival(data, STAMP)


def test_rotated_scan_gets_an_upright_stamp() -> None:
    with pymupdf.open(stream=scanned()) as doc:
        doc[0].set_rotation(90)
        turned = doc.tobytes()
    result = stamp_arrival(turned, STAMP)
    with pymupdf.open(stream=result.data) as doc:
        page = doc[0]
        assert page.rotation == 0
        lines = [b for b in page.get_text("dict")["blocks"] if "lines" in b]
        directions = {tuple(round(v) for v in line["dir"]) for b in lines for line in b["lines"]}
    assert directions == {(1, 0)}


def _stamped_text(ws: object, doc_id: str, tmp_path: Path) -> str:
    detail = ws.document(doc_id)  # type: ignore[attr-defined]
    stamped = [f for f in detail.files if f.role == "stamped"][-1]
    path = tmp_path / f"{doc_id}.pdf"
    path.write_bytes(ws.file_bytes(stamped.sha256))  # type: ignore[attr-defined]
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_urgent_documents_and_the_clerks_request_put_the_arrival_time_on_the_stamp(
    workspace: object, clock: object, tmp_path: Path
) -> None:
    from datetime import datetime

    from clerk_app.clock import VIETNAM
    from clerk_app.records import IncomingDraft

    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scanned())
    ids = {}
    for urgency, minute in (("Thượng khẩn", 15), ("Thường", 40)):
        when = datetime(2026, 3, 10, 9, minute, tzinfo=VIETNAM)
        clock.now = when  # type: ignore[attr-defined]
        ids[urgency] = workspace.register_incoming(  # type: ignore[attr-defined]
            IncomingDraft(
                issuer="Sở Tài chính",
                reference=f"{minute}/STC-NS",
                issued_on=date(2026, 3, 9),
                doc_type="Công văn",
                subject="Về việc quyết toán",
                urgency=urgency,
                received_at=when,
                files=[scan],
                allow_duplicate=True,
            )
        ).document.summary.id
    workspace.stamp_arrival(ids["Thượng khẩn"])  # type: ignore[attr-defined]
    workspace.stamp_arrival(ids["Thường"])  # type: ignore[attr-defined]
    urgent = " ".join(_stamped_text(workspace, ids["Thượng khẩn"], tmp_path).split())
    plain = " ".join(_stamped_text(workspace, ids["Thường"], tmp_path).split())
    assert "Số: 1" in urgent and "Ngày: 10/03/2026" in urgent and "Giờ: 09:15" in urgent
    assert "Số: 2" in plain and "Giờ:" not in plain
    workspace.stamp_arrival(ids["Thường"], show_time=True)  # type: ignore[attr-defined]
    assert "Giờ: 09:40" in " ".join(_stamped_text(workspace, ids["Thường"], tmp_path).split())
