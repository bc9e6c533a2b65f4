"""Vietnamese wording for Qt's own built-in texts (buttons, context menus); no app logic here."""

from __future__ import annotations

from PySide6.QtCore import QTranslator

# Qt ships no Vietnamese catalogue; these are the built-in strings a clerk actually meets.
_TEXTS: dict[str, str] = {
    # QPlatformTheme standard buttons
    "OK": "Đồng ý",
    "&OK": "Đồng ý",
    "Cancel": "Hủy bỏ",
    "&Cancel": "Hủy bỏ",
    "Yes": "Có",
    "&Yes": "Có",
    "No": "Không",
    "&No": "Không",
    "Close": "Đóng",
    "&Close": "Đóng",
    "Save": "Lưu",
    "&Save": "Lưu",
    "Open": "Mở",
    "&Open": "Mở",
    "Apply": "Áp dụng",
    "Reset": "Đặt lại",
    "Help": "Trợ giúp",
    "Discard": "Bỏ",
    "Abort": "Dừng",
    "Retry": "Thử lại",
    "Ignore": "Bỏ qua",
    "Yes to All": "Có cho tất cả",
    "No to All": "Không cho tất cả",
    # QMessageBox
    "Show Details...": "Hiện chi tiết…",
    "Hide Details...": "Ẩn chi tiết…",
    # QLineEdit / QTextEdit context menus
    "&Undo": "&Hoàn tác",
    "&Redo": "&Làm lại",
    "Cu&t": "&Cắt",
    "&Copy": "&Sao chép",
    "Copy &Link Location": "Sao chép địa chỉ liên kết",
    "&Paste": "&Dán",
    "Delete": "Xóa",
    "Select All": "Chọn tất cả",
    # QFileDialog (non-native)
    "Look in:": "Tìm trong:",
    "&Look in:": "&Tìm trong:",
    "File &name:": "Tên &tệp:",
    "Files of type:": "Loại tệp:",
    "Files of &type:": "&Loại tệp:",
    "&Choose": "&Chọn",
    "Directory:": "Thư mục:",
    "Save &as:": "Lưu &thành:",
    "New Folder": "Thư mục mới",
    "&New Folder": "Thư mục &mới",
    "&Rename": "Đổi &tên",
    "&Delete": "&Xóa",
    "Show &hidden files": "Hiện tệp &ẩn",
    "Recent Places": "Nơi mở gần đây",
    "Are you sure you want to delete '%1'?": "Xóa «%1»?",
    "%1 already exists.\nDo you want to replace it?": "«%1» đã có.\nGhi đè lên tệp đó?",
    "Confirm Save As": "Xác nhận lưu",
    "File": "Tệp",
    "Folder": "Thư mục",
    "Drive": "Ổ đĩa",
    "Unknown": "Không rõ",
    "Back": "Lùi",
    "Forward": "Tiến",
    "Parent Directory": "Thư mục cha",
    "Create New Folder": "Tạo thư mục mới",
    "List View": "Dạng danh sách",
    "Detail View": "Dạng chi tiết",
    "Name": "Tên",
    "Size": "Kích thước",
    "Type": "Loại",
    "Date Modified": "Ngày sửa",
    "My Computer": "Máy tính",
    "Computer": "Máy tính",
    "All Files (*)": "Mọi tệp (*)",
    # QProgressDialog
    "Cancel\u2026": "Hủy bỏ",
}


class QtVietnamese(QTranslator):
    """Answers Qt's own translate() calls from the table above."""

    def translate(
        self, context: str, source_text: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        if source_text == "QT_LAYOUT_DIRECTION":
            return "LTR"
        return _TEXTS.get(source_text, source_text)

    def isEmpty(self) -> bool:
        return False
