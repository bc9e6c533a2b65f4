"""Table models over the core's registers and result lists; lazy paging, never SQL or widgets."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap

from clerk_app.messages import void_text
from clerk_app.records import DocumentSummary, RecordedVoid, RegisterInfo
from clerk_app.vocabulary import number_label
from ui import formatting as fmt

DOCUMENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex

CANCELLED_TEXT = QColor("#8a8f98")
URGENT_TEXT = QColor("#a4161a")
URGENT_BACKGROUND = QColor("#fdecea")
GAP_TEXT = QColor("#b0b4ba")
URGENCY_COLORS = {"Hỏa tốc": "#c1121f", "Thượng khẩn": "#e85d04", "Khẩn": "#f4a100"}
_icons: dict[str, QIcon] = {}


def urgency_icon(urgency: str) -> QIcon | None:
    """A coloured dot marking an urgent row next to its number (made once, on first use)."""
    color = URGENCY_COLORS.get(urgency)
    if color is None:
        return None
    icon = _icons.get(urgency)
    if icon is None:
        pixmap = QPixmap(12, 12)
        pixmap.fill(QColor(0, 0, 0, 0))
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor(color))
        painter.setPen(QColor(color).darker(130))
        painter.drawEllipse(1, 1, 10, 10)
        painter.end()
        icon = _icons[urgency] = QIcon(pixmap)
    return icon


class RowSource(Protocol):
    """The part of the Workspace this model reads."""

    def register_rows(self, register_id: str, start: int, count: int) -> list[DocumentSummary]: ...

    def register_voids(
        self, register_id: str, after: int = 0, through: int | None = None
    ) -> dict[int, RecordedVoid]: ...


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[DocumentSummary], str]
    width: int  # default width in pixels at the normal font
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft
    tooltip: bool = False  # long text: the full value as a tooltip
    marks_urgency: bool = False  # carries the urgency dot


def _notes(s: DocumentSummary) -> str:
    parts = []
    if s.status == "cancelled":
        parts.append("Đã hủy")
    notes = str(getattr(s, "notes", "") or "")
    if notes:
        parts.append(notes)
    return "; ".join(parts)


def _urgency(s: DocumentSummary) -> str:
    return "" if s.urgency == "Thường" else s.urgency


_CENTER = Qt.AlignmentFlag.AlignHCenter
_RIGHT = Qt.AlignmentFlag.AlignRight

# The incoming register's columns in their legal order (NĐ 30 appendix; STANDARDS.md).
INCOMING_COLUMNS: tuple[Column, ...] = (
    Column("Ngày đến", lambda s: fmt.day(s.received_at), 92, _CENTER),
    Column("Số đến", lambda s: str(s.number), 78, _RIGHT, marks_urgency=True),
    Column("Tác giả", lambda s: s.issuer, 180, tooltip=True),
    Column("Số và ký hiệu", lambda s: s.reference, 128, tooltip=True),
    Column("Ngày tháng VB", lambda s: fmt.day(s.issued_on), 124, _CENTER),
    Column("Tên loại và trích yếu nội dung", fmt.type_and_subject, 400, tooltip=True),
    Column("Đơn vị hoặc người nhận", lambda s: s.recipients, 180, tooltip=True),
    Column("Ngày chuyển", lambda s: fmt.day(s.handed_over_at), 100, _CENTER),
    Column("Độ khẩn", _urgency, 110, _CENTER),
    Column("Ghi chú", _notes, 140, tooltip=True),
)

# The outgoing register's columns in their legal order.
OUTGOING_COLUMNS: tuple[Column, ...] = (
    Column("Số và ký hiệu", lambda s: s.reference or s.number_label, 150, marks_urgency=True),
    Column("Ngày tháng VB", lambda s: fmt.day(s.issued_on), 124, _CENTER),
    Column("Tên loại và trích yếu nội dung", fmt.type_and_subject, 400, tooltip=True),
    Column("Người ký", lambda s: s.signer, 150),
    Column("Nơi nhận", lambda s: s.recipients, 220, tooltip=True),
    Column("Ngày chuyển", lambda s: fmt.day(s.handed_over_at), 100, _CENTER),
    Column("Độ khẩn", _urgency, 110, _CENTER),
    Column("Ghi chú", _notes, 140, tooltip=True),
)

# Mixed lists (search results, pending handover).
LIST_COLUMNS: tuple[Column, ...] = (
    Column("Độ khẩn", _urgency, 132, _CENTER, marks_urgency=True),
    Column("Loại", lambda s: fmt.DIRECTION_LABELS[s.direction], 46, _CENTER),
    Column("Số", lambda s: s.number_label, 62, _RIGHT),
    Column("Ngày", lambda s: fmt.day(fmt.document_date(s)), 92, _CENTER),
    Column("Số và ký hiệu", lambda s: s.reference, 128, tooltip=True),
    Column("Tác giả / Người ký", lambda s: s.signer or s.issuer, 180, tooltip=True),
    Column("Tên loại và trích yếu nội dung", fmt.type_and_subject, 400, tooltip=True),
    Column("Đơn vị hoặc người nhận", lambda s: s.recipients, 170, tooltip=True),
    Column("Trạng thái", lambda s: fmt.STATUS_LABELS.get(s.status, s.status), 96, _CENTER),
)


def columns_for(kind: str) -> tuple[Column, ...]:
    return INCOMING_COLUMNS if kind == "incoming" else OUTGOING_COLUMNS


class _SummaryModel(QAbstractTableModel):
    """Shared look of every table of documents: struck-through cancelled rows, urgent marks."""

    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns: tuple[Column, ...] = tuple(columns)
        self._strike = QFont()
        self._strike.setStrikeOut(True)
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    def summary(self, row: int) -> DocumentSummary | None:
        raise NotImplementedError

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._columns):
                return self._columns[section].header
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self._columns[index.column()]
        summary = self.summary(index.row())
        if summary is None:
            return self._gap_data(index, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return column.value(summary)
        if role == Qt.ItemDataRole.DecorationRole:
            if column.marks_urgency and summary.status != "cancelled":
                return urgency_icon(summary.urgency)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if summary.status == "cancelled":
                return "Văn bản đã hủy (số vẫn giữ trong sổ)."
            if column.marks_urgency and fmt.is_urgent(summary.urgency):
                return f"Độ khẩn: {summary.urgency}"
            return column.value(summary) if column.tooltip else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole:
            if summary.status == "cancelled":
                return self._strike
            if fmt.is_urgent(summary.urgency) and column.header == "Độ khẩn":
                return self._bold
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if summary.status == "cancelled":
                return QBrush(CANCELLED_TEXT)
            if fmt.is_urgent(summary.urgency) and column.header == "Độ khẩn":
                return QBrush(URGENT_TEXT)
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            if summary.status != "cancelled" and fmt.is_urgent(summary.urgency):
                return QBrush(URGENT_BACKGROUND)
            return None
        if role == DOCUMENT_ID_ROLE:
            return summary.id
        if role == SUMMARY_ROLE:
            return summary
        return None

    def _gap_data(self, index: _Index, role: int) -> Any:
        return None


class RegisterModel(_SummaryModel):
    """One register, in number order, fetched lazily in pages: scrolls through a million rows.

    rowCount comes from RegisterInfo.last_number; row i is number i + 1. Pages of PAGE_SIZE rows
    are fetched with `register_rows` on first use and kept in a small LRU cache.
    """

    PAGE_SIZE = 200
    CACHE_PAGES = 12

    def __init__(self, source: RowSource, register: RegisterInfo | None = None, parent: Any = None):
        super().__init__(columns_for(register.kind if register else "incoming"), parent)
        self._source = source
        self._register = register
        self._pages: OrderedDict[int, dict[int, DocumentSummary]] = OrderedDict()
        # The recorded voids of the pages read (number -> why), read with each page.
        self._voids: dict[int, RecordedVoid] = {}
        self.fetches = 0  # how many pages were read, for tests and the curious

    # --- what the model shows ---------------------------------------------------------------

    @property
    def register(self) -> RegisterInfo | None:
        return self._register

    def set_register(self, register: RegisterInfo | None) -> None:
        """Show another register (or the same one, refreshed from scratch)."""
        self.beginResetModel()
        self._register = register
        if register is not None:
            self._columns = columns_for(register.kind)
        self._pages.clear()
        self._voids.clear()
        self.endResetModel()

    def update_register(self, register: RegisterInfo) -> None:
        """The same register after a change: append new rows, re-read what may have changed."""
        old = self._register
        if old is None or old.id != register.id or register.last_number < old.last_number:
            self.set_register(register)
            return
        self._pages.clear()
        self._voids.clear()
        grown = register.last_number - old.last_number
        if grown > 0:
            self.beginInsertRows(QModelIndex(), old.last_number, register.last_number - 1)
            self._register = register
            self.endInsertRows()
        else:
            self._register = register
        self.invalidate()

    def invalidate(self) -> None:
        """Forget the cached pages (a document was corrected, cancelled or handed over)."""
        self._pages.clear()
        self._voids.clear()
        rows = self.rowCount()
        if rows:
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, self.columnCount() - 1))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._register is None:
            return 0
        return self._register.last_number

    def summary(self, row: int) -> DocumentSummary | None:
        if self._register is None or not 0 <= row < self._register.last_number:
            return None
        page = self._page(row // self.PAGE_SIZE)
        return page.get(row + 1)

    def row_of_number(self, number: int) -> int:
        return number - 1

    def _page(self, page_no: int) -> dict[int, DocumentSummary]:
        page = self._pages.get(page_no)
        if page is not None:
            self._pages.move_to_end(page_no)
            return page
        assert self._register is not None
        start = page_no * self.PAGE_SIZE
        count = min(self.PAGE_SIZE, self._register.last_number - start)
        rows = self._source.register_rows(self._register.id, start, count)
        self._voids.update(self._source.register_voids(self._register.id, start, start + count))
        self.fetches += 1
        page = {s.number: s for s in rows}
        self._pages[page_no] = page
        while len(self._pages) > self.CACHE_PAGES:
            self._pages.popitem(last=False)
        return page

    def void_text(self, row: int) -> str:
        """What the register says of a number with no document: a recorded void with its
        reason, or a gap nobody recorded."""
        void = self._voids.get(row + 1)
        if void is None:
            return void_text(None)
        return void_text(void.reason, fmt.day(void.recorded_at))

    def _gap_data(self, index: _Index, role: int) -> Any:
        if self._register is None:
            return None
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            # The number where the register's number is (the column with the urgency mark),
            # why it is empty where the subject is: one void line, like the printed list's.
            if column.marks_urgency:
                return number_label(self._register.kind, index.row() + 1)
            if column.header == "Tên loại và trích yếu nội dung":
                return self.void_text(index.row())
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole:
            return self._italic
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.void_text(index.row())
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(GAP_TEXT)
        return None


class SummaryListModel(_SummaryModel):
    """A short list of documents already in memory (search results, pending handover)."""

    def __init__(self, columns: Sequence[Column] = LIST_COLUMNS, parent: Any = None) -> None:
        super().__init__(columns, parent)
        self._rows: list[DocumentSummary] = []

    def set_rows(self, rows: Sequence[DocumentSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[DocumentSummary]:
        return list(self._rows)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def summary(self, row: int) -> DocumentSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None
