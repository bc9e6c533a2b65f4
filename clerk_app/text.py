"""Vietnamese text forms: NFC for storage, an accent-free fold for search; no database access."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# đ/Đ are letters of their own, not d + a mark, so NFD leaves them; fold them by hand.
_LETTER_FOLDS = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})
# Invisible characters a copy from a web page or a word processor leaves inside a reference
# (zero-width space/joiners, word joiner, BOM, soft hyphen), and the look-alikes of the hyphen:
# `12/QĐ‑UBND` with a non-breaking hyphen must find `12/QĐ-UBND`.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))
_HYPHENS = dict.fromkeys(
    map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-"
)
_LOOK_ALIKES = str.maketrans(_INVISIBLE | _HYPHENS)


def nfc(value: str) -> str:
    """Text as stored: NFC (TCVN 6909), surrounding and repeated blanks collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str) -> str:
    """Lower-case, accent-free form for matching: `Quyết ĐỊNH hoà` → `quyet dinh hoa`.

    Stripping every combining mark makes the old (hoà) and new (hòa) tone placements equal,
    and NFD input folds the same as NFC.
    """
    decomposed = unicodedata.normalize(
        "NFD", value.translate(_LOOK_ALIKES).translate(_LETTER_FOLDS)
    )
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.translate(_LETTER_FOLDS).casefold()).strip()


_REF_NOISE = re.compile(r"[\s.]+")


def reference_key(reference: str) -> str:
    """Key for looking up a reference: `12/QĐ-UBND`, `12/qd-ubnd`, `012 / QĐ-UBND` are one key."""
    folded = _REF_NOISE.sub("", fold(reference)).upper()
    number, slash, rest = folded.partition("/")
    if slash and number.isdigit():
        number = str(int(number))
    return number + slash + rest


_REFERENCE_SHAPE = re.compile(r"^\s*\d{1,6}\s*/\s*[^\s/]+(?:\s*/\s*[^\s/]+)*\s*$")


def looks_like_reference(query: str) -> bool:
    """True for queries such as `12/QĐ-UBND` that a clerk types to find one document."""
    return bool(_REFERENCE_SHAPE.match(nfc(query)))
