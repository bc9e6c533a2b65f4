"""A realistic demo agency with N documents, for trying the desk and for benchmarks; no UI."""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from clerk_app import errors
from clerk_app.clock import VIETNAM, system_clock
from clerk_app.files.store import ContentStore
from clerk_app.kernel import DeskContext, bulk
from clerk_app.numbering import compose_reference
from clerk_app.records import IncomingDraft
from clerk_app.storage.database import DB_FILENAME, Database
from clerk_app.text import fold, reference_key
from clerk_app.vocabulary import DOC_TYPE_ABBREVIATIONS, urgency_rank
from clerk_app.workspace import Workspace, default_data_dir

AGENCY = ("Sở Khoa học và Công nghệ tỉnh Phú Yên", "SKHCN", "Ủy ban nhân dân tỉnh Phú Yên")
UNITS = [
    ("VP", "Văn phòng Sở"),
    ("KHTC", "Phòng Kế hoạch - Tài chính"),
    ("QLKH", "Phòng Quản lý khoa học"),
    ("QLCN", "Phòng Quản lý công nghệ và Thị trường công nghệ"),
    ("TTRA", "Thanh tra Sở"),
    ("TĐC", "Chi cục Tiêu chuẩn Đo lường Chất lượng"),
]
PEOPLE = [
    ("Nguyễn Văn Hùng", "VP", "Giám đốc"),
    ("Trần Thị Thu Hà", "VP", "Phó Giám đốc"),
    ("Lê Quốc Dũng", "VP", "Phó Giám đốc"),
    ("Phạm Thị Ngọc Ánh", "VP", "Văn thư"),
    ("Đặng Minh Đức", "KHTC", "Trưởng phòng"),
    ("Võ Thị Hồng Nhung", "QLKH", "Trưởng phòng"),
    ("Huỳnh Tấn Phát", "QLCN", "Trưởng phòng"),
    ("Bùi Thị Lan", "TTRA", "Chánh Thanh tra"),
    ("Đỗ Văn Thắng", "TĐC", "Chi cục trưởng"),
]
ISSUERS = [
    ("UBND tỉnh Phú Yên", "UBND"),
    ("Bộ Khoa học và Công nghệ", "BKHCN"),
    ("Sở Tài chính tỉnh Phú Yên", "STC"),
    ("Sở Nội vụ tỉnh Phú Yên", "SNV"),
    ("Sở Kế hoạch và Đầu tư", "SKHĐT"),
    ("Sở Thông tin và Truyền thông", "STTTT"),
    ("UBND huyện Tuy An", "UBND"),
    ("UBND thị xã Đông Hòa", "UBND"),
    ("UBND huyện Đồng Xuân", "UBND"),
    ("Kho bạc Nhà nước Phú Yên", "KBNN"),
    ("Văn phòng Đoàn ĐBQH và HĐND tỉnh", "VPĐĐBQH"),
    ("Cục Thuế tỉnh Phú Yên", "CT"),
]
INCOMING_TYPES = ["Công văn"] * 6 + [
    "Quyết định",
    "Thông báo",
    "Kế hoạch",
    "Giấy mời",
    "Báo cáo",
    "Hướng dẫn",
    "Tờ trình",
    "Chỉ thị",
]
OUTGOING_TYPES = ["Công văn"] * 5 + [
    "Quyết định",
    "Thông báo",
    "Kế hoạch",
    "Báo cáo",
    "Tờ trình",
    "Giấy mời",
]
ACTIONS = [
    "triển khai",
    "hướng dẫn thực hiện",
    "báo cáo kết quả",
    "góp ý dự thảo",
    "tổ chức hội nghị",
    "kiểm tra việc thực hiện",
    "phê duyệt",
    "đề nghị cung cấp thông tin về",
    "tăng cường",
    "rà soát",
    "điều chỉnh kế hoạch",
    "giao chỉ tiêu",
    "tổng kết",
    "quyết toán kinh phí",
]
OBJECTS = [
    "nhiệm vụ khoa học và công nghệ cấp tỉnh",
    "chuyển đổi số",
    "đo lường chất lượng hàng hóa",
    "an toàn bức xạ",
    "sở hữu trí tuệ",
    "đổi mới sáng tạo",
    "hồ sơ công việc",
    "cải cách hành chính",
    "phòng chống thiên tai",
    "quản lý văn bản và điều hành",
    "dự toán ngân sách",
    "đánh giá cán bộ, công chức",
    "hội thi sáng tạo kỹ thuật",
    "tiêu chuẩn quốc gia",
    "thanh tra chuyên ngành",
    "ứng dụng công nghệ thông tin",
]
# Commune names are rare in subjects, so benchmarks have rare words to look for.
PLACES = [
    "xã An Ninh Đông",
    "xã Hòa Xuân Tây",
    "phường Phú Lâm",
    "xã Xuân Phước",
    "xã Sơn Hội",
    "xã Ea Bar",
    "thị trấn Hai Riêng",
    "xã Hòa Hiệp Trung",
    "xã An Mỹ",
    "xã Đức Bình Đông",
]
URGENCY_WEIGHTS = [("Thường", 85), ("Khẩn", 10), ("Thượng khẩn", 4), ("Hỏa tốc", 1)]


def _subject(rng: random.Random, year: int) -> str:
    subject = f"Về việc {rng.choice(ACTIONS)} {rng.choice(OBJECTS)}"
    if rng.random() < 0.02:
        subject += f" tại {rng.choice(PLACES)}"
    if rng.random() < 0.5:
        subject += f" năm {year}"
    return subject


def _urgency(rng: random.Random) -> str:
    return rng.choices([u for u, _ in URGENCY_WEIGHTS], [w for _, w in URGENCY_WEIGHTS])[0]


def build_demo(
    data_dir: Path | None,
    documents: int,
    *,
    progress: Callable[[int, int], None] | None = None,
    seed: int = 2026,
    clock: Callable[[], datetime] = system_clock,
    batch: int = 20_000,
) -> Path:
    """Create the demo agency with `documents` registrations spread over this year so far.

    It is built in a staging folder and moved into place only when complete, so an
    interrupted build never leaves a half-made desk that looks like a real one.
    """
    path = (data_dir or default_data_dir()).expanduser()
    if path.exists() and any(path.iterdir()):
        raise errors.AlreadyInitialised(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.parent / f".{path.name}.building-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _build(staging, documents, progress, seed, clock, batch)
        if path.exists():
            path.rmdir()
        staging.rename(path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path


def _build(
    path: Path,
    documents: int,
    progress: Callable[[int, int], None] | None,
    seed: int,
    clock: Callable[[], datetime],
    batch: int,
) -> None:
    name, code, parent = AGENCY
    with Workspace.init(
        path, agency_name=name, agency_code=code, parent_name=parent, clock=clock, demo=True
    ) as ws:
        for unit_code, unit_name in UNITS:
            ws.add_unit(unit_code, unit_name)
        for person, unit_code, title in PEOPLE:
            ws.add_person(person, unit_code, title)
        now = clock()
        year = now.astimezone(VIETNAM).year
        registers: dict[str, Any] = {r.kind: r for r in ws.registers(year)}
        actor = ws.actor
    rng = random.Random(seed)
    start = datetime.combine(date(year, 1, 1), time(7, 30), VIETNAM)
    span = max((now - start).total_seconds() - 3600, 60.0)
    # A fresh demo has nothing to lose on power failure; FULL sync would only slow it down.
    db = Database(path / DB_FILENAME, synchronous="OFF")
    ctx = DeskContext.load(db, ContentStore(path / "files"), clock, actor)
    numbers = {"incoming": 0, "outgoing": 0}
    done = 0
    try:
        while done < documents:
            size = min(batch, documents - done)
            rows = list(
                _rows(rng, done, size, documents, start, span, year, registers, numbers, code, now)
            )
            with ctx.write() as tx:
                bulk.bulk_register(
                    tx,
                    rows,
                    details=(
                        {k: _plain(v) for k, v in r.items() if k not in ("id",)} for r in rows
                    ),
                )
                for kind, reg in registers.items():
                    bulk.set_last_number(tx, reg.id, numbers[kind])
            done += size
            if progress:
                progress(done, documents)
    finally:
        db.close()
    with Workspace.open(path, actor=actor, clock=clock) as ws:
        _register_letters(ws, rng, path.parent / f".{path.name}.letters", min(12, documents))


LETTER_FONTS = (
    "/usr/share/fonts/truetype/croscore/Tinos-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "C:/Windows/Fonts/times.ttf",
)


def letter_pdf(issuer: str, reference: str, issued_on: date, doc_type: str, subject: str) -> bytes:
    """A one-page letter laid out as NĐ 30 prescribes, for demo scans and test fixtures."""
    import pymupdf

    font_file = next((f for f in LETTER_FONTS if Path(f).is_file()), None)
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    kwargs: dict[str, Any] = {"fontname": "serif", "fontfile": font_file} if font_file else {}
    body = [
        (60, 70, issuer.upper(), 12),
        (330, 70, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12),
        (360, 88, "Độc lập - Tự do - Hạnh phúc", 12),
        (60, 110, f"Số: {reference}", 13),
        (330, 110, f"Phú Yên, ngày {issued_on:%d} tháng {issued_on:%m} năm {issued_on:%Y}", 13),
        (240, 160, doc_type.upper(), 14),
        (120, 180, subject[:70], 13),
        (80, 230, "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ", 13),
        (80, 250, "về công tác văn thư; đề nghị các cơ quan, đơn vị triển khai thực hiện.", 13),
        (380, 330, "GIÁM ĐỐC", 13),
        (370, 420, "Nguyễn Văn Hùng", 13),
    ]
    for x, y, line, size in body:
        page.insert_text((x, y), line, fontsize=size, **kwargs)
    data = doc.tobytes(garbage=3, deflate=True)
    doc.close()
    return bytes(data)


def _register_letters(ws: Workspace, rng: random.Random, folder: Path, count: int) -> None:
    """The newest few documents arrive through the real use case, with a scanned letter each."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        today = ws.now_in_vietnam().date()
        for i in range(count):
            issuer, issuer_code = ISSUERS[i % len(ISSUERS)]
            doc_type = INCOMING_TYPES[(i * 5) % len(INCOMING_TYPES)]
            reference = f"{rng.randint(100, 999)}/{issuer_code}-VP"
            subject = _subject(rng, today.year)
            pdf = folder / f"thu-{i + 1:02d}.pdf"
            pdf.write_bytes(letter_pdf(issuer, reference, today, doc_type, subject))
            ws.register_incoming(
                IncomingDraft(
                    issuer=issuer,
                    reference=reference,
                    issued_on=today,
                    doc_type=doc_type,
                    subject=subject,
                    urgency=_urgency(rng),
                    files=[pdf],
                    source_channel="Bưu chính",
                    allow_duplicate=True,
                )
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _rows(
    rng: random.Random,
    first: int,
    size: int,
    total: int,
    start: datetime,
    span: float,
    year: int,
    registers: dict[str, Any],
    numbers: dict[str, int],
    agency_code: str,
    now: datetime,
) -> Iterator[dict[str, Any]]:
    for i in range(first, first + size):
        at = start + timedelta(seconds=span * i / max(total, 1))
        kind = "incoming" if rng.random() < 0.65 else "outgoing"
        numbers[kind] += 1
        number = numbers[kind]
        urgency = _urgency(rng)
        handed = kind == "incoming" and (total - i) > 40
        row: dict[str, Any] = {
            "id": None,
            "register_id": registers[kind].id,
            "direction": kind,
            "year": year,
            "number": number,
            "status": "registered",
            "urgency": urgency,
            "urgency_rank": urgency_rank(urgency),
            "subject": _subject(rng, year),
            "created_at": at.astimezone(UTC),
            "updated_at": at.astimezone(UTC),
            "revision": 1,
            "notes": "",
            "cancel_reason": "",
            "cancelled_at": None,
            "copies": None,
            "file_copy_holder": "",
            "electronic_only": False,
            "unit_code": "",
            "signer": "",
            "handed_over_to": "",
            "handed_over_at": None,
            "received_at": None,
            "pages": rng.randint(1, 12),
        }
        unit_code, unit_name = rng.choice(UNITS)
        if kind == "incoming":
            issuer, issuer_code = rng.choice(ISSUERS)
            doc_type = rng.choice(INCOMING_TYPES)
            ref_no = rng.randint(1, 3000)
            reference = (
                f"{ref_no}/{issuer_code}-{rng.choice(['VP', 'KT', 'TH', 'NC'])}"
                if doc_type == "Công văn"
                else f"{ref_no}/{DOC_TYPE_ABBREVIATIONS[doc_type]}-{issuer_code}"
            )
            row.update(
                received_at=at.astimezone(UTC),
                issuer=issuer,
                doc_type=doc_type,
                reference=reference,
                issued_on=(at - timedelta(days=rng.randint(0, 5))).date(),
                has_paper=rng.random() < 0.6,
                source_channel=rng.choice(
                    ["Bưu chính", "Hệ thống điện tử", "Hệ thống điện tử", "Trực tiếp"]
                ),
                recipients=unit_name if handed else "",
                handed_over_at=(at + timedelta(hours=2)).astimezone(UTC) if handed else None,
                handed_over_to=unit_name if handed else "",
            )
        else:
            doc_type = rng.choice(OUTGOING_TYPES)
            reference = compose_reference(number, doc_type, agency_code, unit_code)
            person = rng.choice(PEOPLE[:3])
            row.update(
                issuer=AGENCY[0],
                doc_type=doc_type,
                reference=reference,
                issued_on=at.date(),
                has_paper=True,
                source_channel="",
                recipients=rng.choice([i for i, _ in ISSUERS]),
                signer=person[0],
                unit_code=unit_code,
                copies=rng.randint(2, 8),
                file_copy_holder=unit_name,
            )
        row["register_date"] = (
            at.astimezone(VIETNAM).date() if kind == "incoming" else row["issued_on"]
        )
        row["issuer_key"] = fold(row["issuer"])
        row["reference_key"] = reference_key(row["reference"])
        yield row
