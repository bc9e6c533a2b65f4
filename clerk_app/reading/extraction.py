"""The fields of an NĐ 30 first page from OCR words and their boxes; never invents a value.

Issuer block at top left, `Số: …` below it, place and date at right, the type name centred with
the subject under it (a công văn has `V/v …` under its number instead), the urgency mark in a box
below the number. Each field carries a confidence in 0–1 from Tesseract's word confidences and
how well the value fits its expected shape; a field read poorly is left empty.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from clerk_app.reading.calibration import Bin, calibrate
from clerk_app.reading.issuers import IssuerMatcher
from clerk_app.reading.issuers import matcher as issuer_matcher
from clerk_app.reading.lexicon import check_subject, one_letter_apart
from clerk_app.reading.ocr import OcrPage, Word
from clerk_app.text import fold, nfc
from clerk_app.vocabulary import DOC_TYPE_ABBREVIATIONS, DOC_TYPES

FIELDS = ("issuer", "reference", "issued_on", "doc_type", "subject", "urgency")
# Below these, what was read is more likely noise than text: say nothing rather than guess.
MIN_PAGE_CONFIDENCE = 45.0
MIN_FIELD_CONFIDENCE = 0.45
# A date read outside the header's place-and-date line: offered, never near "sure".
BODY_DATE_CONFIDENCE = 0.3
UNKNOWN_ISSUER_CONFIDENCE = 0.6
# A line under the subject printed this much smaller than the subject's is not part of it.
SMALL_PRINT = 0.6


@dataclass(frozen=True)
class FieldReading:
    value: Any  # str, date, or None when nothing trustworthy was read
    confidence: float  # 0–1


_EMPTY = FieldReading(None, 0.0)


@dataclass(frozen=True)
class Extraction:
    """What the first page says, field by field, for pre-filling the registration form."""

    issuer: FieldReading
    reference: FieldReading
    issued_on: FieldReading
    doc_type: FieldReading
    subject: FieldReading
    urgency: FieldReading
    text: str = ""
    page_confidence: float = 0.0  # mean Tesseract word confidence over the region read, 0–1
    lines: tuple[str, ...] = field(default=(), repr=False)
    # «Hỏa tốc hẹn giờ 14:00 ngày 05/12/2026»: the moment the answer is due, ISO `YYYY-MM-DDTHH:MM`.
    urgency_due: FieldReading = _EMPTY
    # A secrecy mark (Mật, Tối mật, Tuyệt mật) read in the header: the document must be refused.
    secrecy: FieldReading = _EMPTY
    # The most calibration may make of a field's score: an unknown issuer, a date from the body.
    limits: tuple[tuple[str, float], ...] = field(default=(), repr=False)
    # "ocr" (Tesseract's reading of an image) or "text" (a PDF's own text layer): calibrated apart.
    source: str = "ocr"

    def field(self, name: str) -> FieldReading:
        reading: FieldReading = getattr(self, name)
        return reading

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in FIELDS:
            value = self.field(name).value
            out[name] = value.isoformat() if isinstance(value, date) else value
        out["confidence"] = {name: round(self.field(name).confidence, 3) for name in FIELDS}
        out["urgency_due"] = self.urgency_due.value
        out["secrecy"] = self.secrecy.value
        out["source"] = self.source
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Extraction:
        """The fields back from `to_json` (a file waiting for registration keeps them on disk)."""
        confidence = data.get("confidence", {})

        def reading(name: str) -> FieldReading:
            value = data.get(name)
            if name == "issued_on" and isinstance(value, str):
                value = date.fromisoformat(value)
            return FieldReading(value, float(confidence.get(name, 0.0)))

        return cls(
            issuer=reading("issuer"),
            reference=reading("reference"),
            issued_on=reading("issued_on"),
            doc_type=reading("doc_type"),
            subject=reading("subject"),
            urgency=reading("urgency"),
            urgency_due=FieldReading(
                data.get("urgency_due"),
                0.0 if data.get("urgency_due") is None else float(confidence.get("urgency", 0.0)),
            ),
            secrecy=FieldReading(data.get("secrecy"), 1.0 if data.get("secrecy") else 0.0),
            source=str(data.get("source") or "ocr"),
        )


@dataclass
class Line:
    """A run of words on one text line and one side of the page (columns split apart)."""

    words: list[Word]

    @property
    def text(self) -> str:
        return nfc(" ".join(w.text for w in self.words))

    @property
    def left(self) -> int:
        return min(w.left for w in self.words)

    @property
    def right(self) -> int:
        return max(w.right for w in self.words)

    @property
    def top(self) -> int:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w.bottom for w in self.words)

    @property
    def centre_x(self) -> float:
        return (self.left + self.right) / 2

    @property
    def height(self) -> float:
        return statistics.median(w.height for w in self.words)

    @property
    def confidence(self) -> float:
        return sum(w.conf for w in self.words) / len(self.words) / 100.0

    @property
    def folded(self) -> str:
        return fold(self.text)


def _lines(page: OcrPage) -> list[Line]:
    groups: dict[tuple[int, int, int], list[Word]] = {}
    for word in page.words:
        groups.setdefault((word.block, word.par, word.line), []).append(word)
    lines: list[Line] = []
    for words in groups.values():
        words.sort(key=lambda w: w.left)
        height = statistics.median(w.height for w in words)
        current = [words[0]]
        for prev, word in itertools.pairwise(words):
            # A wide gap inside one Tesseract line is the gutter between the two header columns.
            if word.left - prev.right > 2.5 * height:
                lines.append(Line(current))
                current = []
            current.append(word)
        lines.append(Line(current))
    lines.sort(key=lambda ln: (ln.top, ln.left))
    return lines


_NUMBER = re.compile(r"^\s*s[o0][\s:;.,]*(.*)$")
_REFERENCE = re.compile(r"(\d{1,5})\s*/\s*([0-9A-Za-zĐđ][0-9A-Za-zĐđ\-./]*)")
_STRICT_REFERENCE = re.compile(r"^\d{1,5}/[A-ZĐ][A-Za-zĐđ0-9]*(?:-[A-ZĐ][A-Za-zĐđ0-9]*)+$")
_DATE = re.compile(r"ngay\s*([0-9oOlI]{1,2})\s*thang\s*([0-9oOlI]{1,2})\s*nam\s*([0-9oOlI]{4})")
_URGENCY = {"hoa toc": "Hỏa tốc", "hoa toc hen gio": "Hỏa tốc", "thuong khan": "Thượng khẩn"}
_URGENCY["khan"] = "Khẩn"
_MOTTO = ("cong hoa xa hoi", "doc lap", "tu do", "hanh phuc")
_BODY_STARTS = ("can cu", "kinh gui", "thuc hien", "xet de nghi", "theo de nghi")
_DOC_TYPE_BY_FOLD = {fold(t): t for t in DOC_TYPES}


def _digits(value: str) -> int:
    return int(value.translate(str.maketrans("oOlI", "0011")))


def _is_motto(line: Line) -> bool:
    return any(m in line.folded for m in _MOTTO)


def extract(
    page: OcrPage,
    *,
    known_issuers: Iterable[str] = (),
    agencies_dir: Path | None = None,
    region_bottom: int | None = None,
    today: date | None = None,
    calibrated: bool = True,
    source: str = "ocr",
) -> Extraction:
    """Read the six registration fields from the OCR of a first page (or its header region).

    Confidences are calibrated (calibration.py) unless `calibrated` is False: the raw scores,
    which the benchmark fits the calibration on.
    """
    found, caps = _extract(page, known_issuers, agencies_dir, region_bottom, today)
    if source == "ocr" and isinstance(found.subject.value, str):
        # OCR's letters are checked against the Vietnamese words (a text layer's are exact).
        checked = check_subject(found.subject.value)
        subject = FieldReading(checked.text, round(found.subject.confidence * checked.factor, 3))
        found = replace(found, subject=_trust(subject))
    found = replace(found, limits=tuple(sorted(caps.items())), source=source)
    return calibrated_copy(found) if calibrated else found


def calibrated_copy(found: Extraction, table: dict[str, list[Bin]] | None = None) -> Extraction:
    """The extraction with each field's raw score replaced by its calibrated confidence."""
    caps = dict(found.limits)

    def shown(name: str) -> FieldReading:
        reading = found.field(name)
        # An unknown issuer or a date from the body stays low whatever its score's bin says.
        cap = caps.get(name, 1.0)
        if reading.value is None and name != "urgency":
            # Nothing read is shown empty; its score is not a reading's to calibrate.
            cap = min(cap, reading.confidence)
        key = name if found.source == "ocr" else f"{found.source}:{name}"
        return FieldReading(reading.value, min(calibrate(key, reading.confidence, table), cap))

    return replace(
        found,
        issuer=shown("issuer"),
        reference=shown("reference"),
        issued_on=shown("issued_on"),
        doc_type=shown("doc_type"),
        subject=shown("subject"),
        urgency=shown("urgency"),
    )


def _extract(
    page: OcrPage,
    known_issuers: Iterable[str],
    agencies_dir: Path | None,
    region_bottom: int | None,
    today: date | None,
) -> tuple[Extraction, dict[str, float]]:
    caps: dict[str, float] = {}
    words = [w for w in page.words if region_bottom is None or w.top < region_bottom]
    region_conf = sum(w.conf for w in words) / len(words) if words else 0.0
    lines = _lines(page)
    texts = tuple(ln.text for ln in lines)
    if len(words) < 6 or region_conf < MIN_PAGE_CONFIDENCE:
        low = FieldReading(None, round(region_conf / 100 * 0.3, 3))
        # Nothing legible: no calibration bin may lift what was not read.
        caps = dict.fromkeys(FIELDS, low.confidence)
        return Extraction(low, low, low, low, low, low, page.text, region_conf / 100, texts), caps
    width, height = page.width, page.height
    mid = width / 2
    top_zone = [ln for ln in lines if ln.top < height * 0.45]

    number_line = next(
        (
            ln
            for ln in top_zone
            if ln.centre_x < mid and _NUMBER.match(ln.folded) and _REFERENCE.search(ln.text)
        ),
        None,
    )
    reference = _read_reference(number_line, top_zone)
    matcher = issuer_matcher(tuple(known_issuers), agencies_dir)
    issuer, matched = _read_issuer(top_zone, number_line, mid, matcher)
    if not matched and issuer.value is not None:
        # An issuer nobody here knows stays as read, never shown as sure.
        issuer = FieldReading(issuer.value, min(issuer.confidence, UNKNOWN_ISSUER_CONFIDENCE))
        caps["issuer"] = UNKNOWN_ISSUER_CONFIDENCE
    mark_lines: list[Line] = []
    urgency, urgency_line, urgency_due = _read_urgency(top_zone, region_conf, mark_lines)
    header = itertools.takewhile(
        lambda ln: not any(ln.folded.startswith(b) for b in _BODY_STARTS), top_zone
    )
    if urgency.value is None and any(_urgency_hint(ln) for ln in header):
        # Something in the header looks like an urgency mark or its appointed time, but no
        # mark was read: «Thường» must not be shown as sure on such a page.
        urgency = FieldReading(None, HINTED_NO_URGENCY)
        caps["urgency"] = HINTED_NO_URGENCY
    secrecy, secrecy_line = _read_secrecy(top_zone)
    doc_type, type_line = _read_doc_type(top_zone, number_line, width)
    issued_on, in_header = _read_date(
        top_zone, number_line, type_line, mid, height, today or date.today()
    )
    marks = {id(ln) for ln in (urgency_line, secrecy_line, *mark_lines) if ln is not None}
    subject, vv_line = _read_subject(lines, number_line, type_line, marks, mid, height)
    if doc_type.value is None and vv_line is not None:
        # A công văn has no type name: its `V/v …` subject under the number says what it is.
        doc_type = FieldReading("Công văn", round(min(vv_line.confidence, 0.95) * 0.95, 3))
    reference, doc_type = _agree(reference, doc_type)
    if not in_header:
        caps["issued_on"] = BODY_DATE_CONFIDENCE
    found = Extraction(
        issuer=_trust(issuer),
        reference=_trust(reference),
        # A date offered from outside the header keeps its value at its low confidence.
        issued_on=_trust(issued_on) if in_header else issued_on,
        doc_type=_trust(doc_type),
        subject=_trust(subject),
        urgency=urgency,
        text=page.text,
        page_confidence=round(region_conf / 100, 3),
        lines=texts,
        urgency_due=urgency_due,
        secrecy=secrecy,
    )
    return found, caps


def _trust(reading: FieldReading) -> FieldReading:
    if reading.value is not None and reading.confidence < MIN_FIELD_CONFIDENCE:
        return FieldReading(None, reading.confidence)
    return reading


def _read_reference(line: Line | None, top_zone: Sequence[Line] = ()) -> FieldReading:
    if line is None:
        return _EMPTY
    match = _REFERENCE.search(line.text)
    if match is None:
        return _EMPTY
    symbol = re.sub(r"[.\s]+$", "", match.group(2))
    if symbol.endswith("-"):
        # A long symbol broken after a hyphen: its end is the next line of the same column.
        rest = _continuation(line, top_zone)
        if rest is not None:
            symbol += rest.text.strip()
            line = Line([*line.words, *rest.words])
    value = f"{int(match.group(1)):02d}/{symbol}" if len(match.group(1)) < 2 else None
    value = value or f"{match.group(1)}/{symbol}"
    shape = 1.0 if _STRICT_REFERENCE.match(value) else 0.6
    return FieldReading(value, round(line.confidence * shape, 3))


SYMBOL_TAIL = re.compile(r"^[A-ZĐ][A-Za-zĐđ0-9]*(?:-[A-ZĐ][A-Za-zĐđ0-9]*)*$")


def _continuation(line: Line, top_zone: Sequence[Line]) -> Line | None:
    for other in top_zone:
        if (
            other.top <= line.top
            or abs(other.centre_x - line.centre_x) > 3 * line.height + (line.right - line.left) / 2
        ):
            continue
        if other.top - line.bottom > 1.2 * line.height:
            return None
        return other if SYMBOL_TAIL.match(other.text.strip()) else None
    return None


def _agree(reference: FieldReading, doc_type: FieldReading) -> tuple[FieldReading, FieldReading]:
    """The type name and the type abbreviation in the symbol (NĐ 30 appendix III) vouch for
    each other: one misread letter in `TIr-UBND` next to `TỜ TRÌNH` is `TTr-UBND`."""
    if reference.value is None:
        return reference, doc_type
    number, _, symbol = str(reference.value).partition("/")
    head, dash, tail = symbol.partition("-")
    if not dash:
        return reference, doc_type
    if doc_type.value is not None:
        abbr = DOC_TYPE_ABBREVIATIONS.get(str(doc_type.value))
        if abbr is None or head == abbr:
            return reference, doc_type
        if len(head) == len(abbr) and sum(a != b for a, b in zip(head, abbr, strict=True)) == 1:
            fixed = FieldReading(f"{number}/{abbr}-{tail}", round(reference.confidence * 0.95, 3))
            return fixed, doc_type
        return reference, doc_type
    by_abbr = {v: k for k, v in DOC_TYPE_ABBREVIATIONS.items()}
    if head in by_abbr:
        return reference, FieldReading(by_abbr[head], round(reference.confidence * 0.8, 3))
    return reference, doc_type


def _read_issuer(
    top_zone: Sequence[Line], number_line: Line | None, mid: float, matcher: IssuerMatcher
) -> tuple[FieldReading, bool]:
    """The issuer as the desk spells it, and whether it matched a known name."""
    limit = number_line.top if number_line is not None else None
    block = [
        ln
        for ln in top_zone
        if ln.centre_x < mid
        and not _is_motto(ln)
        and (limit is None or ln.bottom <= limit)
        and sum(ch.isupper() for ch in ln.text) >= 0.6 * sum(ch.isalpha() for ch in ln.text)
        and sum(ch.isalpha() for ch in ln.text) >= 3
    ]
    if not block:
        return _EMPTY, False
    chosen = [block[-1]]
    # A name set on several lines (`ỦY BAN NHÂN DÂN` / `TỈNH PHÚ YÊN`, `BAN QUẢN LÝ DỰ ÁN ĐẦU TƯ`
    # / `XÂY DỰNG CÁC CÔNG TRÌNH`): a line that does not start a name of its own continues the
    # one above; the parent body above it starts its own name and stays out.
    while len(chosen) < 3 and len(block) > len(chosen) and not _starts_name(chosen[0].folded):
        chosen.insert(0, block[-len(chosen) - 1])
    text = " ".join(ln.text for ln in chosen)
    value = issuer_case(text)
    conf = sum(ln.confidence for ln in chosen) / len(chosen)
    # The desk's and the list's spelling wins over what OCR made of it; the last one, two or
    # three lines of the block are tried, since a two-line name and its parent body look alike.
    tails = [block[-k:] for k in (1, 2, 3) if k <= len(block)]
    found = matcher.best([issuer_case(" ".join(ln.text for ln in t)) for t in tails])
    if found is not None:
        k, match = found
        lines_conf = sum(ln.confidence for ln in tails[k]) / len(tails[k])
        # Exact after folding accents: the name is known letter for letter; each edit costs.
        quality = 1.0 - match.distance / max(len(match.name), 1) * 3
        return FieldReading(match.name, round(max(lines_conf, 0.5) * quality, 3)), True
    return FieldReading(value, round(conf, 3)), False


_PLACE_LEVELS = ("tinh", "huyen", "thanh pho", "thi xa", "quan", "xa", "phuong", "thi tran")
_HEADS = (
    "uy ban nhan dan",
    "hoi dong nhan dan",
    "van phong",
    "chi cuc",
    "tong cuc",
    "trung tam",
    "thanh tra",
    "kho bac",
    "so",
    "bo",
    "cuc",
    "phong",
    "ban",
    "vu",
    "vien",
    "truong",
    "benh vien",
    "hoc vien",
    "dai hoc",
    "cong ty",
    "chi nhanh",
    "doan",
    "hoi",
    "quy",
)
_ACRONYMS = {"UBND", "HĐND", "ĐBQH", "BHXH", "KBNN", "MTTQ", "TAND", "VKSND", "CP", "TW"}


def _starts_name(folded: str) -> bool:
    """The line opens an agency's name (`SỞ …`, `UBND …`, `BỆNH VIỆN …`), not a wrapped tail."""
    words = folded.split()
    if words and words[0] in ("ubnd", "hdnd", "bhxh", "kbnn", "mttq"):
        return True
    return any(folded == h or folded.startswith(h + " ") for h in _HEADS)


def issuer_case(upper: str) -> str:
    """`SỞ TÀI CHÍNH TỈNH PHÚ YÊN` → `Sở Tài chính tỉnh Phú Yên` (NĐ 30 appendix II casing)."""
    tokens = nfc(upper).split()
    out: list[str] = []
    capital_rest = False
    capital_next = True
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.upper() in _ACRONYMS:
            out.append(token.upper())
            i += 1
            capital_next = False
            continue
        rest = " ".join(fold(t) for t in tokens[i:])
        level = next((p for p in _PLACE_LEVELS if rest == p or rest.startswith(p + " ")), None)
        if level is not None and out:
            n = len(level.split())
            out.extend(t.lower() for t in tokens[i : i + n])
            i += n
            capital_rest = True
            continue
        head = next((h for h in _HEADS if rest == h or rest.startswith(h + " ")), None)
        if head is not None and not out:
            n = len(head.split())
            words = [t.lower() for t in tokens[i : i + n]]
            words[0] = words[0][:1].upper() + words[0][1:]
            out.extend(words)
            i += n
            capital_next = True
            continue
        word = token.lower()
        if capital_rest or capital_next:
            word = word[:1].upper() + word[1:]
        out.append(word)
        capital_next = token in ("VÀ", "-", ",", "&") or token.endswith(",")
        i += 1
    return " ".join(out)


def _date_in(text: str) -> date | bool | None:
    """The date of a `ngày … tháng … năm …` text; False when there is none, None when impossible."""
    match = _DATE.search(text)
    if match is None:
        return False
    try:
        return date(_digits(match.group(3)), _digits(match.group(2)), _digits(match.group(1)))
    except ValueError:
        return None


def _read_date(
    top_zone: Sequence[Line],
    number_line: Line | None,
    type_line: Line | None,
    mid: float,
    height: int,
    today: date,
) -> tuple[FieldReading, bool]:
    """The issued date from the header's place-and-date line (right column, beside the number).

    Bodies cite other dates in the same words («Căn cứ Luật … ngày 29 tháng 11 năm 2005»); taking
    one of those for the issued date is the error a clerk would not catch, so a date found only
    outside the header is offered at BODY_DATE_CONFIDENCE, below anything shown as sure.
    """
    if type_line is not None:
        bottom = float(type_line.top)
    elif number_line is not None:
        bottom = number_line.bottom + 4 * number_line.height
    else:
        bottom = height * 0.22
    starts = [ln.top for ln in top_zone if any(ln.folded.startswith(b) for b in _BODY_STARTS)]
    bottom = min([bottom, *starts])
    header = [ln for ln in top_zone if ln.top < bottom and ln.centre_x > mid * 1.1]
    for i, line in enumerate(header):
        if "ngay" not in line.folded:
            continue
        used = [line]
        value = _date_in(line.folded)
        if value is False and i + 1 < len(header):
            # The line broke before `năm …`: its end is the next line of the column.
            used.append(header[i + 1])
            value = _date_in(line.folded + " " + header[i + 1].folded)
        if value is False:
            continue
        if value is None:
            return FieldReading(None, 0.2), True
        assert isinstance(value, date)
        words = [w for ln in used for w in ln.words]
        # A misread digit is the usual error: judge by the weakest number, not the line.
        digits = [w.conf / 100 for w in words if any(ch.isdigit() for ch in w.text)]
        conf = min([sum(w.conf for w in words) / len(words) / 100, *digits])
        # A letter that has arrived cannot be dated weeks ahead: 2025 read as 2035.
        plausible = value.year >= 1990 and (value - today).days <= 60
        # `Phú Yên, ngày …`: the place before the date says this is the header's line.
        placed = "," in line.text.split("ngày")[0] if "ngày" in line.text else False
        return FieldReading(
            value, round(conf * (1.0 if plausible else 0.3) * (1.0 if placed else 0.97), 3)
        ), True
    for line in top_zone:
        value = _date_in(line.folded)
        if isinstance(value, date) and value <= today:
            reading = FieldReading(
                value, round(min(line.confidence * 0.3, BODY_DATE_CONFIDENCE), 3)
            )
            return reading, False
    return _EMPTY, True


_TIME = re.compile(r"(\d{1,2})\s*(?:[:hg.]|gio)\s*(\d{2})")
_SHORT_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
_SECRECY = {"mat": "Mật", "toi mat": "Tối mật", "tuyet mat": "Tuyệt mật"}


def _read_urgency(
    top_zone: Sequence[Line], region_conf: float, extra: list[Line]
) -> tuple[FieldReading, Line | None, FieldReading]:
    """The urgency mark, its line, and the appointed time of a «Hỏa tốc hẹn giờ» (a second
    line of the mark used for it goes into `extra`)."""
    for i, line in enumerate(top_zone):
        key = _letters(line.folded)
        if _HEN_GIO.match(key):
            # «HỎA TỐC HẸN GIỜ 14:00 NGÀY 05/12/2026», sometimes broken over two lines, its
            # first letter sometimes split off by the layout analysis (`H` / `ỎA TỐC HẸN GIỜ`).
            after = line.folded.split("hen gio", 1)[1]
            due = _due(after, line)
            nxt = top_zone[i + 1] if i + 1 < len(top_zone) else None
            if due.value is None and nxt is not None and nxt.folded.startswith("ngay"):
                due = _due(after + " " + nxt.folded, line)
                extra.append(nxt)
            whole = key.startswith("hoa toc hen gio")
            return FieldReading("Hỏa tốc", _slipped(line, whole)), line, due
        named = _URGENCY.get(key) or _near_urgency(key)
        if named is not None:
            return FieldReading(named, _slipped(line, key in _URGENCY)), line, _EMPTY
    # No mark: as sure as the page was legible.
    return FieldReading(None, round(region_conf / 100, 3)), None, _EMPTY


# The raw score of "no urgency" on a page whose header shows a trace of one (a clock time, a
# word of a mark): under every bin of a clean reading, capped there (see `_extract`).
HINTED_NO_URGENCY = 0.5
_HEN_GIO = re.compile(r"^(?:h?oa )?toc hen gio\b|^h?oa toc hen\b")
# Words of an urgency mark a header prints nowhere else (`tốc` alone is also `dân tộc`).
_HINTS = re.compile(r"\b(?:h?oa toc|toc hen|hen gio|thuong kh[a-z]*|khan)\b")
_CLOCK = re.compile(r"(?<![\d/])\d{1,2}\s*[:h]\s*[0-5]\d(?![\d/])")


def _urgency_hint(line: Line) -> bool:
    """A header line with a word of an urgency mark in capitals, or a clock time (`09:30`)."""
    letters = [ch for ch in line.text if ch.isalpha()]
    capitals = sum(ch.isupper() for ch in letters) >= 0.6 * len(letters) if letters else False
    return bool(_CLOCK.search(line.folded)) or (
        capitals and bool(_HINTS.search(_letters(line.folded)))
    )


def urgency_traced(stamp_text: str) -> bool:
    """A coloured stamp's text that names no mark but may be one: a word of a mark, a clock
    time, or anything not legible as another stamp (a smudged «HỎA TỐC» reads as specks)."""
    folded = fold(stamp_text)
    if _CLOCK.search(folded) or _HINTS.search(_letters(folded)):
        return True
    return not _OTHER_STAMP.search(_letters(folded))


# Words of the other framed stamps a header may carry: the arrival stamp («ĐẾN», «Số», «Ngày»,
# «Chuyển») and a secrecy mark (a page refused anyway).
_OTHER_STAMP = re.compile(r"\b(?:den|so|ngay|chuyen|mat)\b")


def without_sure_urgency(found: Extraction) -> Extraction:
    """The reading with its empty urgency capped under sure (a trace of a mark was seen)."""
    if found.urgency.value is not None:
        return found
    limits = dict(found.limits)
    limits["urgency"] = min(limits.get("urgency", 1.0), HINTED_NO_URGENCY)
    return replace(
        found,
        urgency=FieldReading(None, min(found.urgency.confidence, HINTED_NO_URGENCY)),
        limits=tuple(sorted(limits.items())),
    )


def _near_urgency(key: str) -> str | None:
    """A mark one letter off (`HOA TÓC` read `HÓA TÓC`, `THUỌNG KHAN`); `khan` stays exact."""
    if len(key) < 6:
        return None
    near = [name for k, name in _URGENCY.items() if len(k) >= 6 and one_letter_apart(key, k)]
    return near[0] if len(set(near)) == 1 else None


def _slipped(line: Line, whole: bool) -> float:
    """A mark's score: its line's, lower when the mark was read with a letter off."""
    return round(line.confidence * (1.0 if whole else 0.9), 3)


def _letters(folded: str) -> str:
    return " ".join(re.sub(r"[^a-z ]", " ", folded).split())


def urgency_named(text: str) -> str | None:
    """The urgency a mark's text names (`HỎA TỐC`, `THƯỢNG KHẨN`, `KHẨN`), or None."""
    key = _letters(fold(text))
    if key.startswith("hoa toc hen gio"):
        return "Hỏa tốc"
    return _URGENCY.get(key)


def _due(text: str, line: Line) -> FieldReading:
    time_match = _TIME.search(text)
    if time_match is None:
        return _EMPTY
    rest = text[time_match.end() :]
    day: date | None = None
    short = _SHORT_DATE.search(rest)
    try:
        if short is not None:
            day = date(int(short.group(3)), int(short.group(2)), int(short.group(1)))
        else:
            found = _date_in(rest)
            day = found if isinstance(found, date) else None
        hour, minute = int(time_match.group(1)), int(time_match.group(2))
        if day is None or hour > 23 or minute > 59:
            return FieldReading(None, 0.2)
    except ValueError:
        return FieldReading(None, 0.2)
    return FieldReading(f"{day.isoformat()}T{hour:02d}:{minute:02d}", round(line.confidence, 3))


def _read_secrecy(top_zone: Sequence[Line]) -> tuple[FieldReading, Line | None]:
    """A line that is only a secrecy mark (`TỐI MẬT`), as the stamp prints it in the header."""
    for line in top_zone:
        letters = " ".join(re.sub(r"[^a-z ]", " ", line.folded).split())
        if letters in _SECRECY and sum(ch.isupper() for ch in line.text) >= 2:
            return FieldReading(_SECRECY[letters], round(line.confidence, 3)), line
    return _EMPTY, None


def _read_doc_type(
    top_zone: Sequence[Line], number_line: Line | None, width: int
) -> tuple[FieldReading, Line | None]:
    below = number_line.bottom if number_line is not None else 0
    for line in top_zone:
        if line.top < below or abs(line.centre_x - width / 2) > width * 0.15:
            continue
        name = _DOC_TYPE_BY_FOLD.get(" ".join(re.sub(r"[^a-z ]", " ", line.folded).split()))
        if name is not None:
            return FieldReading(name, round(line.confidence, 3)), line
    return _EMPTY, None


def _read_subject(
    lines: Sequence[Line],
    number_line: Line | None,
    type_line: Line | None,
    marks: set[int],
    mid: float,
    height: int,
) -> tuple[FieldReading, Line | None]:
    if type_line is not None:
        picked = _follow(
            lines,
            type_line,
            lambda ln: abs(ln.centre_x - type_line.centre_x) < mid * 0.35 and id(ln) not in marks,
        )
        if not picked:
            return _EMPTY, None
        return _joined(picked), None
    if number_line is None:
        return _EMPTY, None
    for line in lines:
        if line.top <= number_line.top or line.centre_x >= mid or line.top > height * 0.45:
            continue
        if _VV.match(line.folded):
            picked = [
                line,
                *_follow(lines, line, lambda ln: ln.centre_x < mid and id(ln) not in marks),
            ]
            return _joined(picked), line
    return _EMPTY, None


def _follow(lines: Sequence[Line], start: Line, same_column: Any) -> list[Line]:
    """Lines set directly under `start` in the same column, until a gap or the body."""
    picked: list[Line] = []
    last = start
    for line in lines:
        if line.top <= last.top or not same_column(line) or _is_motto(line):
            continue
        if line.height < SMALL_PRINT * start.height:
            # Not the subject's own print: a seal's ring letters pressed over it (text in a
            # born-digital PDF, specks in a scan), a stamp's small capitals.
            continue
        if line.top - last.bottom > 1.2 * max(last.height, line.height):
            break
        if any(line.folded.startswith(b) for b in _BODY_STARTS) or re.match(
            r"^[_\-—–.\s]+$", line.text
        ):
            break
        picked.append(line)
        last = line
    return picked


def _joined(picked: Sequence[Line]) -> FieldReading:
    text = nfc(" ".join(ln.text for ln in picked))
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    # NĐ 30 writes `V/v`; a scan's small v reads as a capital as often as not.
    text = re.sub(r"^V\s*/\s*[vV]\b", "V/v", text)
    conf = sum(ln.confidence for ln in picked) / len(picked)
    if not text.startswith("V/v") and _VV.match(text):
        # `V/ quyết toán …`, `V/y …`: the small v lost or misread; a repair costs some trust.
        text = _VV.sub("V/v", text, count=1)
        conf *= 0.95
    return FieldReading(text, round(conf, 3))


# `V/v` as OCR gives it: `V/v`, `V/V`, `v/v`, and with its small v lost or read `y` (`V/ quyết`).
_VV = re.compile(r"^[Vv]\s*/\s*[vVyY]?(?![^\W\d_])")
