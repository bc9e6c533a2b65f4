"""The header's rules on laid-out words: the date from the place-and-date line only, the timed
urgency, a secrecy mark kept out of the subject, issuers respelt from what the desk knows."""

from __future__ import annotations

from datetime import date

from clerk_app.reading.extraction import BODY_DATE_CONFIDENCE, extract
from clerk_app.reading.ocr import OcrPage, Word

WIDTH, HEIGHT = 2480, 3508  # A4 at 300 dpi


def _page(*lines: tuple[str, int, int], conf: float = 95.0) -> OcrPage:
    """Lines as (text, centre x, top); each word 30 px per letter, 40 px high."""
    words = []
    for n, (text, centre, top) in enumerate(lines, 1):
        tokens = text.split()
        width = sum(30 * len(t) for t in tokens) + 20 * (len(tokens) - 1)
        x = centre - width // 2
        for token in tokens:
            words.append(Word(token, conf, x, top, 30 * len(token), 40, n, 1, 1))
            x += 30 * len(token) + 20
    return OcrPage(WIDTH, HEIGHT, 300, tuple(words), "\n".join(t for t, _, _ in lines))


LEFT, RIGHT, MIDDLE = 700, 1750, 1240
HEADER = [
    ("UBND TỈNH PHÚ YÊN", LEFT, 250),
    ("SỞ TÀI CHÍNH", LEFT, 310),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", RIGHT, 250),
    ("Độc lập - Tự do - Hạnh phúc", RIGHT, 310),
    ("Số: 125/QĐ-STC", LEFT, 450),
]
TYPE_AND_SUBJECT = [
    ("QUYẾT ĐỊNH", MIDDLE, 700),
    ("Về việc phê duyệt dự toán", MIDDLE, 760),
]
CITED = ("Căn cứ Luật Ngân sách nhà nước ngày 25 tháng 6 năm 2015;", MIDDLE, 900)


def test_the_issued_date_is_the_header_line_not_a_date_cited_in_the_body() -> None:
    page = _page(
        *HEADER,
        ("Tuy Hòa, ngày 05 tháng 3 năm 2026", RIGHT, 450),
        *TYPE_AND_SUBJECT,
        CITED,
    )
    got = extract(page, today=date(2026, 3, 10))
    assert got.issued_on.value == date(2026, 3, 5)
    assert got.issued_on.confidence > 0.9


def test_a_date_found_only_in_the_body_is_offered_at_low_confidence() -> None:
    page = _page(*HEADER, *TYPE_AND_SUBJECT, CITED)
    got = extract(page, today=date(2026, 3, 10))
    assert got.issued_on.value == date(2015, 6, 25)
    assert got.issued_on.confidence <= BODY_DATE_CONFIDENCE


def test_a_header_date_broken_before_the_year_is_joined() -> None:
    page = _page(
        *HEADER,
        ("Tuy Hòa, ngày 05 tháng 3", RIGHT, 450),
        ("năm 2026", RIGHT, 500),
        *TYPE_AND_SUBJECT,
        CITED,
    )
    assert extract(page, today=date(2026, 3, 10)).issued_on.value == date(2026, 3, 5)


def test_urgency_with_an_appointed_time_keeps_its_date_and_time() -> None:
    page = _page(
        *HEADER,
        ("Tuy Hòa, ngày 05 tháng 3 năm 2026", RIGHT, 450),
        ("HỎA TỐC HẸN GIỜ 14:00", LEFT, 520),
        ("NGÀY 06/3/2026", LEFT, 570),
        *TYPE_AND_SUBJECT,
    )
    got = extract(page, today=date(2026, 3, 10))
    assert got.urgency.value == "Hỏa tốc"
    assert got.urgency_due.value == "2026-03-06T14:00"
    assert got.to_json()["urgency_due"] == "2026-03-06T14:00"
    assert got.subject.value == "Về việc phê duyệt dự toán"


def test_urgency_time_written_with_gio() -> None:
    page = _page(
        *HEADER,
        ("Tuy Hòa, ngày 05 tháng 3 năm 2026", RIGHT, 450),
        ("HỎA TỐC HẸN GIỜ 8 giờ 30 ngày 07 tháng 3 năm 2026", LEFT, 520),
        *TYPE_AND_SUBJECT,
    )
    got = extract(page, today=date(2026, 3, 10))
    assert got.urgency_due.value == "2026-03-07T08:30"


def test_a_secrecy_mark_in_the_header_is_read_and_kept_out_of_the_subject() -> None:
    page = _page(
        *HEADER,
        ("Tuy Hòa, ngày 05 tháng 3 năm 2026", RIGHT, 450),
        ("QUYẾT ĐỊNH", MIDDLE, 700),
        ("Về việc phê duyệt dự toán", MIDDLE, 760),
        ("TỐI MẬT", MIDDLE, 820),
    )
    got = extract(page, today=date(2026, 3, 10))
    assert got.secrecy.value == "Tối mật"
    assert got.subject.value == "Về việc phê duyệt dự toán"
    assert got.to_json()["secrecy"] == "Tối mật"


def test_a_slipped_two_line_issuer_comes_back_as_registered() -> None:
    header = [
        ("ỦY BAN NHÂN DÂN", LEFT, 250),
        ("TÍNH PHÚ YÊN", LEFT, 310),  # OCR read the hook of «TỈNH» as an acute
        *HEADER[2:],
        ("Tuy Hòa, ngày 05 tháng 3 năm 2026", RIGHT, 450),
    ]
    got = extract(_page(*header, *TYPE_AND_SUBJECT), today=date(2026, 3, 10))
    assert got.issuer.value == "Ủy ban nhân dân tỉnh Phú Yên"
    assert got.issuer.confidence > 0.9


def test_an_unknown_issuer_stays_as_read_and_unsure() -> None:
    header = [
        ("UBND TỈNH PHÚ YÊN", LEFT, 250),
        ("BAN QUẢN LÝ DỰ ÁN ĐẦU TƯ", LEFT, 310),
        ("XÂY DỰNG CÁC CÔNG TRÌNH", LEFT, 370),
        *HEADER[2:],
        ("Tuy Hòa, ngày 05 tháng 3 năm 2026", RIGHT, 450),
    ]
    got = extract(_page(*header, *TYPE_AND_SUBJECT), today=date(2026, 3, 10))
    assert str(got.issuer.value).casefold() == ("ban quản lý dự án đầu tư xây dựng các công trình")
    assert got.issuer.confidence < 0.8
