"""Issuer names from what the desk knows: header lines matched to known issuers and the agency list.

OCR slips a mark or a letter («Ủy ban nhân dân tính Phú Yên», «Truyêền thông»); the desk already
knows how its correspondents spell themselves. A reading is matched, accents folded, by edit
distance against the desk's registered issuers first and then the shipped list of agencies
(`data/agencies.csv`, editable: a copy in the data folder's `reading/` folder wins). A match must
be close and unambiguous; anything else stays as read and is marked unsure by the caller.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clerk_app.text import fold, nfc

AGENCIES_FILE = "agencies.csv"
OVERRIDE_FOLDER = "reading"
_SHIPPED = Path(__file__).with_name("data") / AGENCIES_FILE
# One edit in ten letters is what a degraded scan does to a header; more is another name.
MAX_EDIT_SHARE = 0.1
# A seal over the middle of a name (`Sở Ï š hoạch và Đầu tư`) costs more letters: with its head
# word read as printed, a name this far off is still that name when nothing else is as near.
SAME_HEAD_EDIT_SHARE = 0.15
# The runner-up must be clearly worse, or the slip could as well be the other agency.
MIN_MARGIN = 2


@dataclass(frozen=True)
class Agency:
    code: str
    name: str  # as registered, NĐ 30 casing: `Sở Tài chính`
    place: str = ""  # what a one-line header adds: `tỉnh Phú Yên`


@dataclass(frozen=True)
class IssuerMatch:
    name: str
    distance: int  # edits between the folded reading and the folded name
    known: bool  # one of the desk's registered issuers (not only the shipped list)


def parse_agencies(text: str) -> tuple[Agency, ...]:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    out = []
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        name = nfc((row.get("name") or "").strip())
        if name:
            out.append(
                Agency(
                    nfc((row.get("code") or "").strip()),
                    name,
                    nfc((row.get("place") or "").strip()),
                )
            )
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> tuple[Agency, ...]:
    return parse_agencies(path.read_text("utf-8"))


def agencies(data_dir: Path | None = None) -> tuple[Agency, ...]:
    """The agency list: the data folder's edited copy when there is one, else the shipped one."""
    path = _SHIPPED
    if data_dir is not None and (data_dir / OVERRIDE_FOLDER / AGENCIES_FILE).is_file():
        path = data_dir / OVERRIDE_FOLDER / AGENCIES_FILE
    return _load(path, path.stat().st_mtime)


def distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 as soon as it must exceed `limit` (banded, early exit)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            best = min(best, current[j])
        if best > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _squash(text: str) -> str:
    # `Tài chính - Kế hoạch` and `Tài chính-Kế hoạch` are the same name; stray marks OCR adds
    # around a seal's edge (`)`, `„`, `.`) are no letters of it.
    folded = re.sub(r"[^0-9a-z\- ]", "", fold(text))
    return " ".join(folded.replace("-", " - ").split())


class IssuerMatcher:
    """Finds the registered spelling of a header's issuer; built once per list of names."""

    def __init__(self, known: Iterable[str] = (), listed: Sequence[Agency] = ()) -> None:
        self._names: dict[str, tuple[str, bool]] = {}
        for name in known:
            if nfc(name).strip():
                self._names.setdefault(_squash(name), (nfc(name).strip(), True))
        for agency in listed:
            self._names.setdefault(_squash(agency.name), (agency.name, False))
            if agency.place:
                full = f"{agency.name} {agency.place}"
                self._names.setdefault(_squash(full), (full, False))

    def match(self, reading: str) -> IssuerMatch | None:
        """The one name within MAX_EDIT_SHARE edits of `reading`, or None (none, or ambiguous)."""
        key = _squash(reading)
        if not key:
            return None
        exact = self._names.get(key)
        if exact is not None:
            return IssuerMatch(exact[0], 0, exact[1])
        limit = max(1, int(len(key) * MAX_EDIT_SHARE))
        wide = max(limit, int(len(key) * SAME_HEAD_EDIT_SHARE))
        scored = sorted((distance(key, name, wide + MIN_MARGIN), name) for name in self._names)
        if not scored:
            return None
        best, name = scored[0]
        head = key.split()[0]
        if best > wide or (best > limit and name.split()[0] != head):
            return None
        close = [n for d, n in scored if d < best + MIN_MARGIN]
        if len(close) > 1:
            # `Sở Kho^ học và Công nghệ` is one edit from the Sở, two from the Bộ of the same
            # name: the head word (`sở`, `bộ`, `ubnd`), printed first and read whole, decides
            # between names that differ in it, when it leaves one of them.
            same_head = [n for n in close if n.split()[0] == head]
            if same_head != [name]:
                return None
        spelled, known = self._names[name]
        return IssuerMatch(spelled, best, known)

    def best(self, readings: Sequence[str]) -> tuple[int, IssuerMatch] | None:
        """Of several readings (the last one, two, three header lines), the closest match."""
        found = [(i, m) for i, r in enumerate(readings) if (m := self.match(r)) is not None]
        if not found:
            return None
        return min(found, key=lambda im: (im[1].distance / max(len(im[1].name), 1), -im[0]))


@functools.lru_cache(maxsize=8)
def matcher(known: tuple[str, ...] = (), data_dir: Path | None = None) -> IssuerMatcher:
    return IssuerMatcher(known, agencies(data_dir))
