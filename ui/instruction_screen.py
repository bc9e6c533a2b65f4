"""The instruction screen: the handwritten page large beside a short keyboard-only form; no rules here.

Every decision (who a typed name is, the deadline in working days, routing, stamping) belongs to
clerk_app.instructions; this screen only collects the five fields and moves to the next document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from clerk_app import errors
from clerk_app.instructions.records import InstructionDraft
from clerk_app.instructions.secretary import Secretary
from clerk_app.messages import describe
from clerk_app.registration import parse_date
from clerk_app.text import fold
from clerk_app.workspace import Workspace
from ui import errors as presenter
from ui.preview import PagePreview
from ui.workers import run_in_background


class SuggestField(QLineEdit):
    """A line edit whose suggestions (found without accents) show in a shared list.

    Up/Down pick a suggestion, Enter takes it and moves on; with `multi`, Enter adds the
    suggestion to a "; "-separated list and stays, and Enter on an empty part moves on.
    """

    accepted = Signal()

    def __init__(
        self,
        source: Callable[[], Sequence[str]],
        suggestions: QListWidget,
        *,
        multi: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._list = suggestions
        self._multi = multi
        self.textEdited.connect(lambda _t: self.refresh())

    def _part(self) -> str:
        return self.text().split(";")[-1].strip() if self._multi else self.text().strip()

    def refresh(self) -> None:
        typed = fold(self._part())
        self._list.clear()
        if not typed:
            return
        words = typed.split()
        found = [s for s in self._source() if all(w in fold(s) for w in words)]
        # Entries starting with what was typed come first (codes such as "KT" typed whole).
        found.sort(key=lambda s: not fold(s).startswith(typed))
        self._list.addItems(found[:8])
        if found:
            self._list.setCurrentRow(0)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.refresh()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        rows = self._list.count()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and rows:
            step = 1 if key == Qt.Key.Key_Down else -1
            self._list.setCurrentRow((self._list.currentRow() + step) % rows)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self._take()
            return
        super().keyPressEvent(event)

    def _take(self) -> None:
        item = self._list.currentItem() if self._part() else None
        chosen = item.text() if item is not None else None
        self._list.clear()
        if not self._multi:
            if chosen:
                self.setText(chosen)
            self.accepted.emit()
            return
        parts = [p.strip() for p in self.text().split(";")]
        if chosen:
            parts[-1] = chosen
            self.setText("; ".join(p for p in parts if p) + "; ")
            return
        self.setText("; ".join(p for p in parts if p))
        self.accepted.emit()

    def values(self) -> list[str]:
        return [p.strip() for p in self.text().split(";") if p.strip()]


class InstructionScreen(QWidget):
    """Type leaders' instructions for a pile of documents, one after another, from the keyboard."""

    saved = Signal(str)  # instruction id
    finished = Signal()
    stamped = Signal(str)  # document id whose arrival stamp was made, or failed to be

    def __init__(
        self, workspace: Workspace, document_ids: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Nhập ý kiến chỉ đạo")
        self.ws = workspace
        self.sec = Secretary(workspace)
        self._pile = list(document_ids)
        self._index = 0
        # Documents waiting for their arrival stamp, made one at a time on the worker pool.
        self._to_stamp: list[str] = []
        self._handlers = [
            h.label if h.kind == "person" or not h.code else f"{h.code} – {h.label}"
            for h in self.sec.handlers()
        ]
        self._common = self.sec.common_instructions()
        self._leaders = self.sec.leaders() + [
            f"{p.title} {p.full_name}".strip() for p in workspace.people() if p.title
        ]

        self.preview = PagePreview()
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.subject = QLabel()
        self.subject.setWordWrap(True)
        self.suggestions = QListWidget()
        self.suggestions.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.suggestions.setMaximumHeight(150)

        self.leader = SuggestField(lambda: self._leaders, self.suggestions)
        self.text = SuggestField(lambda: self._common, self.suggestions)
        self.lead = SuggestField(lambda: self._handlers, self.suggestions)
        self.co = SuggestField(lambda: self._handlers, self.suggestions, multi=True)
        self.deadline = QLineEdit()
        self.deadline.setPlaceholderText("số ngày làm việc (vd 5) hoặc ngày (vd 20/03/2026)")
        self.leader.setPlaceholderText("vd: Chủ tịch Nguyễn Văn An")
        self.text.setPlaceholderText("gõ vài chữ để chọn ý kiến hay dùng")
        self.lead.setPlaceholderText("mã hoặc tên đơn vị, tên cán bộ")
        self.co.setPlaceholderText("có thể để trống; Enter thêm từng đơn vị")
        self.deadline_hint = QLabel()
        self.deadline_hint.setStyleSheet("color: #1f4e79;")
        self.deadline_hint.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.progress = QLabel()

        fields: list[QWidget] = [self.leader, self.text, self.lead, self.co]
        for field, following in zip(fields, [*fields[1:], self.deadline], strict=True):
            field.accepted.connect(following.setFocus)  # type: ignore[attr-defined]
        self.deadline.returnPressed.connect(self.save)
        self.deadline.textEdited.connect(lambda _t: self._show_deadline())

        form = QFormLayout()
        form.addRow("&Lãnh đạo cho ý kiến", self.leader)
        form.addRow("Ý &kiến chỉ đạo", self.text)
        form.addRow("&Chủ trì", self.lead)
        form.addRow("&Phối hợp", self.co)
        form.addRow("&Hạn xử lý", self.deadline)
        form.addRow("", self.deadline_hint)
        keys = QLabel(
            "Enter: chọn gợi ý và sang ô sau · Enter ở ô Hạn: lưu và sang văn bản tiếp · "
            "Ctrl+Enter: lưu · Ctrl+PgDn: bỏ qua · PgUp/PgDn: lật trang bút phê"
        )
        keys.setWordWrap(True)
        keys.setStyleSheet("color: #6c757d;")

        side = QVBoxLayout()
        side.addWidget(self.progress)
        side.addWidget(self.heading)
        side.addWidget(self.subject)
        side.addLayout(form)
        side.addWidget(QLabel("Gợi ý"))
        side.addWidget(self.suggestions)
        side.addWidget(self.status)
        side.addStretch(1)
        side.addWidget(keys)
        panel = QWidget()
        panel.setLayout(side)
        panel.setMinimumWidth(380)
        panel.setMaximumWidth(480)
        layout = QHBoxLayout(self)
        layout.addWidget(self.preview, 3)
        layout.addWidget(panel, 2)

        self._load()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Keys the fields leave unhandled arrive here; a QShortcut would need an active window.
        key, mods = event.key(), event.modifiers()
        ctrl = mods & Qt.KeyboardModifier.ControlModifier
        if ctrl and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.save()
        elif ctrl and key == Qt.Key.Key_PageDown:
            self.skip()
        elif key == Qt.Key.Key_PageDown:
            self.preview.show_page(self.preview.page + 1)
        elif key == Qt.Key.Key_PageUp:
            self.preview.show_page(self.preview.page - 1)
        else:
            super().keyPressEvent(event)

    # --- the pile --------------------------------------------------------------------------

    @property
    def document_id(self) -> str | None:
        return self._pile[self._index] if self._index < len(self._pile) else None

    def _load(self) -> None:
        doc_id = self.document_id
        self.text.clear()
        self.lead.clear()
        self.co.clear()
        self.deadline.clear()
        self.deadline_hint.clear()
        self.suggestions.clear()
        if doc_id is None:
            self.heading.setText("Đã nhập xong tập văn bản.")
            self.subject.clear()
            self.progress.clear()
            self.preview.clear("Hết văn bản cần nhập ý kiến chỉ đạo.")
            self.finished.emit()
            return
        detail = self.ws.document(doc_id)
        s = detail.summary
        self.progress.setText(f"Văn bản {self._index + 1}/{len(self._pile)}")
        reference = f" · {s.reference}" if s.reference else ""
        urgency = f" · {s.urgency.upper()}" if s.urgency != "Thường" else ""
        self.heading.setText(f"Số đến {s.number}/{s.year}{reference}{urgency}")
        self.subject.setText(f"{s.issuer}: {s.subject}")
        self._scan = next(
            (
                f
                for f in detail.files
                if f.role in ("original", "rendition") and f.media_type == "application/pdf"
            ),
            None,
        )
        if self._scan is not None:
            sha = self._scan.sha256
            self.preview.set_source(self._scan.filename, lambda: self.ws.file_bytes(sha))
        else:
            self.preview.clear("Văn bản chưa có bản quét: nhập theo bản giấy.")
        (self.text if self.leader.text() else self.leader).setFocus()

    def skip(self) -> None:
        self._index += 1
        self.status.clear()
        self._load()

    # --- saving ----------------------------------------------------------------------------

    def _deadline_values(self) -> tuple[object, int | None]:
        raw = self.deadline.text().strip()
        if not raw:
            return None, None
        if raw.isdigit():
            return None, int(raw)
        if raw.count("/") == 1:  # "20/3": this year
            raw = f"{raw}/{self.sec.today().year}"
        return parse_date(raw, "deadline"), None

    def _show_deadline(self) -> None:
        try:
            day, days = self._deadline_values()
            found = self.sec.resolve_deadline(day, days)  # type: ignore[arg-type]
        except errors.ClerkError as exc:
            self.deadline_hint.setText(describe(exc).what)
            return
        if found is None:
            self.deadline_hint.clear()
            return
        weekday = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
        hint = f"→ {weekday[found.weekday()]}, {found:%d/%m/%Y}"
        warning = self.sec.deadline_warning(found)
        if warning is not None:  # accepted as written; the clerk sees how it is counted
            hint += f" — {describe(warning).one_line()}"
        self.deadline_hint.setText(hint)

    @staticmethod
    def _handler_name(shown: str) -> str:
        # Suggestions show "KT – Phòng Kinh tế"; the code alone identifies the unit.
        return shown.split(" – ")[0].strip()

    def save(self) -> bool:
        doc_id = self.document_id
        if doc_id is None:
            return False
        try:
            day, days = self._deadline_values()
            draft = InstructionDraft(
                leader=self.leader.text(),
                text=self.text.text(),
                lead=self._handler_name(self.lead.text()),
                co=[self._handler_name(c) for c in self.co.values()],
                deadline=day,  # type: ignore[arg-type]
                deadline_days=days,
                handwriting_file_id=self._scan.id if self._scan else None,
                handwriting_page=self.preview.page + 1 if self._scan else None,
            )
            saved = self.sec.instruct(doc_id, draft, stamp=False)
        except errors.ClerkError as exc:
            message = describe(exc)
            self.status.setStyleSheet("color: #b02a37;")
            self.status.setText(f"{message.what} {message.todo}")
            return False
        info = saved.instruction
        if draft.text not in self._common:
            self._common.insert(0, draft.text)
        if draft.leader not in self._leaders:
            self._leaders.insert(0, draft.leader)
        deadline = f", hạn {info.deadline:%d/%m/%Y}" if info.deadline else ""
        notes = "".join(f" {describe(w).what}" for w in saved.warnings)
        self.status.setStyleSheet("color: #997404;" if notes else "color: #146c43;")
        self.status.setText(f"Đã lưu số đến trước: chuyển {info.recipients}{deadline}.{notes}")
        self.saved.emit(info.id)
        self._index += 1
        self._load()
        self._stamp_later(doc_id)
        return True

    # --- the arrival stamp, off the GUI thread ---------------------------------------------

    @property
    def stamping(self) -> bool:
        return bool(self._to_stamp)

    def _stamp_later(self, document_id: str) -> None:
        """Stamp Chuyển on the scan in the background: the next document is typed meanwhile.

        One stamp at a time, in the order saved: each writes a new version of its document and
        the desk's database takes one writer at a time anyway.
        """
        self._to_stamp.append(document_id)
        if len(self._to_stamp) == 1:
            self._start_stamp()

    def _start_stamp(self) -> None:
        document_id = self._to_stamp[0]
        run_in_background(
            lambda: self.sec.stamp_routing(document_id),
            self._stamp_done,
            self._stamp_failed,
            owner=self,
        )

    def _stamp_done(self, result: tuple[str | None, str | None]) -> None:
        document_id = self._to_stamp.pop(0)
        if result[1] is not None:
            self.status.setStyleSheet("color: #b02a37;")
            self.status.setText(
                "Ý kiến đã lưu, nhưng chưa đóng được dấu ĐẾN (ô Chuyển) lên bản quét; "
                "đóng dấu lại từ Văn bản › Đóng dấu đến (Ctrl+D)."
            )
        self.stamped.emit(document_id)
        if self._to_stamp:
            self._start_stamp()

    def _stamp_failed(self, error: BaseException) -> None:
        document_id = self._to_stamp.pop(0)
        presenter.present(error, self)
        self.stamped.emit(document_id)
        if self._to_stamp:
            self._start_stamp()
