"""Makes PNG screenshots of every screen over a demo desk (`python -m ui.screenshots`); no logic."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from clerk_app.errors import MissingField, NotInitialised, SecretDocumentRefused
from clerk_app.records import IncomingDraft
from ui.app import make_application

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "screenshots"
FONT_CANDIDATES = (
    Path(__file__).resolve().parent.parent / "resources" / "fonts" / "Tinos-Regular.ttf",
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),
)


def settle(app: QApplication, at_least_ms: int = 150, timeout_s: float = 20.0) -> None:
    """Let background work (detail loads, page renders) finish and the screen repaint."""
    deadline = time.monotonic() + timeout_s
    start = time.monotonic()
    pool = QThreadPool.globalInstance()
    while time.monotonic() < deadline:
        app.processEvents()
        idle = pool.activeThreadCount() == 0
        if idle and (time.monotonic() - start) * 1000 >= at_least_ms:
            app.processEvents()
            if pool.activeThreadCount() == 0:
                break
        time.sleep(0.02)
    app.processEvents()


def sample_pdf(path: Path, title: str, reference: str, subject: str, pages: int = 2) -> Path:
    """A one-to-few page official-looking letter with Vietnamese text, for the previews."""
    import pymupdf

    font = next((f for f in FONT_CANDIDATES if f.is_file()), None)
    doc = pymupdf.open()
    for page_no in range(pages):
        page = doc.new_page(width=595, height=842)
        kw: dict[str, object] = {"fontname": "viet", "fontfile": str(font)} if font else {}

        def text(
            x: float,
            y: float,
            s: str,
            size: float = 11,
            page: Any = page,
            kw: dict[str, object] = kw,
        ) -> None:
            page.insert_text((x, y), s, fontsize=size, **kw)

        if page_no == 0:
            text(60, 70, "UBND TỈNH PHÚ YÊN", 11)
            text(60, 86, "SỞ TÀI CHÍNH", 11)
            text(300, 70, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 11)
            text(335, 86, "Độc lập - Tự do - Hạnh phúc", 11)
            text(60, 112, f"Số: {reference}", 11)
            text(330, 112, "Phú Yên, ngày 20 tháng 11 năm 2026", 10)
            text(235, 160, title, 15)
            text(150, 180, subject, 11)
            y = 220
        else:
            y = 80
        for i in range(24):
            text(
                70,
                y,
                f"{i + 1 + page_no * 24}. Nội dung hướng dẫn thực hiện, đề nghị các "
                "đơn vị triển khai đúng thời hạn.",
                10.5,
            )
            y += 22
        text(280, 800, f"Trang {page_no + 1}/{pages}", 9)
    doc.save(path)
    doc.close()
    return path


def build_desk(root: Path, documents: int) -> Path:
    """The demo agency with `documents` registrations, plus a few made through the facade."""
    from clerk_app.demo import build_demo
    from clerk_app.workspace import Workspace

    data_dir = build_demo(root / "desk", documents)
    files = root / "files"
    files.mkdir(exist_ok=True)
    with Workspace.open(data_dir) as ws:
        letter = sample_pdf(
            files / "cong-van-stc.pdf",
            "CÔNG VĂN",
            "2315/STC-QLNS",
            "V/v hướng dẫn quyết toán kinh phí năm 2026",
            3,
        )
        ws.register_incoming(
            IncomingDraft(
                issuer="Sở Tài chính tỉnh Phú Yên",
                reference="2315/STC-QLNS",
                issued_on=None,
                doc_type="Công văn",
                subject="Về việc hướng dẫn quyết toán kinh phí năm 2026",
                urgency="Thượng khẩn",
                source_channel="Hệ thống điện tử",
                has_paper=False,
                files=[letter],
                allow_duplicate=True,
            )
        )
        result = ws.register_incoming(
            IncomingDraft(
                issuer="UBND thị xã Đông Hòa",
                reference="5088/BC-UBND",
                issued_on=None,
                doc_type="Báo cáo",
                subject="Về việc báo cáo kết quả chuyển đổi số quý IV",
                allow_duplicate=True,
            )
        )
        ws.cancel(result.document.summary.id, "Đăng ký trùng với văn bản đã có")
    return data_dir


def save(widget: QWidget, out: Path, name: str) -> Path:
    path = out / name
    widget.grab().save(str(path))
    print(path)
    return path


def shoot(out: Path, documents: int) -> list[Path]:
    from clerk_app.workspace import Workspace
    from ui.main_window import PAGE_OUTGOING, PAGE_PENDING, MainWindow
    from ui.registration_form import IncomingForm, OutgoingForm

    app = make_application(sys.argv[:1])
    out.mkdir(parents=True, exist_ok=True)
    # No dialog may block an unattended run: message boxes are kept (answered No) instead.
    asked: list[QMessageBox] = []

    def answer_no(box: QMessageBox) -> int:
        asked.append(box)
        return int(QMessageBox.StandardButton.No.value)

    QMessageBox.exec = answer_no  # type: ignore[method-assign,assignment]
    shots: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="clerk-shots-") as tmp:
        root = Path(tmp)
        print(f"Đang tạo dữ liệu mẫu ({documents} văn bản)…")
        data_dir = build_desk(root, documents)
        ws = Workspace.open(data_dir)
        try:
            window = MainWindow(ws)
            window.resize(1600, 940)
            window.show()
            settle(app, 400)

            # Incoming register, scrolled to the latest, the urgent one with a file selected.
            table = window.incoming.table
            last = window.incoming.model.rowCount() - 2
            table.selectRow(last)
            window.open_detail(window.incoming.model.summary(last).id)  # type: ignore[union-attr]
            window.detail.tabs.setCurrentIndex(0)
            settle(app, 500)
            shots.append(save(window, out, "01-van-ban-den.png"))
            window.detail.tabs.setCurrentIndex(1)
            settle(app, 800)
            shots.append(save(window, out, "02-chi-tiet-tep.png"))
            window.detail.tabs.setCurrentIndex(2)
            settle(app, 200)
            shots.append(save(window, out, "03-chi-tiet-lich-su.png"))
            table.selectRow(last + 1)
            window.open_detail(window.incoming.model.summary(last + 1).id)  # type: ignore[union-attr]
            window.detail.tabs.setCurrentIndex(0)
            settle(app, 400)
            shots.append(save(window, out, "04-van-ban-da-huy.png"))

            window.show_page(PAGE_OUTGOING)
            window.outgoing.table.selectRow(window.outgoing.model.rowCount() - 1)
            settle(app, 500)
            shots.append(save(window, out, "05-van-ban-di.png"))

            window.show_page(PAGE_PENDING)
            window.pending.table.selectRow(0)
            settle(app, 500)
            shots.append(save(window, out, "06-chua-chuyen-giao.png"))

            window.focus_search()
            window.search.query.setText("chuyen doi so")
            window.search.run_search()
            settle(app, 600)
            shots.append(save(window, out, "07-tim-kiem.png"))

            # The registration forms.
            new_letter = sample_pdf(
                root / "files" / "du-toan-2027.pdf",
                "CÔNG VĂN",
                "2316/STC-QLNS",
                "V/v hướng dẫn lập dự toán năm 2027",
                2,
            )
            form = IncomingForm(ws, window, [new_letter])
            form.show()
            form.issuer.setText("Sở Tài chính tỉnh Phú Yên")
            form.reference.setText("2316/STC-QLNS")
            form.issued_on.setText("20/11/2026")
            form.doc_type.setEditText("Công văn")
            form.subject.setPlainText("Về việc hướng dẫn lập dự toán ngân sách năm 2027")
            form.urgency.setCurrentText("Khẩn")
            form.recipients.setEditText("Phòng Kế hoạch - Tài chính")
            settle(app, 1200)
            shots.append(save(form, out, "08-dang-ky-van-ban-den.png"))
            form.submit()
            settle(app, 800)
            shots.append(save(form, out, "09-da-cap-so-den.png"))
            form.submit()  # register next
            form.issuer.setText("Bộ Công an")
            form.doc_type.setEditText("Công văn")
            form.subject.setPlainText("Về việc …")
            form.secrecy.setCurrentText("Mật")
            settle(app, 200)
            shots.append(save(form, out, "10-tu-choi-van-ban-mat.png"))
            form.secrecy.setCurrentText("Không")
            form.issuer.clear()
            form.subject.clear()
            form.submit()
            settle(app, 200)
            shots.append(save(form, out, "11-thieu-truong-bat-buoc.png"))
            form.close()

            outgoing = OutgoingForm(ws, window)
            outgoing.show()
            outgoing.doc_type.setEditText("Quyết định")
            outgoing.subject.setPlainText(
                "Về việc thành lập Tổ công tác triển khai chuyển đổi số năm 2027"
            )
            outgoing.signer.setEditText("Nguyễn Văn Hùng")
            outgoing.recipients.setPlainText("Như Điều 3; Lưu: VT, VP.")
            settle(app, 200)
            outgoing.submit()
            settle(app, 800)
            shots.append(save(outgoing, out, "12-da-cap-so-di.png"))
            outgoing.close()

            # Registering the same file again: the clerk is asked first.
            again = IncomingForm(ws, window, [root / "files" / "cong-van-stc.pdf"])
            again.show()
            again.issuer.setText("Sở Tài chính tỉnh Phú Yên")
            again.doc_type.setEditText("Công văn")
            again.subject.setPlainText("Về việc hướng dẫn quyết toán kinh phí năm 2026")
            settle(app, 300)
            again.submit()
            settle(app, 600)
            if asked:
                asked[-1].show()
                settle(app, 150)
                shots.append(save(asked[-1], out, "13-hoi-dang-ky-trung.png"))
                asked[-1].close()
            again.close()

            # The error presenter's dialogs, shown without blocking.
            from ui.errors import _build_box

            for name, error in (
                ("14-loi-nghiep-vu.png", MissingField("subject")),
                ("15-loi-van-ban-mat.png", SecretDocumentRefused("Tối mật")),
                ("16-loi-khong-mong-doi.png", _unexpected()),
                ("17-chua-khoi-tao.png", None),
            ):
                box = _not_initialised_box(data_dir) if error is None else _build_box(error, None)
                box.show()
                settle(app, 150)
                shots.append(save(box, out, name))
                box.close()
            window.close()
        finally:
            ws.close()
    return shots


def _unexpected() -> BaseException:
    try:
        raise OSError(28, "No space left on device")
    except OSError as error:
        return error


def _not_initialised_box(data_dir: Path) -> QMessageBox:
    from ui import app as app_module

    captured: list[QMessageBox] = []
    original: Callable[..., object] = QMessageBox.exec

    def keep(box: QMessageBox) -> int:
        captured.append(box)
        return 0

    QMessageBox.exec = keep  # type: ignore[method-assign,assignment]
    try:
        app_module.show_not_initialised(NotInitialised(str(data_dir.parent / "chua-co")))
    finally:
        QMessageBox.exec = original  # type: ignore[method-assign,assignment]
    return captured[0]


def shoot_existing(data_dir: Path, out: Path, name: str) -> Path:
    """Only look (no change) at an existing desk, e.g. a demo with a million documents."""
    from clerk_app.workspace import Workspace
    from ui.main_window import MainWindow

    app = make_application(sys.argv[:1])
    out.mkdir(parents=True, exist_ok=True)
    with Workspace.open(data_dir) as ws:
        window = MainWindow(ws)
        window.resize(1600, 940)
        window.show()
        settle(app, 400)
        page = window.incoming
        if page.register is not None and page.register.last_number > 1000:
            page.goto.setText(str(page.register.last_number // 2))
            page.goto.returnPressed.emit()
        settle(app, 600)
        path = save(window, out, name)
        window.close()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Chụp màn hình các màn hình chính.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument(
        "--existing",
        type=Path,
        default=None,
        help="chỉ chụp sổ văn bản đến của một thư mục dữ liệu có sẵn (không ghi gì vào đó)",
    )
    args = parser.parse_args(argv)
    try:
        if args.existing is not None:
            shoot_existing(args.existing, args.out, "00-so-den-rat-lon.png")
        else:
            shoot(args.out, args.documents)
    except Exception:  # unattended: print it rather than open the presenter's dialog
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
