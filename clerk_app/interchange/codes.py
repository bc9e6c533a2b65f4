"""The edXML code tables (document types, priorities, status codes, organ directory), read from
the CSV files shipped in `tables/`, each replaced by an edited copy in the data folder's
`interchange/` folder when there is one. Lookups only; nothing here writes."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal, TypeVar, get_args

from clerk_app import errors
from clerk_app.interchange.values import Organ
from clerk_app.text import fold
from clerk_app.vocabulary import canonical_urgency

OVERRIDE_FOLDER = "interchange"
DOCUMENT_TYPES = "document_types.csv"
PRIORITIES = "priorities.csv"
STATUS_CODES = "status_codes.csv"
ORGANS = "organs.csv"

StatusKey = Literal[
    "arrived",
    "refused",
    "registered",
    "assigned",
    "in_progress",
    "done",
    "recall_requested",
    "recall_accepted",
    "recall_refused",
]
STATUS_KEYS: tuple[StatusKey, ...] = get_args(StatusKey)


@dataclass(frozen=True)
class DocumentTypeCode:
    code: str
    detail: str
    name: str


@dataclass(frozen=True)
class PriorityCode:
    code: str
    urgency: str  # the desk's urgency level
    timed: bool  # «Hỏa tốc hẹn giờ»
    label: str


@dataclass(frozen=True)
class StatusCode:
    code: str
    key: StatusKey
    label: str


Row = dict[str, str]
T = TypeVar("T")


def _rows(text: str, source: str, columns: Sequence[str]) -> list[Row]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    missing = [c for c in columns if c not in (reader.fieldnames or ())]
    if missing:
        raise errors.FileCorrupt(source, detail=f"thiếu cột {', '.join(missing)}")
    rows = []
    for row in reader:
        rows.append({c: (row.get(c) or "").strip() for c in columns})
    return rows


def _unique(items: list[T], key: Callable[[T], str], source: str) -> tuple[T, ...]:
    seen: set[str] = set()
    for item in items:
        k = key(item)
        if not k:
            raise errors.FileCorrupt(source, detail="có dòng thiếu mã")
        if k in seen:
            raise errors.FileCorrupt(source, detail=f"mã «{k}» lặp lại")
        seen.add(k)
    return tuple(items)


def _read(name: str, data_dir: Path | None) -> tuple[str, str]:
    """The table's text and where it came from: the data folder's copy wins."""
    if data_dir is not None:
        edited = data_dir / OVERRIDE_FOLDER / name
        if edited.is_file():
            try:
                return edited.read_text(encoding="utf-8-sig"), str(edited)
            except (OSError, UnicodeDecodeError) as exc:
                raise errors.FileUnreadable(str(edited), detail=str(exc)) from exc
    shipped = resources.files("clerk_app.interchange").joinpath("tables", name)
    return shipped.read_text(encoding="utf-8"), str(shipped)


def _flag(value: str, source: str) -> bool:
    if value not in ("0", "1"):
        raise errors.FileCorrupt(source, detail=f"cột timed nhận 0 hoặc 1, không phải «{value}»")
    return value == "1"


def _status_key(value: str, source: str) -> StatusKey:
    for key in STATUS_KEYS:
        if key == value:
            return key
    raise errors.FileCorrupt(source, detail=f"khóa trạng thái «{value}» không có")


@dataclass(frozen=True)
class CodeTables:
    document_types: tuple[DocumentTypeCode, ...]
    priorities: tuple[PriorityCode, ...]
    statuses: tuple[StatusCode, ...]
    organs: tuple[Organ, ...]
    organ_source: str = ""  # where the organ directory was read, for messages

    @classmethod
    def load(cls, data_dir: Path | None = None) -> CodeTables:
        text, src = _read(DOCUMENT_TYPES, data_dir)
        types = _unique(
            [
                DocumentTypeCode(r["code"], r["detail"], r["name"])
                for r in _rows(text, src, ("code", "detail", "name"))
            ],
            lambda t: t.code,
            src,
        )
        text, src = _read(PRIORITIES, data_dir)
        priorities = _unique(
            [
                PriorityCode(r["code"], r["urgency"], _flag(r["timed"], src), r["label"])
                for r in _rows(text, src, ("code", "urgency", "timed", "label"))
            ],
            lambda p: p.code,
            src,
        )
        for p in priorities:
            if canonical_urgency(p.urgency) != p.urgency:
                raise errors.FileCorrupt(src, detail=f"độ khẩn «{p.urgency}» không có")
        text, src = _read(STATUS_CODES, data_dir)
        statuses = _unique(
            [
                StatusCode(r["code"], _status_key(r["key"], src), r["label"])
                for r in _rows(text, src, ("code", "key", "label"))
            ],
            lambda s: s.code,
            src,
        )
        _unique(list(statuses), lambda s: s.key, src)
        missing = set(STATUS_KEYS) - {s.key for s in statuses}
        if missing:
            raise errors.FileCorrupt(src, detail=f"thiếu trạng thái {', '.join(sorted(missing))}")
        text, organ_src = _read(ORGANS, data_dir)
        organs = _unique(
            [
                Organ(r["organ_id"], r["name"], in_charge=r["in_charge"], email=r["email"])
                for r in _rows(text, organ_src, ("organ_id", "name", "in_charge", "email"))
            ],
            lambda o: o.organ_id.upper(),
            organ_src,
        )
        return cls(types, priorities, statuses, organs, organ_source=organ_src)

    # --- document types -----------------------------------------------------------------

    def document_type_named(self, name: str) -> DocumentTypeCode | None:
        wanted = fold(name)
        return next((t for t in self.document_types if fold(t.name) == wanted), None)

    def document_type_coded(self, code: str) -> DocumentTypeCode | None:
        return next((t for t in self.document_types if t.code == code.strip()), None)

    # --- priorities ---------------------------------------------------------------------

    def priority(self, code: str) -> PriorityCode | None:
        return next((p for p in self.priorities if p.code == code.strip()), None)

    def priority_for(self, urgency: str, *, timed: bool = False) -> PriorityCode:
        """The priority written for the desk's urgency; «Hỏa tốc hẹn giờ» picks the timed one."""
        level = canonical_urgency(urgency)
        if level is None:
            raise errors.InvalidValue("urgency", urgency, "Hỏa tốc, Thượng khẩn, Khẩn hoặc Thường")
        timed = timed or fold(urgency).startswith("hoa toc hen gio")
        for p in self.priorities:
            if p.urgency == level and p.timed == timed:
                return p
        for p in self.priorities:
            if p.urgency == level:
                return p
        raise errors.InvalidValue("urgency", urgency, "một độ khẩn có trong bảng mã độ khẩn")

    # --- statuses -----------------------------------------------------------------------

    def status(self, code: str) -> StatusCode | None:
        wanted = code.strip()
        # Some senders write 1 for 01.
        if wanted.isdigit():
            wanted = wanted.zfill(2)
        return next((s for s in self.statuses if s.code == wanted), None)

    def status_code(self, key: StatusKey) -> str:
        return next(s.code for s in self.statuses if s.key == key)

    def status_label(self, key: StatusKey) -> str:
        return next(s.label for s in self.statuses if s.key == key)

    # --- organ directory ----------------------------------------------------------------

    def organ(self, organ_id: str) -> Organ | None:
        wanted = organ_id.strip().upper()
        return next((o for o in self.organs if o.organ_id.upper() == wanted), None)

    def organ_named(self, name: str) -> Organ | None:
        wanted = fold(name)
        return next((o for o in self.organs if fold(o.name) == wanted), None)
