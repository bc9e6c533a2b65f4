"""Vietnamese wording of the core's typed errors: what happened and what to do; no logic else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clerk_app import errors as e

FIELD_NAMES = {
    "issuer": "Tác giả (cơ quan ban hành)",
    "reference": "Số và ký hiệu",
    "issued_on": "Ngày tháng văn bản",
    "doc_type": "Tên loại văn bản",
    "subject": "Trích yếu nội dung",
    "urgency": "Độ khẩn",
    "secrecy": "Độ mật",
    "pages": "Số trang",
    "source_channel": "Nguồn nhận",
    "recipients": "Đơn vị hoặc người nhận",
    "notes": "Ghi chú",
    "received_at": "Ngày đến",
    "signer": "Người ký",
    "unit": "Đơn vị soạn thảo",
    "unit_code": "Đơn vị soạn thảo",
    "copies": "Số lượng bản",
    "file_copy_holder": "Đơn vị, người nhận bản lưu",
    "agency_name": "Tên cơ quan",
    "agency_code": "Mã (viết tắt) cơ quan",
    "code": "Mã",
    "name": "Tên",
    "reason": "Lý do",
    "year": "Năm",
    "number": "Số",
    "query": "Từ khóa tìm kiếm",
    "series": "Sổ văn bản đi",
    "to": "Nơi nhận bàn giao",
    "date": "Ngày",
}


def field_name(field: str) -> str:
    return FIELD_NAMES.get(field, field)


@dataclass(frozen=True)
class Message:
    """What happened, and what the clerk can do about it."""

    what: str
    todo: str = ""

    def one_line(self) -> str:
        return f"{self.what} {self.todo}".strip()


def _kind(kind: str) -> str:
    return "văn bản đến" if kind == "incoming" else "văn bản đi"


_RULES: dict[type[e.ClerkError], Callable[..., Message]] = {
    e.MissingField: lambda x: Message(
        f"Chưa nhập «{field_name(x.field)}».", "Hãy điền trường này rồi lưu lại."
    ),
    e.InvalidValue: lambda x: Message(
        f"Giá trị «{x.value}» không hợp lệ cho «{field_name(x.field)}».",
        f"Cần nhập: {x.expected}." if x.expected else "Hãy kiểm tra và nhập lại.",
    ),
    e.InvalidDate: lambda x: Message(
        f"Ngày «{x.value}» ở trường «{field_name(x.field)}» không có thật hoặc sai định dạng.",
        "Nhập ngày theo dạng NNNN-TT-NN, ví dụ 2026-11-26.",
    ),
    e.DateInFuture: lambda x: Message(
        f"Ngày «{x.value}» ở trường «{field_name(x.field)}» nằm trong tương lai.",
        "Kiểm tra lại ngày trên văn bản.",
    ),
    e.UnknownUnit: lambda x: Message(
        f"Không có đơn vị mã «{x.code_given}» trong cơ quan.",
        "Chọn một đơn vị trong danh sách hoặc thêm đơn vị trước (clerk add-unit).",
    ),
    e.DuplicateUnit: lambda x: Message(f"Đơn vị mã «{x.code_given}» đã có.", "Dùng một mã khác."),
    e.UnknownDocument: lambda x: Message(
        f"Không tìm thấy văn bản có mã «{x.document_id}».", "Tìm lại văn bản trong sổ."
    ),
    e.SecretDocumentRefused: lambda x: Message(
        f"Văn bản có độ mật «{x.secrecy}» không được quét, lưu hay đồng bộ trên hệ thống.",
        "Đăng ký văn bản này vào sổ văn bản mật bằng giấy theo quy định bảo vệ bí mật nhà nước.",
    ),
    e.DuplicateDocument: lambda x: Message(
        (
            "Tệp này đã được đăng ký"
            if x.reason == "same_file"
            else "Văn bản cùng tác giả và số, ký hiệu đã được đăng ký"
        )
        + f" với số đến {x.existing_number}/{x.existing_year}.",
        "Mở văn bản đã có; chỉ đăng ký lại nếu đây thật sự là văn bản khác (xác nhận đăng ký lại).",
    ),
    e.DocumentCancelled: lambda x: Message(
        f"Văn bản số {x.number} đã bị hủy.", "Văn bản đã hủy không sửa hay chuyển giao được."
    ),
    e.FieldNotCorrectable: lambda x: Message(
        f"Không được sửa «{field_name(x.field)}» của văn bản đã đăng ký.",
        "Số đã cấp là cố định; nếu đăng ký nhầm, hãy hủy và đăng ký lại.",
    ),
    e.NoRegister: lambda x: Message(
        f"Chưa mở sổ {_kind(x.kind)} năm {x.year}.", "Mở sổ cho năm này trước khi đăng ký."
    ),
    e.NotInitialised: lambda x: Message(
        f"Thư mục dữ liệu «{x.data_dir}» chưa được khởi tạo.",
        "Chạy «clerk init --agency-name … --agency-code …» hoặc «clerk demo».",
    ),
    e.AlreadyInitialised: lambda x: Message(
        f"Thư mục dữ liệu «{x.data_dir}» đã có cơ sở dữ liệu.",
        "Dùng thư mục khác hoặc mở thư mục này.",
    ),
    e.NetworkShareRefused: lambda x: Message(
        f"Thư mục dữ liệu «{x.data_dir}» nằm trên ổ mạng ({x.fs_type}); cơ sở dữ liệu sẽ hỏng ở đó.",
        "Chọn một thư mục trên ổ đĩa của máy này (đặt CLERK_DATA_DIR).",
    ),
    e.DatabaseNewerThanApp: lambda x: Message(
        f"Dữ liệu được tạo bởi phiên bản mới hơn của phần mềm (lược đồ {x.revision}).",
        "Cập nhật phần mềm lên phiên bản mới nhất.",
    ),
    e.AuditChainBroken: lambda x: Message(
        f"Nhật ký thay đổi bị can thiệp tại bản ghi {x.entry_seq}.",
        "Báo ngay cho quản trị hệ thống; không tiếp tục làm việc trên dữ liệu này.",
    ),
    e.FileMissing: lambda x: Message(
        f"Không tìm thấy tệp «{x.path}».", "Kiểm tra đường dẫn hoặc chọn lại tệp."
    ),
    e.FileUnreadable: lambda x: Message(
        f"Không đọc được tệp «{x.path}»" + (f" ({x.detail})." if x.detail else "."),
        "Đóng chương trình đang mở tệp, kiểm tra quyền truy cập hoặc chép tệp về máy rồi thử lại.",
    ),
    e.FileEmpty: lambda x: Message(
        f"Tệp «{x.path}» rỗng (0 byte).", "Quét hoặc lưu lại tệp rồi thử lại."
    ),
    e.FileUnsupported: lambda x: Message(
        f"Tệp «{x.path}» không phải PDF, JPEG, PNG hay TIFF"
        + (f" (nhận ra: {x.detected})." if x.detected else "."),
        "Chuyển tệp sang PDF rồi đính kèm lại.",
    ),
    e.FileCorrupt: lambda x: Message(
        f"Tệp «{x.path}» bị hỏng, không đọc được" + (f" ({x.detail})." if x.detail else "."),
        "Xin bản khác từ nơi gửi hoặc quét lại bản giấy.",
    ),
    e.FileTruncated: lambda x: Message(
        f"Tệp «{x.path}» bị cắt cụt (tải về hoặc sao chép chưa xong).",
        "Tải hoặc sao chép lại tệp đầy đủ.",
    ),
    e.FileEncrypted: lambda x: Message(
        f"Tệp «{x.path}» được đặt mật khẩu.",
        "Xin nơi gửi bản không đặt mật khẩu; hệ thống không lưu tệp bị khóa.",
    ),
    e.ImageTooLarge: lambda x: Message(
        f"Ảnh «{x.path}» quá lớn ({x.width} × {x.height} điểm ảnh).",
        "Quét lại ở độ phân giải 200–300 dpi.",
    ),
    e.FileTooLarge: lambda x: Message(
        f"Tệp «{x.path}» quá lớn ({x.size // (1024 * 1024)} MiB, tối đa "
        f"{x.limit // (1024 * 1024)} MiB).",
        "Quét lại ở độ phân giải thấp hơn hoặc tách thành nhiều tệp.",
    ),
    e.StorageFailed: lambda x: Message(
        "Không ghi được dữ liệu xuống đĩa" + (f" ({x.detail})." if x.detail else "."),
        "Kiểm tra ổ đĩa còn chỗ trống và quyền ghi; không có gì được ghi dở.",
    ),
    e.StoredFileDamaged: lambda x: Message(
        f"Tệp lưu trữ {x.sha256[:12]}… "
        + (
            "không có trong kho của máy này."
            if x.reason == "missing"
            else "đã bị hỏng hoặc bị sửa (mã băm SHA-256 không khớp)."
        ),
        "Báo ngay cho quản trị hệ thống để khôi phục tệp từ bản sao lưu hoặc máy chủ; "
        "không đăng ký lại văn bản.",
    ),
}


def describe(error: BaseException) -> Message:
    """Vietnamese message for any error; unknown ones get a generic message with their type."""
    for cls in type(error).__mro__:
        rule = _RULES.get(cls)
        if rule is not None:
            return rule(error)
    return Message(
        f"Lỗi không mong đợi: {type(error).__name__}: {error}",
        "Sao chép chi tiết lỗi và gửi cho bộ phận hỗ trợ.",
    )
