"""Number and date written into an unsigned draft; a signed PDF is refused (it takes appearances)."""

from __future__ import annotations

import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pymupdf
import pytest

from clerk_app import errors
from clerk_app.stamping.fonts import font_path
from clerk_app.stamping.marks import date_line, date_words, write_number_and_date


def draft(
    number_line: str = "Số:        /QĐ-UBND",
    date_text: str = "Phú Yên, ngày      tháng      năm 2026",
) -> bytes:
    regular, italic = str(font_path("regular")), str(font_path("italic"))
    with pymupdf.open() as doc:
        page = doc.new_page(width=595, height=842)
        page.insert_text((70, 70), "ỦY BAN NHÂN DÂN", fontsize=13, fontname="R", fontfile=regular)
        page.insert_text((70, 115), number_line, fontsize=13, fontname="R", fontfile=regular)
        page.insert_text((320, 115), date_text, fontsize=13, fontname="I", fontfile=italic)
        page.insert_text((250, 165), "QUYẾT ĐỊNH", fontsize=14, fontname="R", fontfile=regular)
        return bytes(doc.tobytes())


def test_date_words_follow_nd30_leading_zeros() -> None:
    assert date_words(date(2024, 2, 5)) == ("05", "02", "2024")
    assert date_words(date(2024, 1, 15)) == ("15", "01", "2024")
    assert date_words(date(2024, 11, 9)) == ("09", "11", "2024")
    assert date_line("Hà Nội", date(2024, 3, 5)) == "Hà Nội, ngày 05 tháng 3 năm 2024"


def test_number_and_date_replace_the_blank_lines(tmp_path: Path) -> None:
    out = write_number_and_date(draft(), "05/QĐ-UBND", date(2026, 2, 5))
    with pymupdf.open(stream=out) as doc:
        page = doc[0]
        text = page.get_text()
        spans = [
            s
            for b in page.get_text("dict")["blocks"]
            for line in b.get("lines", [])
            for s in line["spans"]
        ]
    assert "Số: 05/QĐ-UBND" in text
    assert "Phú Yên, ngày 05 tháng 02 năm 2026" in text
    assert "tháng      năm" not in text  # the blank line is gone, not drawn over
    assert text == unicodedata.normalize("NFC", text)
    number_span = next(s for s in spans if s["text"].startswith("Số: 05"))
    date_span = next(s for s in spans if "ngày 05" in s["text"])
    assert number_span["size"] == pytest.approx(13)
    assert number_span["origin"][1] == pytest.approx(115, abs=0.5)
    assert date_span["flags"] & 2, "the date line stays italic"
    assert "Tinos" in date_span["font"]
    path = tmp_path / "numbered.pdf"
    path.write_bytes(out)
    poppler = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Phú Yên, ngày 05 tháng 02 năm 2026" in poppler


def test_missing_lines_are_reported_for_the_clerk_to_place() -> None:
    with pytest.raises(errors.MarkLineNotFound) as caught:
        write_number_and_date(
            draft(number_line="Kính gửi: Sở Nội vụ"), "05/QĐ-UBND", date(2026, 2, 5)
        )
    assert caught.value.line == "number"
    with pytest.raises(errors.MarkLineNotFound) as caught:
        write_number_and_date(draft(date_text="Phú Yên, tháng Ba"), "05/QĐ-UBND", date(2026, 2, 5))
    assert caught.value.line == "date"
