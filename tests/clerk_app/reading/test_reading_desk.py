"""The reading as the desk uses it: its registered issuers, born-digital files from the watched
folder and batch imports read from their text, and a «Hỏa tốc hẹn giờ» time in the follow-up
lists."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from clerk_app import cli
from clerk_app.clock import VIETNAM
from clerk_app.instructions.records import InstructionDraft
from clerk_app.instructions.secretary import Secretary
from clerk_app.reading import specimens
from clerk_app.records import IncomingDraft
from clerk_app.vocabulary import timed_due, timed_note
from clerk_app.workspace import Workspace

BOARD = "Ban Quản lý dự án đầu tư xây dựng các công trình"


def _slipped_board_letter(tmp_path: Path) -> Path:
    """A born-digital letter of the project board (in no shipped list) with «CỐNG» printed."""
    # Only the born-digital file is drawn (0.8 s a seed, its fonts' widths): the search starts at
    # the first board letter from 70000 on, and still checks the issuer.
    for seed in range(70006, 70400):
        pdf, truth = specimens.born_digital(seed, variant="issuer_slip")
        if truth["issuer"] == BOARD:
            path = tmp_path / "board.pdf"
            path.write_bytes(pdf)
            return path
    raise AssertionError("no board letter among the seeds")


def test_clerk_extract_respells_an_issuer_the_desk_has_registered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = tmp_path / "desk"
    monkeypatch.setenv("CLERK_DATA_DIR", str(desk))
    letter = _slipped_board_letter(tmp_path)
    # No desk yet: the slip stays as printed, and an unknown issuer is never sure.
    assert cli.main(["extract", str(letter), "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert before["source"] == "text"
    assert before["issuer"] != BOARD and before["confidence"]["issuer"] <= 0.6
    assert cli.main(["init", "--agency-name", "Sở Tài chính", "--agency-code", "STC"]) == 0
    capsys.readouterr()
    with Workspace.open(desk) as ws:
        ws.register_incoming(
            IncomingDraft(
                issuer=BOARD,
                reference="12/BQLDA-KT",
                issued_on=None,
                doc_type="Công văn",
                subject="V/v bàn giao mặt bằng",
                received_at=datetime(2026, 3, 10, 7, 45, tzinfo=VIETNAM),
            )
        )
        assert ws.known_issuers() == (BOARD,)
    # The desk knows the board: its spelling wins over the printed slip, as in the form.
    assert cli.main(["extract", str(letter), "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert after["issuer"] == BOARD and after["confidence"]["issuer"] > 0.6


def test_a_born_digital_pdf_dropped_in_the_watched_folder_is_read_from_its_text(
    tmp_path: Path,
) -> None:
    from scanner.watch import WaitingFiles, WatchedFolder

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    spec = specimens.specimen(4004)
    (inbox / "letter.pdf").write_bytes(spec.notes["pdf"])
    store = WaitingFiles(tmp_path / "waiting", (str(spec.truth["issuer"]),))
    watch = WatchedFolder(inbox, tmp_path / "pages", clean=True, store=store)
    watch.poll()
    (picked,) = watch.poll()
    assert picked.waiting is not None, picked.refused
    (kept,) = store.waiting()
    data = kept.extraction.to_json()
    assert data["source"] == "text"
    assert {n: data[n] for n in spec.truth} == spec.truth


def test_page_one_of_an_imported_pdf_keeps_its_file_and_is_read_from_its_text(
    tmp_path: Path,
) -> None:
    from scanner.batch import batch_from_state, batch_state, pages_from_import, read_first_page

    spec = specimens.specimen(4016, dpi=200)
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(spec.notes["pdf"])
    pages = pages_from_import(pdf, tmp_path / "pages", clean=False)
    assert pages[0].origin == pdf
    found = read_first_page(pages)
    assert found.source == "text"
    assert {n: found.to_json()[n] for n in spec.truth} == spec.truth
    # Kept across a crash like the rest of the page.
    (back,) = batch_from_state(json.loads(json.dumps(batch_state(_batch(pages))))).pages
    assert back.origin == pdf
    # A scanned image has no text layer to read: OCR of the page.
    png = tmp_path / "scan.png"
    spec.image.save(png, dpi=(200, 200))
    scanned = pages_from_import(png, tmp_path / "pages2", clean=False)
    assert scanned[0].origin is None
    assert read_first_page(scanned).source == "ocr"


def _batch(pages: list) -> object:
    from scanner.batch import ScanBatch

    return ScanBatch(pages)


def test_the_timed_note_reads_back_in_every_spelling_the_desk_writes() -> None:
    due = datetime(2026, 12, 5, 14, 0)
    assert timed_note(due) == "Hỏa tốc hẹn giờ 14:00 ngày 05/12/2026"
    assert timed_due(timed_note(due)) == due
    # A received package's note (interchange), and a hand-typed one.
    assert timed_due("Hỏa tốc hẹn giờ: 15:00 12/03/2026\nNgười ký: A") == datetime(
        2026, 3, 12, 15, 0
    )
    assert timed_due("hỏa tốc hẹn giờ 9h ngày 5/1/2027") == datetime(2027, 1, 5, 9, 0)
    assert timed_due("Hỏa tốc") is None and timed_due("hẹn giờ 31/02/2026") is None


def test_follow_up_lists_show_the_time_of_a_timed_hoa_toc(
    workspace: Workspace, make_pdf: Callable[..., Path]
) -> None:
    sec = Secretary(workspace)
    ids = []
    for urgency, notes in (
        ("Hỏa tốc", timed_note(datetime(2026, 3, 11, 14, 0))),
        ("Hỏa tốc", ""),
        # A time in the notes of a document no longer Hỏa tốc is not an appointment.
        ("Khẩn", timed_note(datetime(2026, 3, 11, 9, 30))),
    ):
        registered = workspace.register_incoming(
            IncomingDraft(
                issuer="Sở Tài chính",
                reference="15/STC-NS",
                issued_on=None,
                doc_type="Công văn",
                subject=f"V/v {urgency} {len(ids)}",
                urgency=urgency,
                notes=notes,
                received_at=datetime(2026, 3, 10, 7, 45, tzinfo=VIETNAM),
                files=[make_pdf("CÔNG VĂN")],
                allow_duplicate=True,
            )
        )
        doc_id = registered.document.summary.id
        sec.instruct(doc_id, InstructionDraft("Chủ tịch", "Xử lý", "KT"))
        ids.append(doc_id)
    items = {i.document_id: i for i in sec.due()}
    timed = items[ids[0]]
    assert timed.due_at == datetime(2026, 3, 11, 14, 0)
    assert timed.urgency_shown == "Hỏa tốc · hẹn 14:00 11/03/2026"
    assert items[ids[1]].due_at is None and items[ids[1]].urgency_shown == "Hỏa tốc"
    assert items[ids[2]].due_at is None
    lists = sec.follow_up()
    shown = [i for key in ("overdue", "due_soon", "open") for i in getattr(lists, key)]
    assert any(i.urgency_shown.endswith("hẹn 14:00 11/03/2026") for i in shown)


def test_a_secret_page_dropped_in_the_watched_folder_is_refused_before_it_is_kept(
    tmp_path: Path,
) -> None:
    from clerk_app import errors
    from scanner.watch import WaitingFiles, WatchedFolder

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    spec = specimens.secret_specimen(20003, level="Tối mật", angle=35.0)
    spec.image.save(inbox / "scan.png", dpi=(spec.dpi, spec.dpi))
    store = WaitingFiles(tmp_path / "waiting")
    watch = WatchedFolder(inbox, tmp_path / "pages", clean=False, store=store)
    watch.poll()
    (picked,) = watch.poll()
    assert isinstance(picked.refused, errors.SecretDocumentRefused)
    assert picked.moved_to == inbox / "rejected" / "scan.png"
    assert store.waiting() == [] and not any((tmp_path / "waiting").rglob("*.pdf"))
