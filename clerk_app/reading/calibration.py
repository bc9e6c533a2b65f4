"""Confidence that means something: each field's raw reading score mapped to how often such a
reading was right on the tuned corpus, so that a field shown as sure is wrong < 1 time in 100.

The raw score (Tesseract's word confidences, how well the value fits its shape, a known
issuer's match) orders readings well but is not a probability: a body date read at 0.97 was
wrong every time. Per field, readings are put in bins of raw score. The field's sure threshold
is the lowest bin whose readings, pooled with the bins just under it up to MIN_SURE_READINGS,
were at most 1 in 100 wrong (on a corpus of this size: none); from there up a reading is shown
with SURE or its bin's share right if higher. Below it the confidence is the bin's share right
(one wrong reading added, so a small bin cannot look perfect), capped under SURE whatever the
raw score said. With a few dozen readings per field this is an estimate, not a bound: the
held-out part of the corpus is what says whether it holds (bench/RESULTS.md). `bench/reading.py --fit` refits
the shipped table (`data/calibration.json`) on the tuned part of the corpus only.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

TABLE = Path(__file__).with_name("data") / "calibration.json"
SURE = 0.99  # shown as sure (not tinted for checking) from here up
MIN_SURE_READINGS = 30  # fewer readings than this above a score say nothing about 1 in 100
EDGES = (0.0, 0.45, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 1.0)


@dataclass(frozen=True)
class Sample:
    field: str
    raw: float
    right: bool


@dataclass(frozen=True)
class Bin:
    lower: float
    upper: float
    count: int
    right: int
    confidence: float  # what a reading with a raw score in this bin is shown with


def _bin_of(raw: float) -> int:
    for i in range(len(EDGES) - 1, 0, -1):
        if raw >= EDGES[i - 1] and (raw < EDGES[i] or i == len(EDGES) - 1):
            return i - 1
    return 0


def fit_field(samples: Sequence[Sample]) -> list[Bin]:
    """The bins of one field, with the confidence each is shown with."""
    counts = [0] * (len(EDGES) - 1)
    rights = [0] * (len(EDGES) - 1)
    for s in samples:
        b = _bin_of(s.raw)
        counts[b] += 1
        rights[b] += s.right
    # A bin is sure when the readings at its score and just below it (the narrowest run of bins
    # ending there with MIN_SURE_READINGS readings) are at most 1 in 100 wrong. Scores order
    # readings, so a bin is at least as often right as the bins under it: pooling downwards
    # can only make it look worse, never better (pooling upwards let a lone reading at 0.65 be
    # called sure because everything above 0.9 was right; the held-out part caught that).
    sure, bad = [], []
    for b in range(len(counts)):
        n = r = 0
        for a in range(b, -1, -1):
            n += counts[a]
            r += rights[a]
            if n >= MIN_SURE_READINGS:
                break
        sure.append(counts[b] > 0 and n >= MIN_SURE_READINGS and (n - r) <= (1 - SURE) * n)
        bad.append(n >= MIN_SURE_READINGS and (n - r) > (1 - SURE) * n)
    # ... and every bin above a sure one, since scores order readings, unless its own readings
    # say otherwise (a bad top bin is not hidden by good lower ones).
    sure_from = next((b for b in range(len(counts)) if sure[b]), len(counts))
    bins = []
    for b in range(len(counts)):
        own = rights[b] / (counts[b] + 1)
        if b >= sure_from and not bad[b]:
            shown = max(SURE, own)
        else:
            # Below the threshold: how often this bin was right, never reaching sure.
            shown = min(own if counts[b] else EDGES[b], SURE - 0.01)
        bins.append(Bin(EDGES[b], EDGES[b + 1], counts[b], rights[b], round(shown, 3)))
    return bins


def fit(samples: Iterable[Sample]) -> dict[str, list[Bin]]:
    by_field: dict[str, list[Sample]] = {}
    for s in samples:
        by_field.setdefault(s.field, []).append(s)
    return {name: fit_field(group) for name, group in sorted(by_field.items())}


def save(table: dict[str, list[Bin]], path: Path = TABLE) -> None:
    data = {
        name: [[b.lower, b.upper, b.count, b.right, b.confidence] for b in bins]
        for name, bins in table.items()
    }
    path.write_text(json.dumps(data, indent=1) + "\n", "utf-8")
    _load.cache_clear()


@functools.lru_cache(maxsize=2)
def _load(path: Path) -> dict[str, list[Bin]]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text("utf-8"))
    return {name: [Bin(*row) for row in rows] for name, rows in data.items()}


def shipped() -> dict[str, list[Bin]]:
    """The calibration table the desk ships (`data/calibration.json`)."""
    return _load(TABLE)


def calibrate(field: str, raw: float, table: dict[str, list[Bin]] | None = None) -> float:
    """The confidence shown for a raw score of `field`; a field the table lacks stays unsure."""
    bins = (table if table is not None else _load(TABLE)).get(field)
    if not bins:
        return min(raw, SURE - 0.01)
    return bins[_bin_of(raw)].confidence


def is_sure(confidence: float) -> bool:
    return confidence >= SURE
