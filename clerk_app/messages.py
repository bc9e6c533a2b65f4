"""Vietnamese wording of the core's typed errors: what happened and what to do; no logic else."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from clerk_app import errors as e
from clerk_app.field_rules import DEFAULT_SERIES
from clerk_app.refusals import Refusal

# Printed on the separator sheets the clerk puts between documents in the feeder.
SEPARATOR_SHEET_TITLE = "TỜ PHÂN CÁCH VĂN BẢN"
SEPARATOR_SHEET_NOTE = "Đặt tờ này giữa hai văn bản trong khay nạp giấy; trang này không được lưu."

# Electronic exchange (edXML): what the desk writes into a package or a registration for people
# to read. The incoming register has no column yet for the signer, the deadline or the document
# answered, so a registration from a package carries them in its notes.
EXCHANGE_NOTE_SIGNER = "Người ký: {}"
EXCHANGE_NOTE_DEADLINE = "Hạn xử lý: {}"
EXCHANGE_NOTE_REPLY_TO = "Trả lời văn bản: {}"
EXCHANGE_NOTE_TIMED = "Hỏa tốc hẹn giờ: {}"
EXCHANGE_NOTE_TIMED_UNKNOWN = "Hỏa tốc hẹn giờ (gói tin không ghi giờ: xem trên văn bản)"
EXCHANGE_ATTACHMENT_MAIN = "Văn bản"
EXCHANGE_ATTACHMENT_OTHER = "Tài liệu kèm theo"
# The two reasons an electronic document may be refused (Phú Yên QĐ 11/2018 art. 5.6).
# An electronic document received while the server cannot number it (another desk holds the lease).
EXCHANGE_RECEIVED_AS_DRAFT = (
    "Đã tiếp nhận; chưa có số đến: máy chủ không trả lời, số được cấp khi đồng bộ "
    "(dự thảo chờ số, xem «clerk drafts»)."
)
EXCHANGE_RECEIVED = "Đã tiếp nhận: số đến {}."
EXCHANGE_REFUSALS = {
    "wrong-recipient": "Gửi nhầm đơn vị nhận",
    "not-valid": "Văn bản điện tử không đủ giá trị pháp lý",
}

# What the register's Ghi chú says of an arrival registered after one received later.
LATE_REGISTRATION_NOTE = "Đăng ký muộn: {}"

# A void number in the register (a number with no document): the register view's and the
# printed register's one wording (the printed register's list is "số bỏ trống").
VOID_LABEL = "Số bỏ trống"
VOID_REASONS = {
    "ceded_unused": "số đã dành cho máy chủ cấp nhưng không dùng đến",
    "held_for_revoked": "giữ cho bàn bị thu hồi quyền cấp số (có thể đã cấp khi mất kết nối)",
}
UNRECORDED_VOID = "không có văn bản đăng ký"


def void_text(reason: str | None, recorded_on: str = "") -> str:
    """«Số bỏ trống: why» for a recorded void (`reason`), or for a gap nobody recorded (None)."""
    if reason is None:
        return f"{VOID_LABEL}: {UNRECORDED_VOID}"
    why = VOID_REASONS.get(reason, reason)
    return f"{VOID_LABEL}: {why}" + (f" (ghi nhận ngày {recorded_on})" if recorded_on else "")


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
    "late_reason": "Lý do đăng ký muộn",
    "year": "Năm",
    "number": "Số",
    "query": "Từ khóa tìm kiếm",
    "series": "Sổ văn bản đi",
    "to": "Nơi nhận bàn giao",
    "date": "Ngày",
    "leader": "Lãnh đạo cho ý kiến",
    "text": "Ý kiến chỉ đạo",
    "lead": "Đơn vị, người chủ trì",
    "deadline": "Hạn xử lý",
    "deadline_days": "Số ngày làm việc",
    "receiver": "Nơi nhận bàn giao",
    "signed_by": "Người ký nhận",
    "content": "Nội dung nhiệm vụ",
    "period": "Kỳ báo cáo",
    "status": "Trạng thái",
    "organ_id": "Mã định danh cơ quan (liên thông)",
    "attachments": "Tệp văn bản",
    "document_id": "Mã định danh văn bản",
}


# The regulations' time limits (workdays.limits.TimeLimit values), as the office says them.
TIME_LIMIT_NAMES = {
    "same_or_next_working_day": "Trong ngày hoặc ngày làm việc tiếp theo",
    "eight_working_hours": "Trong 08 giờ làm việc",
    "one_working_day": "Trong 01 ngày làm việc",
    "immediately": "Văn bản khẩn: ngay, trong 01 giờ làm việc",
}

_RECORD_NAMES = {
    "instruction": "ý kiến chỉ đạo",
    "assignment": "phân công xử lý",
    "handover_entry": "dòng sổ chuyển giao",
    "assigned_task": "nhiệm vụ được giao",
    "delegation": "ủy quyền",
    "calendar_override": "ngày làm việc điều chỉnh",
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


def register_title(kind: str, series: str, year: int, name: str = "") -> str:
    """`Sổ đăng ký văn bản đến 2026`: a register as a clerk names it, by its own name when known
    (the window's lease list, the command line and the messages below alike)."""
    if not name:
        name = f"Sổ {_kind(kind)}" + ("" if series == DEFAULT_SERIES else f" ({series})")
    return f"{name} {year}"


def _span(seconds: int) -> str:
    """`2 ngày 3 giờ`, `5 giờ 12 phút`, `7 phút`: a clock's error as a clerk reads it."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [(days, "ngày"), (hours, "giờ"), (minutes, "phút")]
    shown = [f"{n} {unit}" for n, unit in parts if n][:2]
    return " ".join(shown) or f"{seconds} giây"


def clock_skew_short(skew_s: int) -> str:
    """The status bar's few words for a wrong desk clock (the full message is `describe`'s)."""
    way = "nhanh" if skew_s > 0 else "chậm"
    return f"Đồng hồ máy {way} {_span(abs(skew_s))}: hãy chỉnh lại ngày giờ"


def _dmy(iso_date: str) -> str:
    """`2026-03-01` as offices write it: `01/03/2026`."""
    year, month, day = iso_date.split("-")
    return f"{day}/{month}/{year}"


# The document's life cycle (clerk_app.lifecycle): its states and actions as the office says them.
STATE_NAMES = {
    "received": "Đã nhận, chưa đăng ký",
    "registered": "Đã đăng ký",
    "stamped": "Đã đóng dấu đến",
    "handed_over": "Đã chuyển giao",
    "instructed": "Đã có ý kiến chỉ đạo, phân công",
    "closed": "Đã xử lý xong",
    "numbered": "Đã cấp số",
    "number_on_file": "Đã ghi số, ngày lên văn bản",
    "signed": "Đã ký số cơ quan",
    "issued": "Đã phát hành",
    "cancelled": "Đã hủy",
}
ACTION_NAMES = {
    "stamp_arrival": "đóng dấu ĐẾN",
    "sign_scan_copy": "ký số bản sao",
    "write_number": "ghi số, ngày lên văn bản",
    "sign_agency": "ký số cơ quan",
    "issue": "phát hành",
    "sign_attachment": "ký số phụ lục",
    "hand_over": "chuyển giao bản giấy",
    "instruct": "ghi ý kiến chỉ đạo (bút phê)",
}


def state_name(state: str) -> str:
    return STATE_NAMES.get(state, state)


def _wrong_direction(action: str, direction: str) -> Message:
    if action == "stamp_arrival":
        return Message(
            "Văn bản đi không đóng dấu ĐẾN.", "Dấu ĐẾN chỉ đóng lên văn bản đến đã đăng ký."
        )
    return Message(
        f"Không {ACTION_NAMES.get(action, action)} trên {_kind(direction)}.",
        f"Việc này chỉ làm với {_kind('incoming' if direction == 'outgoing' else 'outgoing')}.",
    )


def _wrong_state(action: str, state: str) -> Message:
    what = ACTION_NAMES.get(action, action)
    if action == "sign_agency" and state == "numbered":
        return Message(
            "Văn bản chưa được ghi số, ngày lên tệp nên chưa ký số cơ quan được.",
            "Dùng «Phát hành» để ghi số, ngày rồi ký số cơ quan trong một bước.",
        )
    if state == "cancelled":
        return Message(f"Văn bản đã hủy, không {what} được.", "Văn bản đã hủy chỉ để tra cứu.")
    if state == "issued":
        return Message(
            f"Văn bản đã phát hành, không {what} lại được.",
            "Bản phát hành có trong danh sách tệp của văn bản.",
        )
    return Message(
        f"Văn bản đang ở bước «{state_name(state)}» nên không {what} được.",
        "Làm các bước của văn bản theo đúng thứ tự.",
    )


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
    e.UnknownFile: lambda x: Message(
        "Tệp được chọn không thuộc văn bản này.", "Chọn lại tệp trong danh sách tệp của văn bản."
    ),
    e.NumberingLeaseNotHeld: lambda x: Message(
        f"Bàn này nối với máy chủ trung tâm nhưng không giữ quyền cấp số {_kind(x.kind)} năm "
        f"{x.year}; cấp số ở đây có thể trùng số với bàn khác.",
        "Lưu văn bản dưới dạng dự thảo (clerk draft-incoming / draft-outgoing) để máy chủ cấp số "
        "khi đồng bộ, hoặc nhận quyền cấp số của sổ này khi đang trực tuyến (clerk lease acquire).",
    ),
    e.NothingToStamp: lambda x: Message(
        "Văn bản chưa có bản quét PDF để đóng dấu đến.", "Đính kèm bản quét rồi đóng dấu lại."
    ),
    e.WrongDirection: lambda x: _wrong_direction(x.action, x.direction),
    e.WrongState: lambda x: _wrong_state(x.action, x.state),
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
    e.QpplTypeRefused: lambda x: Message(
        f"«{x.doc_type}» không thể là văn bản quy phạm pháp luật.",
        "Bỏ dấu chọn «Văn bản QPPL»; chỉ Nghị quyết và Quyết định mới có thể là văn bản QPPL.",
    ),
    e.SeriesRefused: lambda x: Message(
        f"Không cấp số «{x.doc_type}» trong sổ «{x.series}».",
        f"Để trống ô sổ hoặc chọn sổ «{x.required}»."
        if x.required
        else "Để trống ô sổ: bản sao và văn bản QPPL có sổ riêng, văn bản khác dùng sổ chung.",
    ),
    e.DuplicateReference: lambda x: Message(
        f"Số và ký hiệu «{x.reference}» đã cấp cho một văn bản đi khác năm {x.year}; "
        "không có gì được ghi.",
        "Kiểm tra các sổ văn bản đi của năm (một loại văn bản chỉ cấp số trong một sổ); "
        "báo quản trị nếu một sổ riêng trùng số với sổ chung.",
    ),
    e.ArrivalOutOfOrder: lambda x: Message(
        f"Thời điểm đến {x.received_at} sớm hơn văn bản số đến {x.last_number} "
        f"({x.last_received_at}); số đến phải theo thứ tự nhận.",
        "Kiểm tra lại giờ đến, hoặc ghi là đăng ký muộn kèm lý do "
        "(ô «Lý do đăng ký muộn», clerk … --late-reason).",
    ),
    e.RegisterClosed: lambda x: Message(
        f"Sổ {_kind(x.kind)} năm {x.year} đã khóa sổ; không cấp thêm số trong năm đó.",
        "Kiểm tra lại ngày văn bản; văn bản mới dùng sổ của năm đang mở.",
    ),
    e.ForbiddenCharacter: lambda x: Message(
        f"Trường «{field_name(x.field)}» có ký tự điều khiển ẩn ({x.codepoint}).",
        "Gõ lại nội dung trường này thay vì dán từ nơi khác.",
    ),
    e.DateTooEarly: lambda x: Message(
        f"Ngày «{x.value}» ở trường «{field_name(x.field)}» trước {_dmy(x.earliest)}.",
        "Kiểm tra lại năm trên văn bản (gõ đủ bốn chữ số).",
    ),
    e.DatabaseDamaged: lambda x: Message(
        f"Cơ sở dữ liệu «{x.path}» bị hỏng hoặc không đầy đủ.",
        "Đóng phần mềm, chép lại tệp từ bản sao lưu gần nhất và báo quản trị hệ thống.",
    ),
    e.DatabaseLocked: lambda x: Message(
        f"Cơ sở dữ liệu «{x.path}» đang bị một chương trình khác giữ.",
        "Đóng cửa sổ bàn văn thư hay lệnh clerk khác đang chạy rồi thử lại.",
    ),
    e.DatabaseReadOnly: lambda x: Message(
        f"Không ghi được vào cơ sở dữ liệu «{x.path}» (chỉ đọc).",
        "Cấp quyền ghi cho thư mục dữ liệu (hoặc bỏ thuộc tính chỉ đọc) rồi mở lại.",
    ),
    e.AuditMissing: lambda x: Message(
        f"Nhật ký thay đổi thiếu bản ghi của văn bản số {x.number}/{x.year}.",
        "Báo ngay cho quản trị hệ thống; không tiếp tục làm việc trên dữ liệu này.",
    ),
    e.NotInitialised: lambda x: Message(
        f"Thư mục dữ liệu «{x.data_dir}» chưa được khởi tạo.",
        "Chạy «clerk init --agency-name … --agency-code …» hoặc «clerk demo».",
    ),
    e.AlreadyInitialised: lambda x: Message(
        f"Thư mục dữ liệu «{x.data_dir}» đã có cơ sở dữ liệu.",
        "Dùng thư mục khác hoặc mở thư mục này.",
    ),
    e.DataFolderHoldsOriginals: lambda x: Message(
        f"Thư mục dữ liệu «{x.data_dir}» đã có {x.originals} bản gốc"
        + (" và một cơ sở dữ liệu rỗng" if x.empty_database else "")
        + ": khởi tạo lại sẽ cấp lại số từ 1.",
        "Khôi phục cơ sở dữ liệu từ bản sao lưu (hoặc báo quản trị hệ thống), hoặc khởi tạo ở "
        "một thư mục mới.",
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
    e.NoScanner: lambda x: Message(
        "Không tìm thấy máy quét nào.",
        "Cắm cáp và bật máy quét, cài trình điều khiển của hãng, rồi bấm «Tìm lại máy quét».",
    ),
    e.ScannerNotFound: lambda x: Message(
        f"Không tìm thấy máy quét «{x.device}».",
        "Kiểm tra máy quét đã bật và cắm cáp, hoặc chọn máy quét khác trong danh sách.",
    ),
    e.ScannerDriverMissing: lambda x: Message(
        f"Không nạp được thư viện máy quét ({x.driver}"
        + (f": {x.detail}" if x.detail else "")
        + ").",
        "Cài lại phần mềm (gói libsane1 và pyinsane2) rồi thử lại.",
    ),
    e.ScannerJammed: lambda x: Message(
        f"Giấy bị kẹt trong khay nạp sau {x.pages_kept} trang.",
        "Gỡ tờ giấy bị kẹt, đặt lại các trang chưa quét vào khay rồi bấm «Quét tiếp»; "
        "các trang đã quét vẫn được giữ.",
    ),
    e.ScannerCoverOpen: lambda x: Message(
        f"Nắp máy quét đang mở (đã quét {x.pages_kept} trang).",
        "Đóng nắp máy quét rồi bấm «Quét tiếp»; các trang đã quét vẫn được giữ.",
    ),
    e.ScannerBusy: lambda x: Message(
        f"Máy quét «{x.device}» đang bận với việc khác.",
        "Chờ máy quét xong việc đang làm (hoặc đóng chương trình khác đang dùng nó) rồi thử lại.",
    ),
    e.ScannerVanished: lambda x: Message(
        f"Mất kết nối với máy quét sau {x.pages_kept} trang.",
        "Kiểm tra cáp và nguồn điện của máy quét, rồi bấm «Quét tiếp»; "
        "các trang đã quét vẫn được giữ.",
    ),
    e.ScannerFailed: lambda x: Message(
        f"Máy quét báo lỗi ({x.status}) sau {x.pages_kept} trang.",
        "Tắt rồi bật lại máy quét và thử lại; các trang đã quét vẫn được giữ.",
    ),
    e.ScannerCrashed: lambda x: Message(
        f"Trình điều khiển máy quét bị dừng đột ngột sau {x.pages_kept} trang.",
        "Tắt rồi bật lại máy quét và bấm «Quét tiếp»; các trang đã quét vẫn được giữ.",
    ),
    e.ScannerHung: lambda x: Message(
        f"Máy quét không phản hồi trong {x.seconds:.0f} giây (đã quét {x.pages_kept} trang).",
        "Tắt rồi bật lại máy quét và bấm «Quét tiếp»; các trang đã quét vẫn được giữ.",
    ),
    e.ScanCancelled: lambda x: Message(
        f"Đã dừng quét theo yêu cầu; giữ lại {x.pages_kept} trang đã quét.",
        "Bấm «Quét tiếp» để quét thêm hoặc xử lý các trang đã có.",
    ),
    e.OcrUnavailable: lambda x: Message(
        "Chưa cài chương trình nhận dạng chữ (Tesseract với tiếng Việt)"
        + (f": {x.detail}." if x.detail else "."),
        "Cài gói tesseract-ocr và tesseract-ocr-vie; trong lúc chờ, hãy nhập thông tin bằng tay.",
    ),
    e.OcrFailed: lambda x: Message(
        f"Không nhận dạng được chữ trên «{x.path}»" + (f" ({x.detail})." if x.detail else "."),
        "Quét lại trang rõ hơn (200–300 dpi, ảnh xám) hoặc nhập thông tin bằng tay.",
    ),
    e.FontMissing: lambda x: Message(
        f"Không tìm thấy phông chữ «{x.font_file}» để in sổ có đủ dấu tiếng Việt.",
        "Cài gói fonts-croscore (Debian) hoặc chép tệp phông vào thư mục resources/fonts "
        "của phần mềm rồi in lại.",
    ),
    e.PeriodReversed: lambda x: Message(
        f"Ngày bắt đầu {_dmy(x.date_from)} sau ngày kết thúc {_dmy(x.date_to)}.",
        "Chọn «từ ngày» trước hoặc bằng «đến ngày».",
    ),
    e.PeriodAcrossYears: lambda x: Message(
        f"Khoảng từ {_dmy(x.date_from)} đến {_dmy(x.date_to)} thuộc hai năm "
        f"{x.first_year} và {x.last_year}; mỗi năm có một sổ đăng ký riêng.",
        f"In riêng sổ năm {x.first_year} và sổ năm {x.last_year}.",
    ),
    e.PeriodOutsideYear: lambda x: Message(
        f"Khoảng từ {_dmy(x.date_from)} đến {_dmy(x.date_to)} không nằm trong năm {x.year}.",
        f"Chọn ngày trong năm {x.year} hoặc đổi năm của sổ.",
    ),
    e.EmptyPeriod: lambda x: Message(
        f"Sổ {_kind(x.kind)} năm {x.year} không có văn bản nào từ {_dmy(x.date_from)} "
        f"đến {_dmy(x.date_to)}; không có gì để in.",
        "Chọn khoảng thời gian khác.",
    ),
    e.EmptyHandoverLog: lambda x: Message(
        f"Sổ chuyển giao không có văn bản nào chuyển từ {_dmy(x.date_from)} "
        f"đến {_dmy(x.date_to)}; không có gì để in.",
        "Chọn khoảng thời gian khác.",
    ),
    e.PrintCancelled: lambda x: Message(
        "Đã dừng in theo yêu cầu; chưa có tệp nào được lưu.", "In lại khi cần."
    ),
    e.PrinterUnavailable: lambda x: Message(
        (f"Máy in «{x.printer}» không sẵn sàng" if x.printer else "Máy này chưa cài máy in nào")
        + " nên không in được.",
        "Bật và kết nối máy in (hoặc cài máy in trong hệ điều hành) rồi in lại; "
        "trong lúc chờ, bấm «Lưu PDF» để lưu sổ ra tệp.",
    ),
    # --- stamps and signatures (issue 4) ---
    e.NoBlankSpaceForStamp: lambda x: Message(
        f"Trang {x.page} không còn khoảng trống {x.width_mm:g} × {x.height_mm:g} mm ở phía trên "
        "để đóng dấu mà không che chữ.",
        "Kéo dấu đến chỗ thích hợp trên bản xem trước rồi đóng dấu lại.",
    ),
    e.StampOutsidePage: lambda x: Message(
        f"Vị trí đóng dấu nằm ngoài trang {x.page}.", "Kéo dấu vào trong trang rồi thử lại."
    ),
    e.MarkLineNotFound: lambda x: Message(
        "Không tìm thấy dòng "
        + ("«Số:»" if x.line == "number" else "«…, ngày … tháng … năm …»")
        + " trên trang đầu của văn bản.",
        "Chọn vị trí ghi số, ngày trên bản xem trước.",
    ),
    e.SymbolMismatch: lambda x: Message(
        f"Ký hiệu in trên văn bản «{x.printed}» khác số, ký hiệu trong sổ «{x.reference}».",
        "Sửa ký hiệu trên dự thảo (hoặc sửa đăng ký) cho khớp rồi ghi số lại.",
    ),
    e.DocumentAlreadySigned: lambda x: Message(
        f"Văn bản đã có {x.signatures} chữ ký số; không được sửa nội dung trang.",
        "Ghi số, ngày bằng chữ ký số (cần USB ký số của cơ quan).",
    ),
    e.ChangesNotPermitted: lambda x: Message(
        f"Chữ ký «{x.field}» "
        + (
            "chứng thực văn bản và không cho phép thay đổi gì thêm."
            if x.reason == "certified_no_changes"
            else "đã khóa văn bản, không cho thêm chữ ký."
        ),
        "Đề nghị người ký ký lại bản cho phép ký tiếp, rồi ghi số, ngày và ký số cơ quan.",
    ),
    e.SignerSignatureMissing: lambda x: Message(
        "Văn bản chưa có chữ ký số của người có thẩm quyền.",
        "Chỉ ký số cơ quan sau khi người có thẩm quyền đã ký (Nghị định 30, Điều 32); "
        "trả văn bản để trình ký.",
    ),
    e.SignatureInvalid: lambda x: Message(
        f"Chữ ký số «{x.field}» của {x.signer or 'người ký'} không hợp lệ: "
        + {
            "not_intact": "nội dung đã bị thay đổi sau khi ký.",
            "not_valid": "chữ ký sai về mật mã hoặc chứng thư số không hợp lệ.",
            "not_trusted": "chứng thư số không do tổ chức tin cậy cấp.",
            "modified": "văn bản bị sửa sau khi ký theo cách không được phép.",
        }.get(x.reason, x.reason),
        "Không ký số cơ quan; trả văn bản để người có thẩm quyền ký lại"
        + (
            ", hoặc thêm chứng thư gốc vào kho chứng thư tin cậy."
            if x.reason == "not_trusted"
            else "."
        ),
    ),
    e.SealImageMissing: lambda x: Message(
        "Chưa có hình ảnh con dấu của cơ quan để ký số lên văn bản chính.",
        "Chọn tệp PNG nền trong suốt của con dấu (màu đỏ, đúng kích thước thật).",
    ),
    e.TokenModuleMissing: lambda x: Message(
        f"Không tìm thấy trình điều khiển USB ký số «{x.path}».",
        "Cài phần mềm đi kèm USB ký số hoặc chọn đúng tệp trình điều khiển (PKCS#11).",
    ),
    e.TokenModuleInvalid: lambda x: Message(
        f"Tệp «{x.path}» không phải trình điều khiển PKCS#11 dùng được"
        + (f" ({x.detail})." if x.detail else "."),
        "Chọn đúng trình điều khiển của USB ký số (ví dụ eTPKCS11.dll, bit4xpki.dll).",
    ),
    e.StaffListInvalid: lambda x: Message(
        f"Danh sách «{x.path}»"
        + (f", dòng {x.row}" if x.row else "")
        + f": {x.problem}. Chưa thêm đơn vị hay cán bộ nào.",
        "Sửa danh sách (cột Mã đơn vị, Tên đơn vị, Họ và tên, Chức vụ) rồi nhập lại.",
    ),
    e.TokenModuleBitness: lambda x: Message(
        f"Trình điều khiển «{x.path}» là bản {x.module_bits}-bit, không dùng được với phần mềm "
        f"{x.program_bits}-bit này.",
        f"Cài bản {x.program_bits}-bit của phần mềm USB ký số (tải từ trang của tổ chức cấp "
        "chứng thư số) rồi chọn lại.",
    ),
    e.TokenNotFound: lambda x: Message(
        "Không thấy USB ký số" + (f" «{x.label}»." if x.label else "."),
        "Cắm USB ký số vào máy, đợi đèn sáng rồi thử lại.",
    ),
    e.TokenPinIncorrect: lambda x: Message(
        "Mã PIN không đúng"
        + (
            f"; còn {x.tries_left} lần thử trước khi USB ký số bị khóa."
            if x.tries_left is not None
            else "."
        ),
        "Nhập lại cẩn thận; nhập sai nhiều lần USB ký số sẽ bị khóa.",
    ),
    e.TokenLocked: lambda x: Message(
        f"USB ký số «{x.label}» đã bị khóa do nhập sai mã PIN quá số lần cho phép.",
        "Liên hệ tổ chức cấp chứng thư số để mở khóa; không tự thử thêm.",
    ),
    e.TokenRemoved: lambda x: Message(
        "USB ký số bị rút ra hoặc mất kết nối trong khi ký; chưa có tệp nào được ghi.",
        "Cắm lại USB ký số rồi ký lại.",
    ),
    e.TokenCertificateMissing: lambda x: Message(
        f"Trong USB ký số không có chứng thư số «{x.label}» kèm khóa ký.",
        "Chọn chứng thư số khác trong danh sách.",
    ),
    e.CertificateExpired: lambda x: Message(
        f"Chứng thư số «{x.subject}» đã hết hạn từ {x.not_after}.",
        "Gia hạn chứng thư số với tổ chức cấp rồi ký lại.",
    ),
    e.CertificateNotYetValid: lambda x: Message(
        f"Chứng thư số «{x.subject}» chỉ có hiệu lực từ {x.not_before}.",
        "Kiểm tra đồng hồ của máy hoặc đợi đến ngày chứng thư có hiệu lực.",
    ),
    e.CertificateNotForSigning: lambda x: Message(
        f"Chứng thư số «{x.subject}» không được cấp cho việc ký số.",
        "Chọn chứng thư số ký của cơ quan.",
    ),
    e.CertificateNotOfAgency: lambda x: Message(
        f"Chứng thư số trên USB ký số là của «{x.subject}», không phải của «{x.agency}»: chưa ký.",
        "Cắm USB ký số của cơ quan mình hoặc chọn đúng chứng thư trong Cài đặt ký số; chỉ "
        "quản trị viên được ký thay bằng chứng thư này, kèm lý do (được ghi vào nhật ký).",
    ),
    e.AgencySealPresent: lambda x: Message(
        f"Tệp đã có chữ ký số của cơ quan («{x.field}», {x.signer}): mỗi văn bản chỉ ký số "
        "cơ quan một lần.",
        "Dùng phiên bản đã ký; nếu cần ký lại, ký trên bản chưa có chữ ký số cơ quan.",
    ),
    e.CertificateChainIncomplete: lambda x: Message(
        f"Không nối được chứng thư «{x.subject}» tới chứng thư gốc tin cậy nào (dừng ở "
        f"«{x.last}»): nơi nhận sẽ không xác minh được chữ ký.",
        "Thêm chứng thư của tổ chức cấp (CA trung gian, CA gốc) vào kho chứng thư tin cậy "
        "trong Cài đặt ký số.",
    ),
    e.SigningFailed: lambda x: Message(
        "Không ký số được" + (f" ({x.detail})." if x.detail else "."),
        "Chưa có tệp nào được ghi; kiểm tra USB ký số rồi thử lại.",
    ),
    e.TimestampServerFailed: lambda x: Message(
        f"Máy chủ cấp dấu thời gian «{x.url}» không trả lời hoặc từ chối"
        + (f" ({x.detail})." if x.detail else "."),
        "Chưa có tệp nào được ghi; kiểm tra kết nối mạng hoặc địa chỉ máy chủ trong cài đặt"
        " ký số, hoặc để trống địa chỉ đó để ký không kèm dấu thời gian.",
    ),
    e.TrustCertificateUnreadable: lambda x: Message(
        f"Tệp «{x.path}» không chứa chứng thư số nào đọc được.",
        "Chọn tệp chứng thư gốc dạng PEM hoặc DER (.pem, .crt, .cer, .der) do tổ chức cấp"
        " chứng thư (Ban Cơ yếu Chính phủ) công bố.",
    ),
    e.TrustCertificateOutsideStore: lambda x: Message(
        f"Chứng thư «{x.path}» nằm trong thư mục «{x.folder}» do quản trị viên chỉ định,"
        " không phải trong kho của máy này.",
        "Xóa tệp đó trong thư mục ấy, hoặc bỏ cả thư mục khỏi kho chứng thư tin cậy.",
    ),
    e.DeadlineInPast: lambda x: Message(
        f"Hạn xử lý {_dmy(x.value)} đã qua (hôm nay là {_dmy(x.today)}).",
        "Chọn một ngày từ hôm nay trở đi hoặc nhập số ngày làm việc.",
    ),
    e.DeadlineOnDayOff: lambda x: Message(
        f"Lưu ý: hạn xử lý {_dmy(x.value)} rơi vào ngày nghỉ ({x.reason}).",
        f"Hạn được ghi đúng như văn bản và tính đến hết ngày làm việc tiếp theo, "
        f"{_dmy(x.next_working_day)} (Bộ luật Dân sự, Điều 148); sửa lại nếu ghi nhầm.",
    ),
    e.UnknownHandler: lambda x: Message(
        f"Không có đơn vị hay cán bộ nào tên «{x.name}».",
        "Chọn trong danh sách gợi ý hoặc thêm đơn vị, cán bộ trước.",
    ),
    e.UnknownRecord: lambda x: Message(
        f"Không tìm thấy {_RECORD_NAMES.get(x.entity, x.entity)} có mã «{x.record_id}».",
        "Tải lại danh sách rồi chọn lại.",
    ),
    e.EditConflict: lambda x: Message(
        f"{_RECORD_NAMES.get(x.entity, x.entity).capitalize()} vừa được {x.changed_by} sửa "
        f"lúc {x.changed_at}; thay đổi của bạn chưa được lưu.",
        "Xem nội dung mới nhất rồi sửa lại nếu vẫn cần.",
    ),
    e.NoValidDelegation: lambda x: Message(
        f"{x.delegate} không có ủy quyền còn hiệu lực của {x.leader} ngày {_dmy(x.on)}.",
        "Ghi ủy quyền của lãnh đạo trước, hoặc để lãnh đạo tự nhập ý kiến chỉ đạo.",
    ),
    e.LateReasonMissing: lambda x: Message(
        "Nhiệm vụ đã quá hạn nhưng chưa nêu lý do.",
        "Nhập lý do quá hạn (Quy chế KH&CN 2023, Điều 5) rồi lưu lại.",
    ),
    e.SecretTaskContent: lambda x: Message(
        "Nhiệm vụ từ văn bản mật chỉ ghi trạng thái, không ghi nội dung.",
        "Xóa nội dung chi tiết, chỉ chọn trạng thái thực hiện.",
    ),
}


# Codes of the central server's refusals (sync/server/refusals.py), worded for the clerk.
SERVER_REASONS: dict[str, Message] = {
    Refusal.LOGIN_FAILED: Message(
        "Tên đăng nhập hoặc mật khẩu không đúng.", "Kiểm tra lại; chữ hoa, chữ thường là khác nhau."
    ),
    Refusal.ACCOUNT_LOCKED: Message(
        "Tài khoản đã bị khóa (không dùng quá 30 ngày sau khi cấp, hoặc 60 ngày không đăng nhập).",
        "Đề nghị quản trị hệ thống của cơ quan mở khóa tài khoản.",
    ),
    Refusal.PASSWORD_CHANGE_REQUIRED: Message(
        "Tài khoản mới phải đổi mật khẩu trong lần đăng nhập đầu tiên.",
        "Đổi mật khẩu khi kết nối (Đồng bộ › Kết nối máy chủ…, hoặc «clerk connect … "
        "--new-password-env BIẾN») rồi làm tiếp.",
    ),
    Refusal.SESSION_EXPIRED: Message(
        "Phiên làm việc với máy chủ đã hết hạn.",
        "Đăng nhập lại (Đồng bộ › Kết nối máy chủ…, hoặc «clerk connect …»).",
    ),
    Refusal.NOT_LOGGED_IN: Message(
        "Bàn làm việc chưa đăng nhập máy chủ.", "Chạy «clerk connect …»."
    ),
    Refusal.PROTOCOL_TOO_OLD: Message(
        "Phần mềm trên bàn làm việc này đã cũ, máy chủ không nhận dữ liệu từ phiên bản này.",
        "Cập nhật phần mềm rồi đồng bộ lại; dữ liệu trên máy vẫn được giữ nguyên.",
    ),
    Refusal.SERVER_TOO_OLD: Message(
        "Máy chủ chạy phiên bản cũ hơn phần mềm trên bàn làm việc.",
        "Báo quản trị hệ thống cập nhật máy chủ; tiếp tục làm việc, dữ liệu chờ gửi sau.",
    ),
    Refusal.REQUEST_TOO_LARGE: Message(
        "Gói dữ liệu gửi lên quá lớn.", "Đồng bộ lại; phần mềm sẽ gửi thành nhiều phần nhỏ hơn."
    ),
    Refusal.BATCH_TOO_LARGE: Message(
        "Gói dữ liệu gửi lên quá lớn.", "Đồng bộ lại; phần mềm sẽ gửi thành nhiều phần nhỏ hơn."
    ),
    Refusal.MALFORMED: Message(
        "Máy chủ không đọc được dữ liệu gửi lên.", "Báo bộ phận hỗ trợ kèm chi tiết lỗi."
    ),
    Refusal.DESK_OF_OTHER_AGENCY: Message(
        "Bàn làm việc này đã gắn với một cơ quan khác trên máy chủ.",
        "Dùng tài khoản của đúng cơ quan, hoặc một thư mục dữ liệu khác.",
    ),
    Refusal.LEASE_HELD: Message(
        "Một bàn làm việc khác đang giữ quyền cấp số của sổ này.",
        "Khi có kết nối, máy chủ vẫn cấp số ngay cho bàn này; quyền cấp số chỉ dùng khi mất kết "
        "nối. Muốn nhận quyền, đề nghị bàn đó bàn giao khi đang trực tuyến.",
    ),
    Refusal.DESK_BEHIND: Message(
        "Bàn làm việc chưa nhận đủ các văn bản đã cấp số trên máy chủ.",
        "Đồng bộ («clerk sync») rồi nhận quyền cấp số lại.",
    ),
    Refusal.DESK_AHEAD: Message(
        "Bàn làm việc này đã cấp số khi mất kết nối mà máy chủ chưa nhận (quyền cấp số đã bị "
        "thu hồi trước khi các số đó được gửi lên), nên chưa thể nhận lại quyền cấp số.",
        "Đồng bộ («clerk sync») để gửi các văn bản đó lên; quản trị viên xử lý chúng trong danh "
        "sách đối chiếu, rồi nhận quyền cấp số lại.",
    ),
    Refusal.LEASE_MOVED: Message(
        "Quyền cấp số của sổ này đã đổi chủ từ lần đồng bộ trước nên yêu cầu không còn đúng; "
        "không có gì thay đổi.",
        "Làm mới danh sách quyền cấp số (đồng bộ) rồi làm lại nếu vẫn cần.",
    ),
    Refusal.NO_LEASE: Message(
        "Sổ này không có bàn nào giữ quyền cấp số.", "Không cần làm gì thêm."
    ),
    Refusal.LOST_THROUGH_REQUIRED: Message(
        "Thu hồi quyền cấp số của bàn khác cần biết số cuối cùng bàn đó có thể đã cấp khi mất "
        "kết nối (số cuối trên máy chủ: {server_last}); không có gì thay đổi.",
        "Xem sổ đăng ký giấy của bàn đó rồi nhập số cuối cùng đã ghi (nếu bàn đó không cấp số "
        "nào khi mất kết nối, nhập {server_last}).",
    ),
    Refusal.LOST_THROUGH_TOO_FAR: Message(
        "Số cuối cùng đã nhập vượt quá số cuối trên máy chủ ({server_last}) hơn {most} số; "
        "không có gì thay đổi.",
        "Kiểm tra lại số đã nhập theo sổ đăng ký giấy của bàn bị thu hồi.",
    ),
    Refusal.ADMIN_ONLY: Message(
        "Chỉ quản trị hệ thống được thu hồi quyền cấp số.", "Đề nghị quản trị hệ thống thực hiện."
    ),
    Refusal.ROLE_CANNOT_NUMBER: Message(
        "Vai trò của tài khoản này không được cấp số văn bản.",
        "Tạo văn bản dự thảo; văn thư sẽ cấp số.",
    ),
    Refusal.SEQUENCE_GAP: Message(
        "Máy chủ thiếu một phần thay đổi của bàn làm việc này (dữ liệu có thể đã được khôi phục từ bản sao).",
        "Không đăng ký thêm; báo quản trị hệ thống để đối chiếu.",
    ),
    # Answers to one mutation (a registration), not to the whole request.
    Refusal.NUMBER_OUT_OF_SEQUENCE: Message(
        "Số bàn này cấp khi mất kết nối không liền sau số cuối trên máy chủ, nên máy chủ chưa ghi "
        "vào sổ mà đưa vào hàng chờ đối chiếu.",
        "Báo quản trị hệ thống đối chiếu số; chưa phát hành văn bản mang số này.",
    ),
    Refusal.SEQUENCE_REUSED: Message(
        "Máy chủ đã nhận một thay đổi khác cùng thứ tự gửi của bàn này (bàn có thể vừa được khôi "
        "phục từ bản sao), nên không nhận thay đổi này.",
        "Đồng bộ lại để bàn tự xếp lại thứ tự gửi; nếu vẫn bị từ chối, báo quản trị hệ thống.",
    ),
    Refusal.MUTATION_ID_REUSED: Message(
        "Máy chủ đã nhận một thay đổi mang cùng mã này trước đây, nên không nhận lô thay đổi "
        "đang gửi (bàn làm việc có thể được chép từ một bàn khác hoặc từ bản sao).",
        "Không đăng ký thêm trên bàn này; báo quản trị hệ thống để đối chiếu.",
    ),
    Refusal.EXCHANGE_NOT_SET_UP: Message(
        "Cơ quan này chưa có mã định danh liên thông trên máy chủ.",
        "Báo quản trị máy chủ: «clerk-server add-organ --agency MÃ --organ-id … --name …».",
    ),
    Refusal.EXCHANGE_ITEM_NOT_FOUND: Message(
        "Máy chủ không có văn bản đến điện tử này cho cơ quan.", "Mở lại hộp văn bản đến điện tử."
    ),
    Refusal.EXCHANGE_STATUS_NOT_ALLOWED: Message(
        "Văn bản đến điện tử đã chuyển sang trạng thái khác (bàn khác đã xử lý, hoặc nơi gửi đã "
        "lấy lại).",
        "Mở lại hộp văn bản đến điện tử để xem trạng thái mới.",
    ),
    Refusal.EXCHANGE_NOT_SENT: Message(
        "Văn bản này chưa được gửi liên thông.", "Gửi bằng «clerk send ID --to MÃ»."
    ),
    Refusal.EXCHANGE_NO_GATEWAY: Message(
        "Máy chủ chưa nối với trục liên thông: không gửi được yêu cầu thu hồi tới cơ quan ngoài.",
        "Báo quản trị máy chủ cấu hình thư mục trao đổi (--exchange-dir) rồi lấy lại lần nữa.",
    ),
    Refusal.EXCHANGE_PACKAGE_MISSING: Message(
        "Máy chủ không còn gói tin đã gửi nên không lập được gói tin thu hồi.",
        "Báo quản trị máy chủ kiểm tra kho tệp.",
    ),
    Refusal.EDXML_INVALID: Message(
        "Máy chủ không nhận gói tin edXML: gói tin không đúng chuẩn.",
        "Kiểm tra văn bản (số, ngày, tệp) rồi gửi lại.",
    ),
    Refusal.EDXML_NOT_DOCUMENT: Message(
        "Máy chủ chỉ nhận gói tin văn bản ở đây, không nhận gói tin trạng thái.",
        "Gửi văn bản bằng «clerk send»; trạng thái đi kèm việc tiếp nhận, từ chối.",
    ),
    Refusal.WRONG_SENDER: Message(
        "Gói tin ghi nơi gửi không phải cơ quan của tài khoản này.",
        "Kiểm tra mã định danh của cơ quan trong danh bạ liên thông.",
    ),
    Refusal.FILE_NOT_FOUND: Message(
        "Máy chủ không có tệp này cho cơ quan của bạn.", "Đồng bộ lại sau khi bàn gửi tệp lên xong."
    ),
    Refusal.DESK_CREDENTIAL_WRONG: Message(
        "Máy chủ không nhận ra bàn làm việc này: mã xác thực của bàn không khớp với mã máy chủ đã ghi "
        "khi bàn kết nối lần đầu (có thể thư mục dữ liệu đã bị sao chép sang máy khác).",
        "Báo quản trị hệ thống kiểm tra («clerk-server reset-desk») rồi kết nối lại.",
    ),
    Refusal.LOGIN_THROTTLED: Message(
        "Đăng nhập sai quá nhiều lần liên tiếp; máy chủ tạm chưa nhận lần thử tiếp theo.",
        "Chờ một lát rồi thử lại; nếu quên mật khẩu, đề nghị quản trị hệ thống cấp lại.",
    ),
    Refusal.WEAK_PASSWORD: Message(
        "Mật khẩu mới quá dễ đoán: cần ít nhất 8 ký tự, không thuộc danh sách mật khẩu phổ biến "
        "và không chứa tên đăng nhập.",
        "Chọn mật khẩu khác, dài hơn, gồm chữ, số và ký tự khác.",
    ),
    Refusal.PASSWORD_UNCHANGED: Message(
        "Mật khẩu mới trùng mật khẩu cũ.", "Chọn một mật khẩu khác với mật khẩu đang dùng."
    ),
    Refusal.PASSWORD_CHANGED_MEANWHILE: Message(
        "Mật khẩu của tài khoản vừa được đổi ở nơi khác.", "Đăng nhập lại bằng mật khẩu mới."
    ),
    Refusal.INVALID_MUTATION: Message(
        "Máy chủ từ chối một thay đổi gửi từ bàn này vì dữ liệu không hợp lệ; các thay đổi khác "
        "vẫn được nhận.",
        "Báo quản trị hệ thống; thay đổi bị từ chối được ghi lại trên máy chủ («clerk-server refused»).",
    ),
    Refusal.ROLE_NOT_ALLOWED: Message(
        "Vai trò của tài khoản này không được làm thay đổi này trên sổ đăng ký.",
        "Đề nghị văn thư của cơ quan thực hiện.",
    ),
    Refusal.FILE_MISSING: Message(
        "Máy chủ chưa có đủ tệp đính kèm của thay đổi này nên chưa nhận nó.",
        "Đồng bộ lại; nếu vẫn bị từ chối, kiểm tra tệp gốc trên bàn và báo quản trị hệ thống.",
    ),
    Refusal.HISTORY_ON_SERVER: Message(
        "Máy chủ đã có sổ đăng ký của cơ quan, bàn này cũng có văn bản đã cấp số: nối vào sẽ "
        "cấp trùng số.",
        "Kết nối bằng một thư mục dữ liệu mới (dữ liệu của bàn này giữ nguyên để tra cứu), hoặc "
        "báo quản trị hệ thống đối chiếu và nhập sổ của bàn này.",
    ),
    Refusal.HISTORY_SENT_ELSEWHERE: Message(
        "Văn bản của bàn này đã gửi lên một máy chủ khác, không nối sang máy chủ này được.",
        "Kết nối lại máy chủ cũ, hoặc dùng một thư mục dữ liệu mới cho máy chủ này.",
    ),
    Refusal.OUTBOX_NOT_EMPTY: Message(
        "Bàn này còn văn bản đã cấp số chưa gửi lên máy chủ nên chưa bàn giao quyền cấp số được.",
        "Đồng bộ cho hết hàng chờ rồi bàn giao lại.",
    ),
    Refusal.SERVER_BUSY: Message(
        "Máy chủ đang bận hoặc cơ sở dữ liệu tạm thời không trả lời.",
        "Tiếp tục làm việc; thay đổi được giữ lại và gửi ở lần đồng bộ sau.",
    ),
    Refusal.FILE_HASH_MISMATCH: Message(
        "Tệp gửi lên máy chủ không khớp mã băm của nó (tệp trên bàn có thể đã hỏng).",
        "Báo bộ phận hỗ trợ kiểm tra tệp gốc trên bàn, rồi đồng bộ lại.",
    ),
    Refusal.FILE_TOO_LARGE: Message(
        "Tệp quá lớn để gửi lên máy chủ.", "Chia văn bản thành nhiều tệp nhỏ hơn rồi đính kèm lại."
    ),
    Refusal.INVALID_RANGE: Message(
        "Yêu cầu tải tệp không hợp lệ.", "Đồng bộ lại; phần mềm sẽ tải lại tệp từ đầu."
    ),
}

# Why the server locked an account (Bến Tre 2018 art. 7), worded for the clerk.
LOCK_REASONS = {
    "never_used_30_days": "tài khoản không được dùng trong 30 ngày kể từ khi cấp",
    "unused_60_days": "tài khoản không đăng nhập quá 60 ngày",
    "password_not_changed": "mật khẩu ban đầu không được đổi trong lần đăng nhập đầu tiên",
    "too_many_failures": "nhập sai mật khẩu quá nhiều lần liên tiếp",
}


def _server_refused(x: e.ServerRefused) -> Message:
    if x.reason == Refusal.ACCOUNT_LOCKED:
        why = LOCK_REASONS.get(str(x.details.get("reason")), "quản trị hệ thống đã khóa")
        return Message(f"Tài khoản đã bị khóa: {why}.", SERVER_REASONS[Refusal.ACCOUNT_LOCKED].todo)
    if x.reason == Refusal.PROTOCOL_TOO_OLD and x.details.get("reason") == "desk_credential":
        return Message(
            "Bàn làm việc này đã được gắn mã xác thực trên máy chủ, nhưng phần mềm trên máy này "
            "là phiên bản cũ, không gửi được mã đó.",
            SERVER_REASONS[Refusal.PROTOCOL_TOO_OLD].todo,
        )
    station = x.details.get("station") if x.reason == Refusal.LEASE_HELD else None
    if station:
        return Message(
            f"Bàn làm việc «{station}» đang giữ quyền cấp số của sổ này.",
            SERVER_REASONS[Refusal.LEASE_HELD].todo,
        )
    worded = SERVER_REASONS.get(x.reason)
    if worded is None:
        return Message(
            f"Máy chủ từ chối yêu cầu ({x.reason}).", "Báo bộ phận hỗ trợ kèm mã lỗi này."
        )
    # The fields the server named, in the words where they name one (`{server_last}`); one it
    # did not send reads «?», so a message is always shown whole, never as a template.
    fields = defaultdict(lambda: "?", x.details)
    return Message(worded.what.format_map(fields), worded.todo.format_map(fields))


_RULES.update(
    {
        e.ServerUnreachable: lambda x: Message(
            f"Không kết nối được máy chủ {x.url}; bàn làm việc chuyển sang làm việc ngoại tuyến.",
            "Tiếp tục đăng ký; các thay đổi được giữ lại và gửi khi có mạng. "
            "Nếu mất kết nối quá 4 giờ làm việc, chuyển sang xử lý văn bản giấy và lập biên bản sự cố.",
        ),
        e.LeaseNotHandedOver: lambda x: Message(
            f"Chưa bàn giao quyền cấp số «{register_title(x.kind, x.series, x.year, x.name)}»: "
            f"không kết nối được máy chủ {x.url}. Bàn này vẫn giữ quyền cấp số và vẫn cấp số "
            "sổ này khi mất kết nối.",
            "Bàn giao lại khi có kết nối máy chủ.",
        ),
        e.LeaseReleaseUnknown: lambda x: Message(
            f"Đã gửi yêu cầu bàn giao quyền cấp số «{register_title(x.kind, x.series, x.year, x.name)}» "
            f"nhưng mất kết nối máy chủ {x.url} trước khi có trả lời: chưa rõ máy chủ đã nhận "
            "chưa. Bàn này tạm ngừng cấp số sổ này khi mất kết nối (lập dự thảo) cho tới khi "
            "máy chủ cho biết ai giữ quyền cấp số.",
            "Đồng bộ lại khi có kết nối; nếu bàn này vẫn giữ quyền, bàn giao lại.",
        ),
        e.ServerFailed: lambda x: Message(
            f"Máy chủ {x.url} gặp lỗi khi xử lý yêu cầu ({x.detail}); bàn làm việc chuyển sang "
            "làm việc ngoại tuyến.",
            "Tiếp tục đăng ký; các thay đổi được giữ lại và gửi lại tự động. "
            "Báo quản trị hệ thống nếu lỗi còn lặp lại.",
        ),
        e.ServerRefused: _server_refused,
        e.ClockSkewed: lambda x: Message(
            f"Đồng hồ máy này {'nhanh' if x.skew_s > 0 else 'chậm'} {_span(abs(x.skew_s))} so với "
            "máy chủ; thời gian đăng ký ghi trên máy này bị đánh dấu cần kiểm tra.",
            "Hãy chỉnh lại ngày giờ của máy tính (hoặc báo bộ phận hỗ trợ), rồi đồng bộ lại.",
        ),
        e.ClockTooFarToNumber: lambda x: Message(
            f"Đồng hồ máy này {'nhanh' if x.skew_s > 0 else 'chậm'} {_span(abs(x.skew_s))} so với "
            "máy chủ nên không cấp số được.",
            "Chỉnh lại ngày giờ của máy tính cho đúng rồi đăng ký lại.",
        ),
        e.DeskNotConnected: lambda x: Message(
            "Bàn làm việc này chưa kết nối máy chủ trung tâm.",
            "Trong cửa sổ chọn Đồng bộ › Kết nối máy chủ…, hoặc chạy «clerk connect --server "
            "URL --username TÊN --password-env BIẾN».",
        ),
        e.AgencyMismatch: lambda x: Message(
            f"Dữ liệu trên bàn thuộc cơ quan «{x.desk_code}», tài khoản thuộc «{x.server_code}».",
            "Dùng tài khoản của đúng cơ quan, hoặc khởi tạo một thư mục dữ liệu mới.",
        ),
        e.OfflineLoginRefused: lambda x: Message(
            "Không đăng nhập ngoại tuyến được"
            + {
                "no_verifier": ": tài khoản chưa từng đăng nhập trực tuyến trên bàn này.",
                "wrong_password": ": mật khẩu không đúng.",
                "other_user": ": bàn này gắn với tài khoản khác.",
            }.get(x.reason, "."),
            "Đăng nhập khi có kết nối máy chủ, hoặc dùng đúng tài khoản của bàn.",
        ),
        e.OutageNotFound: lambda x: Message(
            "Bàn làm việc này chưa ghi nhận lần mất kết nối nào."
            if x.outage_id is None
            else f"Không có lần mất kết nối mã {x.outage_id} trên bàn này.",
            "Xem danh sách bằng «clerk outages» hoặc dùng «--last» cho lần gần nhất.",
        ),
    }
)


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


# --- electronic exchange (edXML) ----------------------------------------------------------------

_HOSTILE_REASONS = {
    "doctype": "khai báo DOCTYPE",
    "entity": "khai báo thực thể XML",
    "too_deep": "các phần tử lồng nhau quá sâu",
    "too_many_elements": "quá nhiều phần tử",
}
_ATTACHMENT_FAULTS = {
    "missing": "không có nội dung đi kèm",
    "base64": "có mã base64 bị hỏng",
    "hash": "không khớp mã băm (tệp đã bị thay đổi trên đường truyền)",
    "zip": "là tệp nén bị hỏng",
    "too_large": "quá lớn",
    "empty": "rỗng",
}
_NOT_EXPORTABLE = {
    "incoming": "Chỉ gửi liên thông được văn bản đi.",
    "cancelled": "Văn bản đã hủy không gửi liên thông được.",
    "no_file": "Văn bản chưa có tệp để gửi liên thông.",
}
_RESEND = "Không tiếp nhận; đề nghị nơi gửi kiểm tra và gửi lại gói tin."


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


_RULES.update(
    {
        e.EdxmlTooLarge: lambda x: Message(
            f"Gói tin edXML dài {_mib(x.size)}, vượt giới hạn {_mib(x.limit)}.",
            "Đề nghị nơi gửi tách tệp đính kèm hoặc gửi bản nhỏ hơn.",
        ),
        e.EdxmlHostile: lambda x: Message(
            f"Gói tin edXML bị từ chối để bảo vệ máy: có {_HOSTILE_REASONS.get(x.reason, x.reason)}.",
            "Không mở tệp này bằng phần mềm khác; báo quản trị hệ thống và nơi gửi.",
        ),
        e.EdxmlNotWellFormed: lambda x: Message(
            f"Tệp edXML hỏng: sai cú pháp XML ở dòng {x.line}, cột {x.column}.",
            _RESEND,
        ),
        e.EdxmlNotAMessage: lambda x: Message(
            f"Tệp không phải gói tin edXML (phần tử gốc «{x.root}»).",
            "Chọn đúng tệp .edxml nhận được từ trục liên thông.",
        ),
        e.EdxmlElementMissing: lambda x: Message(
            f"Gói tin edXML thiếu thông tin bắt buộc «{x.element}».", _RESEND
        ),
        e.EdxmlBadValue: lambda x: Message(
            f"Gói tin edXML có giá trị «{x.value}» không hợp lệ ở «{x.element}»"
            + (f" (cần: {x.expected})." if x.expected else "."),
            _RESEND,
        ),
        e.EdxmlAttachmentDamaged: lambda x: Message(
            f"Tệp đính kèm «{x.name}» {_ATTACHMENT_FAULTS.get(x.reason, x.reason)}.", _RESEND
        ),
        e.EdxmlWrongRecipient: lambda x: Message(
            f"Gói tin gửi cho {', '.join(x.recipients) or 'cơ quan khác'}, không phải cơ quan này "
            f"(mã {x.organ_id}).",
            "Từ chối tiếp nhận với lý do «gửi nhầm đơn vị nhận».",
        ),
        e.EdxmlDuplicate: lambda x: Message(
            f"Văn bản mã định danh «{x.document_id}» đã nhận trước đó.",
            "Không đăng ký lại; mở văn bản đã nhận.",
        ),
        e.OrganNotInDirectory: lambda x: Message(
            f"Chưa có mã định danh liên thông của «{x.name}».",
            "Thêm cơ quan này vào danh bạ mã định danh"
            + (f" ({x.directory})" if x.directory else "")
            + " hoặc ghi rõ mã bằng --organ-id / --to.",
        ),
        e.NotExportable: lambda x: Message(
            _NOT_EXPORTABLE.get(x.reason, "Văn bản này không gửi liên thông được."),
            "Chọn một văn bản đi đã cấp số và có tệp."
            if x.reason != "no_file"
            else "Đính kèm tệp văn bản (clerk attach) rồi gửi lại.",
        ),
    }
)

EXCHANGE_STATUS_LABELS = {
    "arrived": "Đã đến",
    "refused": "Từ chối tiếp nhận",
    "registered": "Đã tiếp nhận",
    "assigned": "Đã phân công xử lý",
    "in_progress": "Đang xử lý",
    "done": "Hoàn thành",
    "recalled": "Đã lấy lại",
    "replaced": "Đã thay thế",
    "sent": "Đã gửi lên trục liên thông",
    "queued": "Chờ gửi (mất kết nối máy chủ)",
}

_CLOSED = {
    "registered": "đã được đăng ký",
    "refused": "đã bị từ chối",
    "recalled": "đã bị nơi gửi lấy lại",
    "replaced": "đã được nơi gửi thay bằng văn bản khác",
}

_RULES.update(
    {
        e.ExchangeItemNotFound: lambda x: Message(
            f"Không có văn bản đến điện tử mã «{x.item_id}».",
            "Xem danh sách bằng «clerk inbox».",
        ),
        e.ExchangeItemClosed: lambda x: Message(
            f"Văn bản đến điện tử «{x.item_id}» {_CLOSED.get(x.status, x.status)}.",
            "Không cần xử lý thêm trong hộp văn bản đến điện tử.",
        ),
        e.ExchangeSignatureInvalid: lambda x: Message(
            f"Chữ ký số trên tệp «{x.filename}» không hợp lệ: văn bản không có giá trị pháp lý.",
            "Từ chối tiếp nhận với lý do «không có giá trị pháp lý» (--reason not-valid).",
        ),
        e.ExchangeFilesMissing: lambda x: Message(
            f"Tệp của văn bản đến điện tử «{x.item_id}» chưa tải về bàn này.",
            "Kết nối lại máy chủ rồi mở lại hộp văn bản đến điện tử.",
        ),
    }
)
e.set_wording(lambda error: describe(error).one_line())
