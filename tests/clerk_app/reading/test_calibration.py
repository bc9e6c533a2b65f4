"""Calibration: raw scores mapped so that only a well-attested score range is shown as sure, and
an unknown issuer or a body date never is."""

from __future__ import annotations

from datetime import date

from clerk_app.reading import calibration
from clerk_app.reading.calibration import MIN_SURE_READINGS, SURE, Sample, calibrate, fit
from clerk_app.reading.extraction import FIELDS, calibrated_copy, extract
from clerk_app.reading.ocr import OcrPage, Word


def _samples(field: str, raw: float, right: int, wrong: int = 0) -> list[Sample]:
    return [Sample(field, raw, True)] * right + [Sample(field, raw, False)] * wrong


def test_a_clean_high_range_is_sure_and_a_mixed_low_one_is_not() -> None:
    table = fit(_samples("reference", 0.96, 60) + _samples("reference", 0.65, 20, 5))
    assert calibrate("reference", 0.96, table) >= SURE
    low = calibrate("reference", 0.65, table)
    assert low < SURE and abs(low - 20 / 26) < 0.01


def test_too_few_readings_are_never_sure() -> None:
    table = fit(_samples("subject", 0.97, MIN_SURE_READINGS - 1))
    assert calibrate("subject", 0.97, table) < SURE


def test_one_wrong_reading_in_a_small_tail_keeps_it_unsure() -> None:
    # 40 readings with one wrong is 2.5% wrong: not 1 in 100.
    table = fit(_samples("issued_on", 0.96, 39, 1))
    assert calibrate("issued_on", 0.96, table) < SURE


def test_a_bad_top_bin_is_not_hidden_by_good_lower_ones() -> None:
    samples = _samples("issuer", 0.91, 200) + _samples("issuer", 0.995, 28, 3)
    table = fit(samples)
    assert calibrate("issuer", 0.995, table) < SURE
    assert calibrate("issuer", 0.91, table) >= SURE


def test_a_lone_low_reading_is_not_sure_because_higher_ones_were_right() -> None:
    # The held-out part caught this: a reference read at 0.65 shown as sure because every
    # reading above 0.9 was right; it was wrong (`9825/…` for `825/…`).
    table = fit(_samples("reference", 0.91, 60) + _samples("reference", 0.65, 1))
    assert calibrate("reference", 0.65, table) < SURE
    assert calibrate("reference", 0.91, table) >= SURE


def test_a_field_without_a_table_is_never_sure() -> None:
    assert calibrate("doc_type", 1.0, {}) < SURE


def test_the_shipped_table_covers_every_field_and_both_sources() -> None:
    table = calibration._load(calibration.TABLE)
    for name in FIELDS:
        assert name in table and f"text:{name}" in table


def _page() -> OcrPage:
    lines = [
        ("UBND TỈNH PHÚ YÊN", 700, 250),
        ("BAN QUẢN LÝ DỰ ÁN ĐẦU TƯ", 700, 310),
        ("XÂY DỰNG CÁC CÔNG TRÌNH", 700, 370),
        ("Số: 125/QĐ-BQLDA", 700, 450),
        ("QUYẾT ĐỊNH", 1240, 700),
        ("Về việc phê duyệt dự toán", 1240, 760),
        ("Căn cứ Luật Ngân sách nhà nước ngày 25 tháng 6 năm 2015;", 1240, 900),
    ]
    words = []
    for n, (text, centre, top) in enumerate(lines, 1):
        x = centre - 15 * len(text)
        for token in text.split():
            words.append(Word(token, 99.0, x, top, 30 * len(token), 40, n, 1, 1))
            x += 30 * len(token) + 20
    return OcrPage(2480, 3508, 300, tuple(words), "")


def test_an_unknown_issuer_and_a_body_date_stay_low_whatever_the_table_says() -> None:
    everything_sure = fit(
        [s for name in FIELDS for s in _samples(name, 0.0, 100) + _samples(name, 0.5, 100)]
    )
    raw = extract(_page(), today=date(2026, 3, 10), calibrated=False)
    shown = calibrated_copy(raw, everything_sure)
    assert shown.reference.confidence >= SURE  # the table does make ordinary fields sure
    assert shown.issuer.value is not None and shown.issuer.confidence < SURE
    assert shown.issued_on.value == date(2015, 6, 25) and shown.issued_on.confidence < 0.5
