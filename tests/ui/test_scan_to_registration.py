"""From the scanner window to a registered document: the form opens pre-filled from page 1."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from clerk_app.reading import specimens
from clerk_app.workspace import Workspace
from ui.main_window import MainWindow
from ui.registration_form import IncomingForm


def test_scanned_letter_opens_a_prefilled_form_and_registers(
    app: QApplication, qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    scan = window.open_scanner(clean=False)
    letter = tmp_path / "letter.png"
    spec = specimens.specimen(4004, dpi=300, layout="typed", skew=0.0)
    spec.image.save(letter, dpi=(300, 300))
    scan.batch_screen.insert_file(letter)
    qtbot.waitUntil(lambda: scan.batch_screen.pages.count() == 1, timeout=60_000)
    scan.batch_screen.pages.setCurrentRow(0)
    scan.batch_screen.read_button.click()
    qtbot.waitUntil(
        lambda: any(isinstance(f, IncomingForm) for f in window.open_forms), timeout=90_000
    )
    form = next(f for f in window.open_forms if isinstance(f, IncomingForm))
    assert form.reference.text() == spec.truth["reference"]
    assert form.files() and form.files()[0].suffix == ".pdf"
    assert form.doc_type.currentText() == spec.truth["doc_type"]
    assert form.subject.toPlainText().strip() == spec.truth["subject"]
    assert "độ tin cậy" in form.reference.toolTip()
    form.submit()
    qtbot.waitUntil(
        lambda: workspace.register_for("incoming", workspace.registers()[0].year).last_number == 1,
        timeout=30_000,
    )
    # the window shows the number before the test lets it close (a late answer to a closed
    # window was a teardown error in CI)
    qtbot.waitUntil(
        lambda: "Đã đăng ký" in window.statusBar().currentMessage(), timeout=30_000
    )
    doc = workspace.search(spec.truth["reference"])[0]
    detail = workspace.document(doc.id)
    assert detail.files[0].media_type == "application/pdf"
    assert detail.summary.reference == spec.truth["reference"]


def test_unsure_fields_are_tinted_and_empty_ones_listed(
    app: QApplication, qtbot: QtBot, workspace: Workspace
) -> None:
    from datetime import date

    from clerk_app.reading.extraction import Extraction, FieldReading
    from ui.registration_form import CHECK_STYLE

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    extraction = Extraction(
        issuer=FieldReading("Sở Tài chính", 0.995),
        reference=FieldReading("12/STC-VP", 0.41),
        issued_on=FieldReading(date(2026, 3, 2), 0.99),
        doc_type=FieldReading("Công văn", 0.997),
        subject=FieldReading(None, 0.0),
        urgency=FieldReading(None, 0.0),
    )
    form = window.register_scanned([], extraction)
    assert isinstance(form, IncomingForm)
    assert form.reference.styleSheet() == CHECK_STYLE
    assert form.issuer.styleSheet() != CHECK_STYLE
    assert form.issued_on.value() == date(2026, 3, 2)
    assert form.prefill(extraction) == ["reference", "subject"]


def test_hoa_toc_hen_gio_puts_its_time_in_the_notes(
    app: QApplication, qtbot: QtBot, workspace: Workspace
) -> None:
    from datetime import date

    from clerk_app.reading.extraction import Extraction, FieldReading

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    extraction = Extraction(
        issuer=FieldReading("Sở Tài chính", 0.995),
        reference=FieldReading("12/STC-VP", 0.995),
        issued_on=FieldReading(date(2026, 3, 2), 0.995),
        doc_type=FieldReading("Công văn", 0.995),
        subject=FieldReading("V/v họp gấp", 0.995),
        urgency=FieldReading("Hỏa tốc", 0.995),
        urgency_due=FieldReading("2026-03-03T14:00", 0.995),
    )
    form = window.register_scanned([], extraction)
    assert isinstance(form, IncomingForm)
    assert form.urgency.currentText() == "Hỏa tốc"
    assert form.notes.text() == "Hỏa tốc hẹn giờ 14:00 ngày 03/03/2026"
