"""The handover log (sổ chuyển giao văn bản) printed and read back with PyMuPDF."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pymupdf
import pytest
from printing_desk import DIACRITIC_ISSUER, LONG_SUBJECT, LONG_SUBJECT_WORDS, assert_nfc, page_texts

from clerk_app import errors
from clerk_app.cli import main
from clerk_app.clock import VIETNAM
from clerk_app.instructions.handover import hand_over_paper, handover_log, sign_receipt
from clerk_app.instructions.secretary import Secretary
from clerk_app.printing import layout as L
from clerk_app.printing.handover_pdf import HANDOVER_COLUMNS, print_handover_log
from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace

RECEIVER = "Trần Thị Ngọc Ánh"  # a person, so the log names her, not a unit


@dataclass(frozen=True)
class Log:
    sec: Secretary
    february: list[str]  # references handed over in February, in order
    march: list[str]
    april: list[str]


@pytest.fixture
def log(workspace: Workspace, clock: object) -> Iterator[Log]:
    """Two lines in February; 40 in March (several pages), a 2,000-character subject and a
    diacritic-rich issuer, one line already signed for; two lines in April."""
    workspace.add_person(RECEIVER, "KT", "Chuyên viên")
    sec = Secretary(workspace)
    february: list[str] = []
    march: list[str] = []
    april: list[str] = []

    def handed(day: date, n: int, receiver: str, **kw: str) -> str:
        clock.now = datetime(day.year, day.month, day.day, 9, n % 60, tzinfo=VIETNAM)  # type: ignore[attr-defined]
        reference = f"{n}/STC-NS"
        doc = workspace.register_incoming(
            IncomingDraft(
                issuer=kw.get("issuer", "Sở Tài chính tỉnh Phú Yên"),
                reference=reference,
                issued_on=day,
                doc_type="Công văn",
                subject=kw.get("subject", f"Về việc quyết toán kinh phí đợt {n}"),
                received_at=datetime(day.year, day.month, day.day, 8, 0, tzinfo=VIETNAM),
                allow_duplicate=True,
            )
        ).document.summary.id
        entry = hand_over_paper(sec, doc, receiver, copies=1 + n % 3, note=kw.get("note", ""))
        if "signed" in kw:
            sign_receipt(sec, entry.id, kw["signed"], entry.version)
        return reference

    february.append(handed(date(2026, 2, 10), 50, "KT"))
    february.append(handed(date(2026, 2, 11), 51, "VP"))
    for i in range(40):
        march.append(handed(date(2026, 3, 2 + i * 25 // 40), 100 + i, "KT" if i % 2 else RECEIVER))
    march.append(handed(date(2026, 3, 27), 200, "VP", subject=LONG_SUBJECT))
    march.append(handed(date(2026, 3, 28), 201, "VP", issuer=DIACRITIC_ISSUER, note="Bản chính"))
    march.append(handed(date(2026, 3, 30), 202, "KT", signed="Nguyễn Văn Đức"))
    april.append(handed(date(2026, 4, 1), 300, "KT"))
    april.append(handed(date(2026, 4, 2), 301, "VP"))
    yield Log(sec, february, march, april)


def _count(reference: str, text: str) -> int:
    return len(re.findall(rf"(?<!\d){re.escape(reference)}", text))


def test_every_line_of_the_period_is_printed_once_with_its_columns(
    log: Log, tmp_path: Path
) -> None:
    printed = print_handover_log(log.sec, date(2026, 3, 1), date(2026, 3, 31), tmp_path / "m.pdf")
    texts = page_texts(printed.path)
    body = texts[1:]
    text = "\n".join(body)
    assert printed.entries == 43 and printed.pdf_pages == len(texts) == 1 + printed.body_pages
    assert printed.body_pages >= 3
    for reference in log.march:
        assert _count(reference, text) == 1, reference
    assert not any(_count(r, "\n".join(texts)) for r in log.february + log.april)
    assert_nfc("\n".join(texts))
    flat = " ".join(text.split())
    assert RECEIVER in flat and "Phòng Kinh tế" in flat and "Bản chính" in flat
    assert "Nguyễn Văn Đức (30/03/2026)" in flat  # the receipt recorded on the desk
    # The 2,000-character subject wraps over lines (and pages), never cut: every word is there.
    words = LONG_SUBJECT.split()[2:]
    assert words == LONG_SUBJECT_WORDS[: len(words)]
    assert all(_count(word, text) == 1 for word in words)
    for n, page in enumerate(body, printed.first_page):
        assert f"Trang {n}" in page
        assert "SỔ CHUYỂN GIAO VĂN BẢN NĂM 2026" in page and "Ký nhận" in page  # repeated header
        assert "Ủy ban nhân dân tỉnh Phú Yên" in page
        assert "từ 01/03/2026 đến 31/03/2026" in page
        assert f"SHA-256 các mục: {printed.fingerprint}" in page
        assert (
            f"Lần in này: {printed.body_pages} trang (trang {printed.first_page}–"
            f"{printed.last_page}), 43 lượt chuyển giao" in page
        )


def test_the_cover_names_agency_book_year_period_and_volume(log: Log, tmp_path: Path) -> None:
    printed = print_handover_log(
        log.sec, date(2026, 3, 1), date(2026, 3, 31), tmp_path / "m.pdf", volume=2
    )
    cover = page_texts(printed.path)[0]
    assert_nfc(cover)
    for phrase in (
        "ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN",
        "SỔ CHUYỂN GIAO VĂN BẢN",
        "Năm: 2026",
        "Từ ngày 01/03/2026 đến ngày 31/03/2026",
        "Quyển số: 2",
        f"Gồm {printed.body_pages} trang, đánh số từ trang {printed.first_page} đến trang "
        f"{printed.last_page}, ghi 43 lượt chuyển giao.",
        printed.fingerprint,
    ):
        assert phrase in cover, phrase
    assert "Quyển số 2" in page_texts(printed.path)[1]


def test_monthly_printings_continue_the_years_page_numbers(log: Log, tmp_path: Path) -> None:
    february = print_handover_log(log.sec, date(2026, 2, 1), date(2026, 2, 28), tmp_path / "2.pdf")
    march = print_handover_log(log.sec, date(2026, 3, 1), date(2026, 3, 31), tmp_path / "3.pdf")
    april = print_handover_log(log.sec, date(2026, 4, 1), date(2026, 4, 30), tmp_path / "4.pdf")
    year = print_handover_log(log.sec, date(2026, 1, 1), date(2026, 12, 31), tmp_path / "y.pdf")
    assert (february.first_page, february.last_page) == (1, 1)
    assert march.first_page == february.last_page + 1
    assert april.first_page == march.last_page + 1
    assert (year.first_page, year.last_page) == (1, april.last_page)
    assert year.entries == february.entries + march.entries + april.entries == 47
    # Each line sits on the same numbered page in its month's printing and in the year's.
    year_pages = page_texts(year.path)[1:]
    for printed, references in ((march, log.march), (april, log.april)):
        for n, page in enumerate(page_texts(printed.path)[1:], printed.first_page):
            assert f"Trang {n}" in year_pages[n - 1]
            for reference in references:
                if _count(reference, page):
                    assert _count(reference, year_pages[n - 1]) == 1, (reference, n)


def test_a_receipt_recorded_after_printing_keeps_the_later_page_numbers(
    log: Log, tmp_path: Path
) -> None:
    before = print_handover_log(log.sec, date(2026, 4, 1), date(2026, 4, 30), tmp_path / "a.pdf")
    for entry in handover_log(log.sec, date(2026, 3, 1), date(2026, 3, 31), unsigned_only=True):
        sign_receipt(log.sec, entry.id, "Nguyễn Thị Hồng Nhung", entry.version)
    after = print_handover_log(log.sec, date(2026, 4, 1), date(2026, 4, 30), tmp_path / "b.pdf")
    assert after.first_page == before.first_page
    assert after.fingerprint == before.fingerprint  # April's own lines did not change


def test_a_period_across_two_years_is_refused(log: Log, tmp_path: Path) -> None:
    with pytest.raises(errors.PeriodAcrossYears) as across:
        print_handover_log(log.sec, date(2025, 12, 1), date(2026, 3, 31), tmp_path / "x.pdf")
    assert (across.value.first_year, across.value.last_year) == (2025, 2026)
    assert not (tmp_path / "x.pdf").exists()


def test_columns_are_in_order_and_the_signature_column_is_blank(log: Log, tmp_path: Path) -> None:
    printed = print_handover_log(log.sec, date(2026, 4, 1), date(2026, 4, 30), tmp_path / "a.pdf")
    with pymupdf.open(printed.path) as doc:
        page = doc[1]
        lefts = []
        for col in HANDOVER_COLUMNS:
            hits = page.search_for(col.title.split()[0] + " " + col.title.split()[1])
            assert hits, col.title
            lefts.append(min(h.x0 for h in hits if h.y0 < 120))
        assert lefts == sorted(lefts)
        # Nothing is written in the ký nhận column below its title, above the footer.
        left = L.MARGIN_LEFT + sum(c.width for c in HANDOVER_COLUMNS[:5])
        right = left + HANDOVER_COLUMNS[5].width
        rows_top = page.search_for("(6)")[0].y1
        footer_top = L.PAGE_HEIGHT - (L.MARGIN_BOTTOM + L.FOOTER_HEIGHT - 6)
        words = page.get_text("words")
        assert [
            w
            for w in words
            if w[1] > rows_top and w[3] < footer_top and w[0] < right and w[2] > left
        ] == []
        assert any(w[1] > rows_top and w[2] < left for w in words)  # while the row has text
        # The 2026-04-01 line is above the 2026-04-02 line.
        first, second = (page.search_for(r)[0].y0 for r in log.april)
        assert first < second


def test_a_reprint_keeps_the_fingerprint_and_a_signature_changes_it(
    log: Log, tmp_path: Path
) -> None:
    period = (date(2026, 4, 1), date(2026, 4, 30))
    once = print_handover_log(log.sec, *period, tmp_path / "1.pdf")
    again = print_handover_log(log.sec, *period, tmp_path / "2.pdf")
    assert once.fingerprint == again.fingerprint
    entry = next(e for e in handover_log(log.sec, *period) if e.reference == log.april[0])
    sign_receipt(log.sec, entry.id, "Lê Văn Tám", entry.version)
    changed = print_handover_log(log.sec, *period, tmp_path / "3.pdf")
    assert changed.fingerprint != once.fingerprint


def test_empty_future_and_reversed_periods_are_refused(
    log: Log, tmp_path: Path, clock: object
) -> None:
    # On 02/04 May has not begun: nothing can be printed for it yet.
    with pytest.raises(errors.DateInFuture):
        print_handover_log(log.sec, date(2026, 5, 1), date(2026, 5, 31), tmp_path / "x.pdf")
    clock.now = datetime(2026, 6, 30, 9, 0, tzinfo=VIETNAM)  # type: ignore[attr-defined]
    with pytest.raises(errors.EmptyHandoverLog):
        print_handover_log(log.sec, date(2026, 5, 1), date(2026, 5, 31), tmp_path / "x.pdf")
    with pytest.raises(errors.PeriodReversed):
        print_handover_log(log.sec, date(2026, 4, 2), date(2026, 4, 1), tmp_path / "x.pdf")
    assert [p.name for p in tmp_path.iterdir()] == ["desk"]  # no PDF, no partial file


def _pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_rows_carry_the_document_type_as_column_3_says(log: Log, tmp_path: Path) -> None:
    printed = print_handover_log(log.sec, date(2026, 4, 1), date(2026, 4, 30), tmp_path / "a.pdf")
    text = _pdftotext(printed.path)
    assert "Số và ký hiệu; tên loại và trích yếu" in " ".join(text.split())
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for n, reference in zip((300, 301), log.april, strict=True):
        row = next(line for line in lines if reference in line)
        assert f"{reference}; Công văn: Về việc quyết toán kinh phí đợt {n}" in row, row


def test_the_cover_states_the_period_actually_printed(log: Log, tmp_path: Path) -> None:
    # The desk's clock stands at 02/04/2026: «the year 2026» printed now ends today.
    printed = print_handover_log(log.sec, date(2026, 1, 1), date(2026, 12, 31), tmp_path / "y.pdf")
    assert (printed.period.first, printed.period.last) == (date(2026, 1, 1), date(2026, 4, 2))
    text = _pdftotext(printed.path)
    cover = " ".join(text.split("\f")[0].split())
    assert "Từ ngày 01/01/2026 đến ngày 02/04/2026" in cover
    assert "31/12/2026" not in text, "no page claims days not yet come"
    assert "từ 01/01/2026 đến 02/04/2026" in " ".join(text.split("\f")[1].split())


def test_cli_prints_the_handover_log(
    log: Log, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "chuyen-giao.pdf"
    args = ["--data-dir", str(log.sec.ws.data_dir), "print-register", "--book", "handover"]
    code = main([*args, "--from", "2026-04-01", "--to", "2026-04-30", "--out", str(out), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["entries"] == 2 and data["pdf_pages"] == 2 and out.is_file()
    assert data["first_page"] == data["last_page"] > 1  # after February's and March's pages
    assert data["fingerprint"] in page_texts(out)[1]
    assert main([*args, "--year", "2026", "--out", str(tmp_path / "y.pdf"), "--json"]) == 0
    year = json.loads(capsys.readouterr().out)
    assert year["entries"] == 47 and year["first_page"] == 1 and year["year"] == 2026
    # The page renders (a look at it is part of the review; here it must at least rasterise).
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(out), str(tmp_path / "p")],
        check=True,
    )
    assert list(tmp_path.glob("p*.png"))
