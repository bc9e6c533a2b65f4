"""Printed registers read back with PyMuPDF: entries, Vietnamese text, columns, pages, fingerprint."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pymupdf
import pytest
from printing_desk import DIACRITIC_ISSUER, LONG_SUBJECT_WORDS, Desk, assert_nfc, page_texts

from clerk_app import errors
from clerk_app.printing import binding, fonts
from clerk_app.printing.layout import INCOMING_COLUMNS, OUTGOING_COLUMNS
from clerk_app.printing.register_pdf import PrintedRegister, print_register
from clerk_app.workspace import Workspace


def _print(ws: Workspace, out: Path, first: str, last: str, **kw: object) -> PrintedRegister:
    return print_register(
        ws,
        str(kw.pop("kind", "incoming")),  # type: ignore[arg-type]
        2026,
        out,
        date_from=date.fromisoformat(first),
        date_to=date.fromisoformat(last),
        **kw,  # type: ignore[arg-type]
    )


def _count(reference: str, text: str) -> int:
    return len(re.findall(rf"(?<!\d){re.escape(reference)}", text))


def test_every_entry_of_the_period_is_printed_exactly_once(desk: Desk, tmp_path: Path) -> None:
    printed = _print(desk.ws, tmp_path / "q1.pdf", "2026-01-01", "2026-03-31")
    texts = page_texts(printed.path)
    body = "\n".join(texts[1 : 1 + printed.body_pages])
    for reference in desk.january + desk.february + desk.march + [desk.cancelled_reference]:
        assert _count(reference, body) == 1, reference
    assert printed.entries == 83
    assert (printed.first_number, printed.last_number) == (1, 83)
    assert_nfc("\n".join(texts))


def test_a_monthly_printing_holds_only_its_month(desk: Desk, tmp_path: Path) -> None:
    printed = _print(desk.ws, tmp_path / "feb.pdf", "2026-02-01", "2026-02-28")
    text = "\n".join(page_texts(printed.path))
    assert all(_count(r, text) == 1 for r in desk.february)
    assert not any(_count(r, text) for r in desk.january + desk.march)
    assert (printed.first_number, printed.last_number) == (41, 80)


def test_columns_are_the_templates_in_order(desk: Desk, tmp_path: Path) -> None:
    printed = _print(desk.ws, tmp_path / "jan.pdf", "2026-01-01", "2026-01-31")
    with pymupdf.open(printed.path) as doc:
        page = doc[1]
        words = page.get_text("words")
        header_x = []
        for title in [c.title for c in INCOMING_COLUMNS]:
            hits = page.search_for(title.split(" ")[0] + " " + title.split(" ")[1])
            assert hits, title
            header_x.append(min(h.x0 for h in hits))
        assert header_x == sorted(header_x)
        # One row: arrival date, number, issuer, reference, date, subject, recipient, in order.
        row_y = next(w[1] for w in words if w[4] == desk.january[0])
        row = sorted((w for w in words if abs(w[1] - row_y) < 1), key=lambda w: w[0])
        line = " ".join(w[4] for w in row)
        assert re.search(
            r"\d\d/01/2026 1 Sở Tài chính tỉnh Phú 101/STC-NS \d\d/01/2026 Công văn: Về việc .* Phòng Kinh tế",
            line,
        ), line
        assert "(1)" in page.get_text() and "(10)" in page.get_text()


def test_vietnamese_comes_back_whole_and_nfc(desk: Desk, tmp_path: Path) -> None:
    printed = _print(desk.ws, tmp_path / "mar.pdf", "2026-03-01", "2026-03-31")
    texts = page_texts(printed.path)
    body = "\n".join(texts[1 : 1 + printed.body_pages])
    assert_nfc(body)
    words = body.split()
    for word in DIACRITIC_ISSUER.split():
        assert word in words, word
    cover = texts[0]
    for phrase in (
        "ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH PHÚ YÊN",
        "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
        "Năm: 2026",
        "Từ ngày 01/03/2026 đến ngày 31/03/2026",
        "Từ số 81 đến số 83",
        "Quyển số: 1",
    ):
        assert phrase in cover, phrase


def test_a_2000_character_subject_wraps_across_pages_and_loses_nothing(
    desk: Desk, tmp_path: Path
) -> None:
    printed = _print(desk.ws, tmp_path / "mar.pdf", "2026-03-01", "2026-03-31")
    body = "\n".join(page_texts(printed.path)[1 : 1 + printed.body_pages])
    found = [w for w in body.split() if w.startswith("đoạn")]
    last_word = ("Về việc " + " ".join(LONG_SUBJECT_WORDS))[:2000].split()[-1]
    expected = LONG_SUBJECT_WORDS[: LONG_SUBJECT_WORDS.index(last_word) + 1]
    assert found == expected  # every word, once, in order, none cut
    assert printed.body_pages >= 2  # the row alone is taller than a page


def test_page_numbers_count_and_footer(desk: Desk, tmp_path: Path) -> None:
    printed = _print(desk.ws, tmp_path / "jan.pdf", "2026-01-01", "2026-01-31")
    texts = page_texts(printed.path)
    assert len(texts) == printed.pdf_pages == 1 + printed.body_pages + 1
    assert printed.first_page == 1 and printed.body_pages >= 2
    for i, text in enumerate(texts[1 : 1 + printed.body_pages]):
        assert f"Trang {printed.first_page + i}" in text
        assert f"Lần in này: {printed.body_pages} trang thân sổ" in text
        assert printed.fingerprint in text
        assert "Sở Khoa học và Công nghệ tỉnh Phú Yên" in text
        assert "từ 01/01/2026 đến 31/01/2026" in text
        assert "Tác giả" in text  # the header repeats on every page
    assert printed.fingerprint in texts[0]
    assert f"Gồm {printed.body_pages} trang thân sổ" in texts[0]


def test_monthly_printings_continue_the_years_page_numbers(desk: Desk, tmp_path: Path) -> None:
    january = _print(desk.ws, tmp_path / "jan.pdf", "2026-01-01", "2026-01-31")
    february = _print(desk.ws, tmp_path / "feb.pdf", "2026-02-01", "2026-02-28")
    both = _print(desk.ws, tmp_path / "q.pdf", "2026-01-01", "2026-02-28")
    assert february.first_page == january.last_page + 1
    assert both.first_page == 1 and both.last_page == february.last_page
    # The same entry is on the same numbered page in the monthly and the two-month printing.
    feb_texts = page_texts(february.path)[1 : 1 + february.body_pages]
    both_texts = page_texts(both.path)[1 : 1 + both.body_pages]
    reference = desk.february[-1]
    page_in_feb = next(t for t in feb_texts if reference in t)
    page_in_both = next(t for t in both_texts if reference in t)
    label = re.search(r"Trang (\d+)", page_in_feb)
    assert label and f"Trang {label.group(1)}" in page_in_both
    assert int(label.group(1)) == february.last_page


def test_cancelled_entries_are_marked_and_listed(desk: Desk, tmp_path: Path) -> None:
    printed = _print(desk.ws, tmp_path / "mar.pdf", "2026-03-01", "2026-03-31")
    texts = page_texts(printed.path)
    assert printed.cancelled == (83,)
    body = "\n".join(texts[1 : 1 + printed.body_pages])
    assert "ĐÃ HỦY" in body
    listing = texts[-1]
    assert "DANH SÁCH SỐ ĐÃ HỦY VÀ SỐ BỎ TRỐNG" in listing
    assert desk.cancelled_reference in listing
    assert "Đăng ký nhầm văn bản của đơn vị khác" in listing
    assert "Trang 1" not in listing.replace("Danh sách số hủy — trang 1", "")


def test_a_period_without_cancellations_says_so(desk: Desk, tmp_path: Path) -> None:
    printed = _print(desk.ws, tmp_path / "jan.pdf", "2026-01-01", "2026-01-31")
    assert "Không có số nào bị hủy hoặc bỏ trống trong kỳ." in page_texts(printed.path)[-1]


def test_outgoing_register_has_its_own_columns(desk: Desk, tmp_path: Path) -> None:
    printed = _print(desk.ws, tmp_path / "di.pdf", "2026-02-01", "2026-02-28", kind="outgoing")
    texts = page_texts(printed.path)
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in texts[0] and "Từ số 01 đến số 06" in texts[0]
    body = texts[1]
    for col in OUTGOING_COLUMNS:
        assert col.title.split()[0] in body
    for i in range(1, 7):
        assert _count(f"{i:02d}/SKHCN-VP", body) == 1
    assert "Văn phòng Sở (bản lưu)" in body.replace("\n", " ")
    assert "Nguyễn Văn Hùng" in body.replace("\n", " ")


def test_empty_period_and_periods_across_years_are_refused(desk: Desk, tmp_path: Path) -> None:
    with pytest.raises(errors.EmptyPeriod):
        _print(desk.ws, tmp_path / "x.pdf", "2026-05-01", "2026-05-31")
    with pytest.raises(errors.PeriodAcrossYears) as across:
        print_register(
            desk.ws,
            "incoming",
            2026,
            tmp_path / "x.pdf",
            date_from=date(2025, 12, 1),
            date_to=date(2026, 1, 31),
        )
    assert "2025" in str(across.value) and "2026" in str(across.value)
    with pytest.raises(errors.PeriodOutsideYear):
        print_register(
            desk.ws,
            "incoming",
            2026,
            tmp_path / "x.pdf",
            date_from=date(2025, 1, 1),
            date_to=date(2025, 1, 31),
        )
    with pytest.raises(errors.PeriodReversed):
        _print(desk.ws, tmp_path / "x.pdf", "2026-02-01", "2026-01-01")
    assert not (tmp_path / "x.pdf").exists()


def test_fingerprint_repeats_on_reprint_and_changes_with_a_correction(
    workspace: Workspace, tmp_path: Path
) -> None:
    from clerk_app.records import IncomingDraft

    doc = workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Nội vụ",
            reference="12/SNV-VP",
            issued_on=None,
            doc_type="Công văn",
            subject="Về việc tuyển dụng công chức",
        )
    ).document.summary
    first = print_register(workspace, "incoming", 2026, tmp_path / "a.pdf")
    again = print_register(workspace, "incoming", 2026, tmp_path / "b.pdf")
    assert first.fingerprint == again.fingerprint
    workspace.correct(doc.id, {"subject": "Về việc tuyển dụng viên chức"}, "gõ nhầm")
    changed = print_register(workspace, "incoming", 2026, tmp_path / "c.pdf")
    assert changed.fingerprint != first.fingerprint
    assert changed.fingerprint in page_texts(changed.path)[1]


class _Cancelling:
    def __init__(self) -> None:
        self.reports = 0

    def report(self, done: int, total: int, label: str = "") -> None:
        self.reports += 1

    @property
    def cancelled(self) -> bool:
        return True


def test_a_cancelled_printing_leaves_no_file(desk: Desk, tmp_path: Path) -> None:
    with pytest.raises(errors.PrintCancelled):
        _print(desk.ws, tmp_path / "q.pdf", "2026-01-01", "2026-03-31", progress=_Cancelling())
    assert list(tmp_path.iterdir()) == []


def test_cover_and_body_render_to_png(desk: Desk, tmp_path: Path) -> None:
    printed = _print(desk.ws, tmp_path / "mar.pdf", "2026-03-01", "2026-03-31")
    with pymupdf.open(printed.path) as doc:
        for index in (0, 1):
            page = doc[index]
            assert page.rect.width > page.rect.height  # A4 landscape
            pix = page.get_pixmap(dpi=60)
            pix.save(tmp_path / f"page-{index}.png")
            samples = pix.samples
            dark = sum(1 for b in samples[::3] if b < 128)
            assert dark > 500, f"page {index} looks blank"


def test_font_lookup_prefers_resources_then_system_then_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resources, system = tmp_path / "res", tmp_path / "sys"
    resources.mkdir()
    system.mkdir()
    monkeypatch.setattr(fonts, "RESOURCE_FONTS", resources)
    monkeypatch.setattr(fonts, "SYSTEM_FONTS", system)
    with pytest.raises(errors.FontMissing) as missing:
        fonts.font_path()
    assert missing.value.font_file == "Tinos-Regular.ttf"
    assert "fonts-croscore" in str(missing.value)
    (system / "Tinos-Regular.ttf").write_bytes(b"x")
    assert fonts.font_path() == system / "Tinos-Regular.ttf"
    (resources / "Tinos-Regular.ttf").write_bytes(b"x")
    assert fonts.font_path() == resources / "Tinos-Regular.ttf"


def test_a_long_list_of_cancelled_numbers_keeps_the_registers_rules(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Several pages of cancelled numbers: header and footer on each, its own page numbers,
    every number once, long reasons wrapped whole, the body's numbering untouched."""
    from clerk_app.records import IncomingDraft

    reason = "Đăng ký nhầm: văn bản của Ủy ban nhân dân huyện Đồng Xuân gửi Phòng Tư pháp, "
    references = []
    for n in range(1, 61):
        doc = workspace.register_incoming(
            IncomingDraft(
                issuer="Sở Tư pháp tỉnh Phú Yên",
                reference=f"{n}/STP-HCTP",
                issued_on=None,
                doc_type="Công văn",
                subject=f"Về việc rà soát văn bản quy phạm pháp luật đợt {n}",
            )
        ).document.summary
        references.append(doc.reference)
        if n % 3:
            workspace.cancel(doc.id, f"{reason}lần {n} — đã trả lại bộ phận một cửa")
    printed = print_register(workspace, "incoming", 2026, tmp_path / "huy.pdf")
    texts = page_texts(printed.path)
    listing = texts[1 + printed.body_pages :]
    assert len(printed.cancelled) == 40 and len(listing) >= 2
    assert len(texts) == printed.pdf_pages
    joined = "\n".join(listing)
    assert_nfc(joined)
    for n, reference in enumerate(references, 1):
        assert _count(reference, joined) == (1 if n % 3 else 0), reference
        assert _count(f"lần {n} — đã trả lại bộ phận một cửa", " ".join(joined.split())) == (
            1 if n % 3 else 0
        )
    for k, page in enumerate(listing, 1):
        assert "DANH SÁCH SỐ ĐÃ HỦY VÀ SỐ BỎ TRỐNG" in page and "Lý do hủy" in page
        assert f"Danh sách số hủy — trang {k}" in page
        assert workspace.agency().name in page
        assert f"SHA-256 các mục: {printed.fingerprint}" in page
        assert f"và {len(listing)} trang danh sách số hủy, 60 văn bản" in page
    # The list's pages do not shift the body's numbers.
    assert printed.first_page == 1 and f"Trang {printed.last_page}" in texts[printed.body_pages]


def test_pages_bound_from_small_chunks_read_as_one_canvas(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The binding's chunks (here 2 pages each, normally 100) join without losing, doubling or
    reordering a page, and the late facts are laid over every page of every chunk."""
    whole = _print(desk.ws, tmp_path / "whole.pdf", "2026-01-01", "2026-03-31")
    monkeypatch.setattr(binding, "CHUNK", 2)
    chunked = _print(desk.ws, tmp_path / "chunked.pdf", "2026-01-01", "2026-03-31")
    assert chunked.pdf_pages == whole.pdf_pages >= 7
    assert chunked.fingerprint == whole.fingerprint
    assert page_texts(chunked.path) == page_texts(whole.path)
    for text in page_texts(chunked.path)[1:]:
        assert f"SHA-256 các mục: {chunked.fingerprint}" in text
    with pymupdf.open(chunked.path) as doc:
        assert doc.metadata["subject"] == f"SHA-256 {chunked.fingerprint}"
        assert doc.metadata["author"] == "Sở Khoa học và Công nghệ tỉnh Phú Yên"


REFERENCES = ("1395/HD-BKHCN", "12/2026/QĐ-UBND", "2345/BTNMT-TCMT", "12345/2026/QĐ-UBND-VPCP")


@pytest.fixture
def long_references(workspace: Workspace, clock: object) -> Workspace:
    from datetime import datetime

    from clerk_app.clock import VIETNAM
    from clerk_app.records import IncomingDraft, OutgoingDraft

    for n, reference in enumerate(REFERENCES):
        clock.now = datetime(2026, 1, 5 + n, 9, 0, tzinfo=VIETNAM)  # type: ignore[attr-defined]
        workspace.register_incoming(
            IncomingDraft(
                issuer="Bộ Khoa học và Công nghệ",
                reference=reference,
                issued_on=date(2026, 1, 2),
                doc_type="Hướng dẫn",
                subject="Về việc hướng dẫn thực hiện",
                received_at=clock.now,  # type: ignore[attr-defined]
            )
        )
    for _ in range(7):
        workspace.register_outgoing(
            OutgoingDraft("Công văn", "V/v báo cáo", "Nguyễn Văn Hùng", "Sở Nội vụ", unit_code="VP")
        )
    return workspace


def _layout_text(path: Path) -> str:
    import subprocess

    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_references_stay_whole_on_one_line_inside_their_column(
    long_references: Workspace, tmp_path: Path
) -> None:
    printed = _print(long_references, tmp_path / "so.pdf", "2026-01-01", "2026-01-31")
    text = _layout_text(printed.path)
    for reference in REFERENCES:
        assert reference in text, reference  # whole, on one line (pdftotext keeps lines)
    assert "1395/HD-\n" not in text and "BKHCN\n" not in text.replace("HD-BKHCN\n", "")
    (column,) = [c for c in INCOMING_COLUMNS if c.title == "Số, ký hiệu"]
    left = 56.7 + sum(c.width for c in INCOMING_COLUMNS[: INCOMING_COLUMNS.index(column)])
    with pymupdf.open(printed.path) as doc:
        words = doc[1].get_text("words")
    for reference in REFERENCES:
        (word,) = [w for w in words if w[4] == reference]
        assert left <= word[0] and word[2] <= left + column.width, reference


def test_stamp_and_register_write_the_arrival_number_alike(
    long_references: Workspace, tmp_path: Path
) -> None:
    from clerk_app.stamping.arrival import stamp_from_record
    from clerk_app.vocabulary import number_label

    printed = _print(long_references, tmp_path / "so.pdf", "2026-01-01", "2026-01-31")
    rows = [" ".join(line.split()) for line in _layout_text(printed.path).splitlines()]
    (row,) = [r for r in rows if "1395/HD-BKHCN" in r]
    assert row.split()[1] == "1"  # (2) Số đến, as the count: never «01»
    summary = next(long_references.iter_register(long_references.register_for("incoming", 2026).id))
    stamp = stamp_from_record(long_references.agency(), summary)
    assert number_label("incoming", stamp.number or 0) == "1"
    out = _print(long_references, tmp_path / "di.pdf", "2026-01-01", "2026-12-31", kind="outgoing")
    assert "Từ số 01 đến số 07" in page_texts(out.path)[0]  # outgoing numbers: leading zero
    assert "07/UBND-VP" in _layout_text(out.path)


def test_register_and_handover_pdfs_declare_only_embedded_tinos(
    long_references: Workspace, tmp_path: Path
) -> None:
    import subprocess

    from clerk_app.instructions.handover import hand_over_paper
    from clerk_app.instructions.secretary import Secretary
    from clerk_app.printing.handover_pdf import print_handover_log

    sec = Secretary(long_references)
    first = next(long_references.iter_register(long_references.register_for("incoming", 2026).id))
    hand_over_paper(sec, first.id, "KT")
    books = [
        _print(long_references, tmp_path / "den.pdf", "2026-01-01", "2026-12-31").path,
        _print(
            long_references, tmp_path / "di.pdf", "2026-01-01", "2026-12-31", kind="outgoing"
        ).path,
        print_handover_log(sec, date(2026, 1, 1), date(2026, 12, 31), tmp_path / "cg.pdf").path,
    ]
    for book in books:
        table = subprocess.run(
            ["pdffonts", str(book)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        names = {line.split()[0] for line in table}
        assert names and all(n.split("+")[-1].startswith("Tinos") for n in names), (book, names)
        assert all(line.split()[-5] == "yes" for line in table), table  # every one embedded
