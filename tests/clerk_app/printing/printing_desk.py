"""A desk with registers over several months, registered through the real use cases, and PDF
reading helpers (PyMuPDF text extraction) for the printing tests."""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pymupdf
import pytest

from clerk_app.clock import VIETNAM
from clerk_app.records import IncomingDraft, OutgoingDraft
from clerk_app.workspace import Workspace

# Every Vietnamese vowel with every tone mark, plus đ, in one issuer name.
DIACRITIC_ISSUER = (
    "Ủy ban xã Đắk Ơ: àáảãạ ăằắẳẵặ âầấẩẫậ èéẻẽẹ êềếểễệ ìíỉĩị òóỏõọ ôồốổỗộ ơờớởỡợ "
    "ùúủũụ ưừứửữự ỳýỷỹỵ đ Đ"
)
LONG_SUBJECT_WORDS = [f"đoạn{i:03d}" for i in range(1, 400)]
LONG_SUBJECT = ("Về việc " + " ".join(LONG_SUBJECT_WORDS))[:2000]


class StepClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass(frozen=True)
class Desk:
    ws: Workspace
    january: list[str]  # references of January's incoming documents
    february: list[str]
    march: list[str]
    cancelled_id: str
    cancelled_reference: str


def _incoming(ws: Workspace, day: date, n: int, **kw: object) -> str:
    received = datetime(day.year, day.month, day.day, 8, 0, tzinfo=VIETNAM) + timedelta(minutes=n)
    reference = str(kw.pop("reference", f"{n}/STC-NS"))
    draft = IncomingDraft(
        issuer=str(kw.pop("issuer", "Sở Tài chính tỉnh Phú Yên")),
        reference=reference,
        issued_on=day,
        doc_type="Công văn",
        subject=str(kw.pop("subject", f"Về việc quyết toán kinh phí đợt {n}")),
        received_at=received,
        recipients=str(kw.pop("recipients", "Phòng Kinh tế")),
        **kw,  # type: ignore[arg-type]
    )
    return ws.register_incoming(draft).document.summary.id


ACTOR = "nvan1.skhcn"


@dataclass(frozen=True)
class _Template:
    path: Path
    clock_now: datetime
    january: list[str]
    february: list[str]
    march: list[str]
    cancelled_id: str
    cancelled_reference: str


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, printing_template: _Template) -> Iterator[Desk]:
    """January and February with 40 entries each (several pages a month), March with a
    2,000-character subject, an issuer with every diacritic and one cancelled entry.

    Each module gets its own copy of the desk built once per session (per xdist worker): its
    89 registrations, each a durable commit, cost more than most modules' tests."""
    t = printing_template
    path = tmp_path_factory.mktemp("printing") / "desk"
    shutil.copytree(t.path, path)
    ws = Workspace.open(path, actor=ACTOR, clock=StepClock(t.clock_now))
    try:
        yield Desk(ws, t.january, t.february, t.march, t.cancelled_id, t.cancelled_reference)
    finally:
        ws.close()


@pytest.fixture(scope="session")
def printing_template(tmp_path_factory: pytest.TempPathFactory) -> _Template:
    """The printing desk, built once and closed: `desk` copies it."""
    path = tmp_path_factory.mktemp("printing-template") / "desk"
    clock = StepClock(datetime(2026, 6, 30, 9, 0, tzinfo=VIETNAM))
    ws = Workspace.init(
        path,
        agency_name="Sở Khoa học và Công nghệ tỉnh Phú Yên",
        agency_code="SKHCN",
        parent_name="Ủy ban nhân dân tỉnh Phú Yên",
        actor=ACTOR,
        clock=clock,
    )
    ws.add_unit("VP", "Văn phòng Sở")
    january, february, march = [], [], []
    n = 100
    for i in range(40):
        n += 1
        _incoming(ws, date(2026, 1, 5 + i // 2), n)
        january.append(f"{n}/STC-NS")
    for i in range(40):
        n += 1
        _incoming(ws, date(2026, 2, 2 + i // 2), n)
        february.append(f"{n}/STC-NS")
    n += 1
    _incoming(ws, date(2026, 3, 2), n, subject=LONG_SUBJECT)
    march.append(f"{n}/STC-NS")
    n += 1
    _incoming(ws, date(2026, 3, 3), n, issuer=DIACRITIC_ISSUER)
    march.append(f"{n}/STC-NS")
    n += 1
    cancelled_id = _incoming(ws, date(2026, 3, 4), n)
    ws.cancel(cancelled_id, "Đăng ký nhầm văn bản của đơn vị khác")
    cancelled_reference = f"{n}/STC-NS"
    for i in range(6):
        ws.register_outgoing(
            OutgoingDraft(
                doc_type="Công văn",
                subject=f"Về việc báo cáo tiến độ chuyển đổi số quý {i + 1}",
                signer="Nguyễn Văn Hùng",
                recipients="Sở Nội vụ tỉnh Phú Yên",
                issued_on=date(2026, 2, 10 + i),
                unit_code="VP",
                copies=3 + i,
                file_copy_holder="Văn phòng Sở (bản lưu)",
            )
        )
    ws.close()
    return _Template(path, clock.now, january, february, march, cancelled_id, cancelled_reference)


def page_texts(path: Path) -> list[str]:
    with pymupdf.open(path) as doc:
        return [page.get_text() for page in doc]


def assert_nfc(text: str) -> None:
    assert unicodedata.is_normalized("NFC", text)
